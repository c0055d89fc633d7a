//go:build linux

package runc11

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

var (
	cases = flag.Int("cases", 10000, "random cases per cgroup version and mode")
	seed  = flag.Uint64("seed", 19, "seed of the random cases")
)

// driverEnv is runtimediff.DriverEnv (this module cannot import it).
const driverEnv = "KCG_RUNTIMEDIFF_DRIVER"

func TestMain(m *testing.M) {
	if os.Getenv(driverEnv) == "1" {
		if err := Serve(os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString("runc11 driver: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRuntimeDiff runs the main module's comparison (cmd/runtimediff)
// with this test binary as its driver.
func TestRuntimeDiff(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "./internal/runtimediff/cmd/runtimediff",
		"-driver", exe, "-cases", strconv.Itoa(*cases), "-seed", strconv.FormatUint(*seed, 10))
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("runtimediff against runc %s and containerd %s: %v", RuncVersion, ContainerdVersion, err)
	}
}
