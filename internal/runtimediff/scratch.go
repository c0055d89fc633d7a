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
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "kcg-runtimediff-"); err == nil {
			tb.Cleanup(func() { _ = os.RemoveAll(d) })
			return d
		}
	}
	return tb.TempDir()
}
