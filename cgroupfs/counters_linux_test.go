//go:build linux

package cgroupfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/internal/cgtest"
	"github.com/kubecgroups/kubecgroups/internal/testutil"
)

// TestRealKernelCounters runs a process that spins under a 10% CFS quota,
// one that allocates 32 MiB under a 16 MiB memory limit and one that
// forks past pids.max (v1 memory.oom_control's oom_kill is not
// hierarchical: the pod's stays 0) in a throwaway container cgroup, and checks that
// the counters read through NodeOptions.Counters are the kernel's: the
// container is throttled in most periods, the allocator was OOM killed,
// the forks were refused, and the limits that were hit are the
// container's own (memory.failcnt of the pod, whose limit is higher,
// stays 0: the kernel counts a failed charge on the level whose limit
// refused it, mm/page_counter.c page_counter_try_charge).
func TestRealKernelCounters(t *testing.T) {
	for _, tool := range []string{"/bin/sh", "/bin/dd", "/bin/true"} {
		if _, err := os.Stat(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	mounts := map[string]string{}
	for _, c := range []string{"cpu", "cpuacct", "memory", "pids"} {
		mounts[c] = cgtest.V1Controller(t, c)
	}
	root := "/" + cgtest.UniqueName(t, "counters")
	const uid = "c0ffee00-1111-4222-8333-444455556666"
	cid := testutil.HexID("counters/app")
	pod := root + "/kubepods/burstable/pod" + uid
	ctr := pod + "/" + cid
	buildReal(t, mounts, "", []realCgroup{
		{root, nil},
		{root + "/kubepods", nil},
		{root + "/kubepods/burstable", nil},
		{pod, map[string]string{"memory.limit_in_bytes": "67108864"}},
		// 10 ms per 100 ms period; 16 MiB; two processes.
		{ctr, map[string]string{"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "10000", "memory.limit_in_bytes": "16777216", "pids.max": "2"}},
	})

	cgtest.StartIn(t, mounts, ctr, "read x; while :; do :; done")
	alloc, allocDone := cgtest.StartIn(t, mounts, ctr, "read x; exec /bin/dd if=/dev/zero of=/dev/null bs=32M count=1")
	select {
	case <-allocDone:
	case <-time.After(10 * time.Second):
		t.Fatal("dd still runs after 10 s under a 16 MiB limit")
	}
	// The spinner and this forker are the two processes pids.max allows:
	// its fork of /bin/true is refused, and the shell gives up.
	_, forkDone := cgtest.StartIn(t, mounts, ctr, "read x; /bin/true; sleep 60")
	select {
	case <-forkDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the forker runs on: its fork was not refused")
	}
	time.Sleep(1500 * time.Millisecond)

	fsys := openDefault(t)
	n := readNode(t, fsys, NodeOptions{CgroupRoot: root, Counters: true})
	_, c := n.Container(cid)
	if c == nil {
		t.Fatalf("container %s not found", cid)
	}
	for _, name := range CounterFiles(fsys.Mode().Version()) {
		if f := c.Files[name]; f.Err != nil {
			t.Errorf("%s: %v", name, f.Err)
		}
	}
	got := c.Counters()
	kernel := func(ctrl, file string) string {
		return strings.TrimSpace(cgtest.Read(t, filepath.Join(mounts[ctrl], ctr, file)))
	}

	// CPU: 1.5 s or more of spinning under a 10% quota is at least a
	// dozen periods, most of them throttled (not all on a busy host,
	// where the spinner may not get its 10 ms in a period); usage stays near 10 ms per
	// 100 ms. Counters only grow, so the kernel's later reading is never
	// below the reader's.
	s := got.CPU
	if s == nil || !s.HasBandwidth || s.Periods < 12 || s.ThrottledPeriods*2 <= s.Periods || s.ThrottledMicros == 0 {
		t.Errorf("cpu.stat %+v: want 12 periods or more, over half of them throttled", s)
	} else {
		t.Logf("cpu.stat: %d periods, %d throttled (%.0f%%), throttled %d us", s.Periods, s.ThrottledPeriods, 100*float64(s.ThrottledPeriods)/float64(s.Periods), s.ThrottledMicros)
	}
	if later, err := ParseCPUStat(kernel("cpu", "cpu.stat"), fsys.Mode().Version()); err != nil || s == nil || later.Periods < s.Periods || later.ThrottledPeriods < s.ThrottledPeriods {
		t.Errorf("cpu.stat read again: %+v, %v", later, err)
	}
	us, ok := got.CPUUsageMicros()
	if !ok || s == nil || us == 0 || us > (s.Periods+2)*10000+200000 {
		t.Errorf("CPU usage %d us (ok %v): want above 0 and about 10 ms per period", us, ok)
	}

	// Memory: dd was OOM killed at the container's own limit.
	if k, ok := got.OOMKills(); !ok || k < 1 {
		t.Errorf("OOM kills %d (ok %v), want at least 1", k, ok)
	}
	if alloc.ProcessState.Success() {
		t.Errorf("dd was not killed: %v", alloc.ProcessState)
	}
	if got.MemoryFailcnt == nil || *got.MemoryFailcnt == 0 {
		t.Errorf("container memory.failcnt %v, want above 0", got.MemoryFailcnt)
	}
	if got.MemoryPeakBytes == nil || *got.MemoryPeakBytes > 16777216 || *got.MemoryPeakBytes < 12<<20 {
		t.Errorf("memory.max_usage_in_bytes %v, want close to the 16 MiB limit", got.MemoryPeakBytes)
	}
	pc := n.Pod(uid).Counters()
	if pc.MemoryFailcnt == nil || *pc.MemoryFailcnt != 0 {
		t.Errorf("pod memory.failcnt %v, want 0: the pod's 64 MiB limit was never hit", pc.MemoryFailcnt)
	}
	podKills, _ := pc.OOMKills()
	if podKills != 0 {
		t.Errorf("pod oom_kill %d, want 0 (cgroup v1 counts the kill only in the victim's cgroup)", podKills)
	}
	t.Logf("memory: container failcnt %d, peak %d, oom_kill %d; pod oom_kill %d", *got.MemoryFailcnt, *got.MemoryPeakBytes, got.OOMControl.OOMKill, podKills)

	// Pids: the spinner is left (unless the OOM killer took it too, as
	// it may when both processes are in the cgroup that hit its limit),
	// and the refused fork was counted.
	want := uint64(1)
	if got.OOMControl != nil && got.OOMControl.OOMKill > 1 {
		want = 0
	}
	if got.Pids == nil || *got.Pids != want || got.PidsEvents == nil || got.PidsEvents.Max < 1 {
		t.Errorf("pids.current %v, pids.events %+v: want %d and max >= 1", ptrString(got.Pids), got.PidsEvents, want)
	}
	if k := kernel("pids", "pids.current"); k != fmt.Sprint(want) {
		t.Errorf("the kernel counts %s processes, want %d", k, want)
	}
}

// ptrString prints what p points at, or nil.
func ptrString[T any](p *T) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}
