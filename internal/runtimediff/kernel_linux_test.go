//go:build linux

package runtimediff

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/cgtest"
)

// The kernel model (KernelFiles, ReadBack) decides what the runtime's
// writes read back as; these tests hold it against this machine's kernel
// on throwaway cgroup v1 cgroups (root, a writable v1 hierarchy, 4 KiB
// pages; skipped otherwise).

func v1Cgroup(t *testing.T, controller string) string {
	t.Helper()
	if os.Getpagesize() != PageSize {
		t.Skipf("page size %d, the model assumes %d", os.Getpagesize(), PageSize)
	}
	dir := filepath.Join(cgtest.V1Controller(t, controller), cgtest.UniqueName(t, "runtimediff"))
	cgtest.Mkdir(t, dir)
	return dir
}

// check writes each value to file and compares the kernel's answer (the
// value it then shows, or its refusal) with ReadBack's.
func check(t *testing.T, dir, file string, values ...string) {
	t.Helper()
	path := filepath.Join(dir, file)
	for _, v := range values {
		before := cgtest.Read(t, path)
		kerr := cgtest.WriteErr(path, v)
		got := cgtest.Read(t, path)
		want, merr := ReadBack(convert.CgroupV1, file, v)
		switch {
		case kerr != nil && merr == nil:
			t.Errorf("%s = %q: kernel refuses (%v), model reads %q", file, v, kerr, want)
		case kerr == nil && merr != nil:
			t.Errorf("%s = %q: kernel shows %q, model refuses (%v)", file, v, got, merr)
		case kerr != nil && !errors.Is(merr, ErrKernel):
			t.Errorf("%s = %q: model error %v is not ErrKernel", file, v, merr)
		case kerr != nil && got != before:
			t.Errorf("%s = %q: refused, yet the file changed from %q to %q", file, v, before, got)
		case kerr == nil && got != want:
			t.Errorf("%s = %q: kernel shows %q, model %q", file, v, got, want)
		}
	}
}

// fresh compares a new cgroup's files with KernelFiles.
func fresh(t *testing.T, dir string, files ...string) {
	t.Helper()
	c := Case{Version: convert.CgroupV1, SwapAccounting: true}
	want := KernelFiles(c)
	for _, f := range files {
		if got := cgtest.Read(t, filepath.Join(dir, f)); got != want[f] {
			t.Errorf("fresh %s = %q, model %q", f, got, want[f])
		}
	}
}

func TestKernelModelCPU(t *testing.T) {
	dir := v1Cgroup(t, "cpu")
	fresh(t, dir, "cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us")
	check(t, dir, "cpu.shares", "1", "2", "3", "1024", "262143", "262144", "262145", "300000", "x")
	check(t, dir, "cpu.cfs_period_us", "999", "1000", "250000", "1000000", "1000001", "100000")
	check(t, dir, "cpu.cfs_quota_us", "999", "1000", "5000", "-1", "-5", "123456789", "x")
}

func TestKernelModelMemory(t *testing.T) {
	dir := v1Cgroup(t, "memory")
	files := []string{"memory.limit_in_bytes", "memory.soft_limit_in_bytes"}
	if _, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes")); err == nil {
		files = append(files, "memory.memsw.limit_in_bytes")
	}
	fresh(t, dir, files...)
	odd := []string{"1", "4095", "4096", "4097", "123456789", "1073741825", "4611686018427387904", "9223372036854775807", "-1", "-2", "max", "x"}
	check(t, dir, "memory.soft_limit_in_bytes", odd...)
	check(t, dir, "memory.limit_in_bytes", odd...)
	if len(files) == 3 {
		// memory+swap may not go below the memory limit; start low.
		cgtest.Write(t, filepath.Join(dir, "memory.limit_in_bytes"), "4096")
		check(t, dir, "memory.memsw.limit_in_bytes", "4097", "8191", "123456789", "-1")
	}
}

func TestKernelModelPids(t *testing.T) {
	dir := v1Cgroup(t, "pids")
	fresh(t, dir, "pids.max")
	check(t, dir, "pids.max", "0", "1", "4194304", "max", "-1", "x")
}

func TestKernelModelCpuset(t *testing.T) {
	dir := v1Cgroup(t, "cpuset")
	fresh(t, dir, "cpuset.cpus", "cpuset.mems")
	// Only CPUs this machine has: the model's host has HostCPUs.
	values := []string{"0", "0,0", "0-0"}
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(dir), "cpuset.cpus")); err == nil && string(b) == "0-1\n" {
		values = append(values, "0,1", "1,0", "0-1", "1")
	}
	check(t, dir, "cpuset.cpus", values...)
	check(t, dir, "cpuset.mems", "0", "0-0")
}
