//go:build linux

package convert_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/cgtest"
)

// These tests write values into throwaway cgroup v1 cgroups on this
// machine's kernel and check that convert's "as read back" predictions are
// what the kernel shows.

func TestKernelMemoryReadBack(t *testing.T) {
	root := cgtest.V1Controller(t, "memory")
	dir := filepath.Join(root, cgtest.UniqueName(t, "convert-mem"))
	cgtest.Mkdir(t, dir)
	page := int64(os.Getpagesize())
	file := filepath.Join(dir, "memory.limit_in_bytes")

	if got, want := cgtest.Read(t, file), strconv.FormatInt(convert.V1Unlimited(page), 10); got != want {
		t.Errorf("fresh memory.limit_in_bytes = %s, want %s", got, want)
	}
	for _, n := range []int64{100000000, 1000000000, 134217728, 4097, 8191, 268435457, 999999999} {
		cgtest.Write(t, file, strconv.FormatInt(n, 10))
		got := cgtest.Read(t, file)
		if want := convert.FormatMemory(n, convert.CgroupV1, page); got != want {
			t.Errorf("wrote %d: kernel shows %s, convert predicts %s", n, got, want)
		}
	}
	cgtest.Write(t, file, "-1")
	if got, want := cgtest.Read(t, file), convert.FormatMemory(-1, convert.CgroupV1, page); got != want {
		t.Errorf("wrote -1: kernel shows %s, convert predicts %s", got, want)
	}
	soft := filepath.Join(dir, "memory.soft_limit_in_bytes")
	cgtest.Write(t, soft, "100000000")
	if got := cgtest.Read(t, soft); got != convert.FormatMemory(100000000, convert.CgroupV1, page) {
		t.Errorf("soft limit 100000000 reads %s", got)
	}
}

func TestKernelSharesClamp(t *testing.T) {
	root := cgtest.V1Controller(t, "cpu")
	dir := filepath.Join(root, cgtest.UniqueName(t, "convert-cpu"))
	cgtest.Mkdir(t, dir)
	file := filepath.Join(dir, "cpu.shares")
	for _, s := range []uint64{1, 2, 3, 102, 256, 1024, 262143, 262144, 262145, 300000} {
		cgtest.Write(t, file, strconv.FormatUint(s, 10))
		if got, want := cgtest.Read(t, file), strconv.FormatUint(convert.ClampShares(s), 10); got != want {
			t.Errorf("wrote cpu.shares %d: kernel shows %s, convert predicts %s", s, got, want)
		}
	}
	for _, m := range []int64{0, 1, 15, 250, 333, 1000, 1800} {
		s := convert.MilliCPUToShares(m)
		cgtest.Write(t, file, strconv.FormatUint(s, 10))
		if got, _ := convert.ParseShares(cgtest.Read(t, file)); got != s {
			t.Errorf("%dm: kernel shows %d shares, want %d", m, got, s)
		}
	}
}

func TestKernelQuotaAndPeriod(t *testing.T) {
	root := cgtest.V1Controller(t, "cpu")
	dir := filepath.Join(root, cgtest.UniqueName(t, "convert-quota"))
	cgtest.Mkdir(t, dir)
	quota := filepath.Join(dir, "cpu.cfs_quota_us")
	period := filepath.Join(dir, "cpu.cfs_period_us")
	if q, err := convert.ParseCFSQuota(cgtest.Read(t, quota)); err != nil || q != convert.UnlimitedQuota {
		t.Errorf("fresh quota = %d, %v; want -1", q, err)
	}
	if p, err := convert.ParseCFSPeriod(cgtest.Read(t, period)); err != nil || p != convert.DefaultPeriodMicros {
		t.Errorf("fresh period = %d, %v; want 100000", p, err)
	}
	for _, tc := range []struct {
		milli  int64
		period uint64
	}{{15, 100000}, {5, 100000}, {333, 50000}, {100, 5000}, {2500, 1000000}} {
		cgtest.Write(t, period, strconv.FormatUint(tc.period, 10))
		q := convert.MilliCPUToQuota(tc.milli, tc.period)
		cgtest.Write(t, quota, strconv.FormatInt(q, 10))
		if got := cgtest.Read(t, quota); got != convert.FormatCFSQuota(q) {
			t.Errorf("%dm at %d: quota reads %s, want %d", tc.milli, tc.period, got, q)
		}
		cgtest.Write(t, quota, "-1")
	}
	// Anything negative reads back as -1; a quota below 1 ms is refused, as
	// ParseCFSQuota and OCIFiles assume.
	cgtest.Write(t, quota, "-5")
	if got := cgtest.Read(t, quota); got != convert.FormatCFSQuota(-5) {
		t.Errorf("quota -5 reads %s", got)
	}
	if err := cgtest.WriteErr(quota, "999"); err == nil {
		t.Errorf("kernel accepted a quota of 999 µs; convert treats it as out of range")
	}
	if err := cgtest.WriteErr(period, "999"); err == nil {
		t.Errorf("kernel accepted a period of 999 µs; convert treats it as out of range")
	}
}

func TestKernelPidsMax(t *testing.T) {
	root := cgtest.V1Controller(t, "pids")
	dir := filepath.Join(root, cgtest.UniqueName(t, "convert-pids"))
	cgtest.Mkdir(t, dir)
	file := filepath.Join(dir, "pids.max")
	if n, err := convert.ParsePidsMax(cgtest.Read(t, file)); err != nil || n != convert.PidsUnlimited {
		t.Errorf("fresh pids.max = %d, %v", n, err)
	}
	for _, n := range []int64{0, 1, 1024, 32768} {
		cgtest.Write(t, file, convert.FormatPidsMax(n))
		if got, err := convert.ParsePidsMax(cgtest.Read(t, file)); err != nil || got != n {
			t.Errorf("pids.max %d reads %d, %v", n, got, err)
		}
	}
}
