package runtimediff

import (
	"os"
	"testing"
)

// ScratchDir returns a directory for the simulated cgroups, removed when
// the test ends: on the tmpfs /dev/shm where there is one (tens of
// thousands of small files are written), else in t.TempDir.
func ScratchDir(tb testing.TB) string {
	tb.Helper()
	d, err := MkScratch()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(d) })
	return d
}

// MkScratch creates a scratch directory for the simulated cgroups, on
// /dev/shm where there is one; the caller removes it.
func MkScratch() (string, error) {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "kcg-runtimediff-"); err == nil {
			return d, nil
		}
	}
	return os.MkdirTemp("", "kcg-runtimediff-")
}

// DriverEnv is set in a driver's environment: a test binary that finds it
// serves the driver protocol instead of running its tests.
const DriverEnv = "KCG_RUNTIMEDIFF_DRIVER=1"
