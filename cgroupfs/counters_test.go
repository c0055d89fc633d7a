package cgroupfs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/convert"
)

// Texts as the kernel prints them (Linux 6.x: kernel/sched/core.c
// cpu_extra_stat_show and cpu_cfs_stat_show, mm/memcontrol.c
// __memory_events_show and mem_cgroup_oom_control_read,
// kernel/sched/psi.c psi_show, kernel/cgroup/pids.c pids_events_show).
const (
	cpuStatV2 = "usage_usec 2460000\nuser_usec 2400000\nsystem_usec 60000\ncore_sched.force_idle_usec 0\nnr_periods 200\nnr_throttled 84\nthrottled_usec 1630000\nnr_bursts 0\nburst_usec 0"
	// cpuStatV2Core is a v2 cpu.stat of a cgroup whose parent does not
	// enable the cpu controller: only the core usage lines.
	cpuStatV2Core = "usage_usec 1234\nuser_usec 1000\nsystem_usec 234"
	cpuStatV1     = "nr_periods 1200\nnr_throttled 1180\nthrottled_time 56789012345\nnr_bursts 0\nburst_time 0"
	memEventsV2   = "low 0\nhigh 17\nmax 312\noom 3\noom_kill 2\noom_group_kill 0"
	oomControlV1  = "oom_kill_disable 0\nunder_oom 0\noom_kill 4"
	psiCPU        = "some avg10=42.31 avg60=12.00 avg300=3.05 total=98765432\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0"
	psiCPUOld     = "some avg10=0.10 avg60=0.00 avg300=100.00 total=5"
)

func TestParseCounters(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		v    convert.CgroupVersion
		want any
	}{
		{"cpu.stat", cpuStatV2, convert.CgroupV2, CPUStat{UsageMicros: 2460000, UserMicros: 2400000, SystemMicros: 60000, Periods: 200, ThrottledPeriods: 84, ThrottledMicros: 1630000, HasUsage: true, HasBandwidth: true}},
		{"cpu.stat", cpuStatV2Core, convert.CgroupV2, CPUStat{UsageMicros: 1234, UserMicros: 1000, SystemMicros: 234, HasUsage: true}},
		// v1 throttled_time is in nanoseconds: 56789012345 ns = 56789012 us.
		{"cpu.stat", cpuStatV1, convert.CgroupV1, CPUStat{Periods: 1200, ThrottledPeriods: 1180, ThrottledMicros: 56789012, HasBandwidth: true}},
		{"cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0", convert.CgroupV1, CPUStat{HasBandwidth: true}},
		{"memory.events", memEventsV2, convert.CgroupV2, MemoryEvents{High: 17, Max: 312, OOM: 3, OOMKill: 2}},
		{"memory.events", "low 1\nhigh 2\nmax 3\noom 4\noom_kill 5", convert.CgroupV2, MemoryEvents{Low: 1, High: 2, Max: 3, OOM: 4, OOMKill: 5}},
		{"memory.oom_control", oomControlV1, convert.CgroupV1, OOMControl{OOMKill: 4, HasOOMKill: true}},
		{"memory.oom_control", "oom_kill_disable 1\nunder_oom 1", convert.CgroupV1, OOMControl{KillDisabled: true, UnderOOM: true}},
		{"pids.events", "max 7", convert.CgroupV2, PidsEvents{Max: 7}},
		{"pids.events", "max 0\nmax.imposed 0", convert.CgroupV2, PidsEvents{}},
		{"cpu.pressure", psiCPU, convert.CgroupV2, Pressure{Some: PressureLine{Avg10: 42.31, Avg60: 12, Avg300: 3.05, TotalMicros: 98765432}, Full: &PressureLine{}}},
		{"cpu.pressure", psiCPUOld, convert.CgroupV2, Pressure{Some: PressureLine{Avg10: 0.1, Avg300: 100, TotalMicros: 5}}},
		{"memory.current", "33554432", convert.CgroupV2, uint64(33554432)},
		{"memory.peak", "18446744073709551615", convert.CgroupV2, uint64(18446744073709551615)},
		{"cpuacct.usage", "123456789012", convert.CgroupV1, uint64(123456789012)},
		{"memory.failcnt", "0", convert.CgroupV1, uint64(0)},
		{"pids.current", "3", convert.CgroupV1, uint64(3)},
	}
	for _, tt := range tests {
		f := newFile("/kubepods/pod1", tt.name, []byte(tt.raw+"\n"), tt.v)
		if f.Err != nil {
			t.Errorf("%s %q: %v", tt.name, tt.raw, f.Err)
			continue
		}
		if diff := cmp.Diff(tt.want, f.Value); diff != "" {
			t.Errorf("%s %q (-want +got):\n%s", tt.name, tt.raw, diff)
		}
	}
}

func TestParseCountersRefused(t *testing.T) {
	tests := []struct {
		name, raw string
		v         convert.CgroupVersion
		wantErr   error
		msg       string
	}{
		{"cpu.stat", "", convert.CgroupV2, convert.ErrSyntax, "empty"},
		{"cpu.stat", "nr_periods 1\nnr_throttled 0\nthrottled_usec 0", convert.CgroupV2, convert.ErrSyntax, "no usage_usec"},
		{"cpu.stat", "usage_usec 1\nnr_periods 1", convert.CgroupV2, convert.ErrSyntax, "want all of nr_periods"},
		{"cpu.stat", "nr_periods 1\nnr_throttled 0", convert.CgroupV1, convert.ErrSyntax, "want all of"},
		{"cpu.stat", "nr_periods 1\nnr_throttled 2\nthrottled_time 0", convert.CgroupV1, convert.ErrRange, "more than nr_periods"},
		{"cpu.stat", "nr_periods 1\nnr_periods 1\nnr_throttled 0\nthrottled_time 0", convert.CgroupV1, convert.ErrSyntax, "twice"},
		{"cpu.stat", "nr_periods -1\nnr_throttled 0\nthrottled_time 0", convert.CgroupV1, convert.ErrSyntax, "not an unsigned"},
		{"cpu.stat", "nr_periods 18446744073709551616\nnr_throttled 0\nthrottled_time 0", convert.CgroupV1, convert.ErrRange, "overflows"},
		{"cpu.stat", "nr_periods  1\nnr_throttled 0\nthrottled_time 0", convert.CgroupV1, convert.ErrSyntax, "not an unsigned"},
		{"cpu.stat", "NR 1", convert.CgroupV1, convert.ErrSyntax, "key value"},
		{"cpu.stat", "nr_periods 1\n\nnr_throttled 0", convert.CgroupV1, convert.ErrSyntax, "key value"},
		{"memory.events", "low 0\nhigh 0\nmax 0\noom 0", convert.CgroupV2, convert.ErrSyntax, "no oom_kill"},
		{"memory.oom_control", "oom_kill_disable 2\nunder_oom 0", convert.CgroupV1, convert.ErrRange, "not 0 or 1"},
		{"memory.oom_control", "oom_kill 3", convert.CgroupV1, convert.ErrSyntax, "no oom_kill_disable"},
		{"pids.events", "max.imposed 1", convert.CgroupV1, convert.ErrSyntax, "no max"},
		{"cpu.pressure", "full avg10=0.00 avg60=0.00 avg300=0.00 total=0", convert.CgroupV2, convert.ErrSyntax, "some"},
		{"cpu.pressure", "some avg10=0.0 avg60=0.00 avg300=0.00 total=0", convert.CgroupV2, convert.ErrSyntax, "two decimals"},
		{"cpu.pressure", "some avg10=100.01 avg60=0.00 avg300=0.00 total=0", convert.CgroupV2, convert.ErrSyntax, "more than 100"},
		{"cpu.pressure", "some avg60=0.00 avg10=0.00 avg300=0.00 total=0", convert.CgroupV2, convert.ErrSyntax, "want avg10="},
		{"io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0", convert.CgroupV2, convert.ErrSyntax, "more than"},
		{"memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00", convert.CgroupV2, convert.ErrSyntax, "total="},
		{"memory.current", "max", convert.CgroupV2, convert.ErrSyntax, "not an unsigned"},
		{"pids.current", "", convert.CgroupV2, convert.ErrSyntax, "not an unsigned"},
	}
	for _, tt := range tests {
		f := newFile("/kubepods/pod1", tt.name, []byte(tt.raw), tt.v)
		var pe *ParseError
		if !errors.As(f.Err, &pe) || pe.File != tt.name || pe.Path != "/kubepods/pod1" {
			t.Errorf("%s %q: error %v, want a ParseError naming the file", tt.name, tt.raw, f.Err)
			continue
		}
		if !errors.Is(f.Err, tt.wantErr) || !strings.Contains(f.Err.Error(), tt.msg) {
			t.Errorf("%s %q: error %q, want %v mentioning %q", tt.name, tt.raw, f.Err, tt.wantErr, tt.msg)
		}
		if f.Value != nil || f.Raw != tt.raw || f.Status() != "invalid" {
			t.Errorf("%s %q: value %v raw %q status %s", tt.name, tt.raw, f.Value, f.Raw, f.Status())
		}
	}
}

func TestCounterFiles(t *testing.T) {
	want := map[convert.CgroupVersion]string{
		convert.CgroupV1: "cpu.stat cpuacct.usage memory.failcnt memory.max_usage_in_bytes memory.oom_control memory.usage_in_bytes pids.current pids.events",
		convert.CgroupV2: "cpu.pressure cpu.stat io.pressure memory.current memory.events memory.peak memory.pressure memory.swap.current pids.current pids.events",
	}
	for v, w := range want {
		got := CounterFiles(v)
		if strings.Join(got, " ") != w {
			t.Errorf("%s: %v, want %s", v, got, w)
		}
		got[0] = "changed"
		if CounterFiles(v)[0] == "changed" {
			t.Errorf("%s: CounterFiles returns shared storage", v)
		}
		for _, name := range CounterFiles(v) {
			if !isKnownFile(name) {
				t.Errorf("%s: a snapshot would drop %s", v, name)
			}
		}
	}
	names := make([]string, 2, 20)
	copy(names, []string{"cpu.max", "cpu.stat"})
	got := withCounters(names, convert.CgroupV2)
	if len(got) != 11 || got[0] != "cpu.max" || got[1] != "cpu.stat" {
		t.Errorf("withCounters: %v", got)
	}
	if names[:3][2] != "" {
		t.Errorf("withCounters wrote into the caller's slice: %v", names[:3])
	}
}

// countersTreeV2 is a v2 node whose container was throttled and OOM
// killed, whose pod has no PSI files (a kernel without PSI) and whose
// burstable tier has an invalid cpu.stat.
const countersTreeV2 = `kubecgroups-snapshot: {"apiVersion":"kubecgroups.io/v1alpha1","kind":"CgroupSnapshot","mode":"unified","capturedAt":"2026-12-06T02:00:00Z"}
-- cgroup.controllers --
cpuset cpu io memory hugetlb pids
-- kubepods/cpu.stat --
usage_usec 9000000
nr_periods 0
nr_throttled 0
throttled_usec 0
-- kubepods/burstable/cpu.stat --
usage_usec x
-- kubepods/burstable/pod6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f/cpu.stat --
` + cpuStatV2 + `
-- kubepods/burstable/pod6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f/memory.events --
low 0
high 0
max 9
oom 2
oom_kill 2
-- kubepods/burstable/pod6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/cpu.stat --
` + cpuStatV2 + `
-- kubepods/burstable/pod6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/memory.events --
` + memEventsV2 + `
-- kubepods/burstable/pod6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/memory.current --
33550336
-- kubepods/burstable/pod6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/memory.peak --
33554432
-- kubepods/burstable/pod6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/cpu.pressure --
` + psiCPU + `
-- kubepods/burstable/pod6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/pids.events --
max 0
-- kubepods/besteffort/ --
`

func TestNodeCounters(t *testing.T) {
	s, err := ReadSnapshot(strings.NewReader(countersTreeV2), SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := s.FS()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()

	// Without Counters, no counter is read.
	n := readNode(t, fsys, NodeOptions{})
	if _, ok := n.Pods[0].Containers[0].Files["cpu.stat"]; ok {
		t.Fatal("cpu.stat read without NodeOptions.Counters")
	}

	n = readNode(t, fsys, NodeOptions{Counters: true, Files: map[Level][]string{LevelPod: {"cpu.max"}}})
	c := n.Pods[0].Containers[0]
	got := c.Counters()
	u := func(v uint64) *uint64 { return &v }
	want := Counters{
		CPU:             &CPUStat{UsageMicros: 2460000, UserMicros: 2400000, SystemMicros: 60000, Periods: 200, ThrottledPeriods: 84, ThrottledMicros: 1630000, HasUsage: true, HasBandwidth: true},
		MemoryBytes:     u(33550336),
		MemoryPeakBytes: u(33554432),
		MemoryEvents:    &MemoryEvents{High: 17, Max: 312, OOM: 3, OOMKill: 2},
		PidsEvents:      &PidsEvents{},
		CPUPressure:     &Pressure{Some: PressureLine{Avg10: 42.31, Avg60: 12, Avg300: 3.05, TotalMicros: 98765432}, Full: &PressureLine{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("container counters (-want +got):\n%s", diff)
	}
	if us, ok := got.CPUUsageMicros(); !ok || us != 2460000 {
		t.Errorf("CPUUsageMicros = %d, %v", us, ok)
	}
	if k, ok := got.OOMKills(); !ok || k != 2 {
		t.Errorf("OOMKills = %d, %v", k, ok)
	}
	// A missing counter file is missing, with the file named; the pod
	// level read cpu.max plus the counters.
	pod := n.Pods[0].Cgroup
	if f := pod.Files["cpu.pressure"]; !errors.Is(f.Err, fs.ErrNotExist) || !strings.Contains(f.Err.Error(), "cpu.pressure") {
		t.Errorf("pod cpu.pressure: %v", f.Err)
	}
	if _, ok := pod.Files["cpu.max"]; !ok || len(pod.Files) != 1+len(counterFilesV2) {
		t.Errorf("pod files: %d", len(pod.Files))
	}
	if f := n.Burstable.Files["cpu.stat"]; f.Status() != "invalid" || n.Burstable.Counters().CPU != nil {
		t.Errorf("burstable cpu.stat: %s %v", f.Status(), f.Err)
	}
	if k, ok := (Counters{}).OOMKills(); ok || k != 0 {
		t.Error("OOMKills without counters")
	}

	// The counters render as JSON values.
	b, err := json.Marshal(c.Files["memory.events"])
	if err != nil {
		t.Fatal(err)
	}
	if w := `{"status":"ok","raw":"low 0\nhigh 17\nmax 312\noom 3\noom_kill 2\noom_group_kill 0","value":{"low":0,"high":17,"max":312,"oom":3,"oomKill":2}}`; string(b) != w {
		t.Errorf("JSON %s\nwant %s", b, w)
	}

	// A capture keeps the counters and when they were counted; read
	// back, they are the same.
	at := time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC)
	snap, err := Capture(fsys, CaptureOptions{Node: NodeOptions{Counters: true}, CapturedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := snap.WriteTarGz(&buf); err != nil {
		t.Fatal(err)
	}
	again, err := ReadSnapshot(&buf, SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Info.CapturedAt.Equal(at) {
		t.Errorf("captured at %v, want %v", again.Info.CapturedAt, at)
	}
	f2, err := again.FS()
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	n2 := readNode(t, f2, NodeOptions{Counters: true})
	if diff := cmp.Diff(want, n2.Pods[0].Containers[0].Counters()); diff != "" {
		t.Errorf("counters after a capture (-want +got):\n%s", diff)
	}
}

func TestCountersV1(t *testing.T) {
	cg := &Cgroup{Path: "/kubepods/pod1/abc", Files: map[string]File{}}
	for name, raw := range map[string]string{
		"cpu.stat": cpuStatV1, "cpuacct.usage": "2500000123", "memory.usage_in_bytes": "1000",
		"memory.max_usage_in_bytes": "33554432", "memory.failcnt": "12", "memory.oom_control": oomControlV1,
		"pids.current": "2", "pids.events": "max 1",
	} {
		cg.Files[name] = newFile(cg.Path, name, []byte(raw+"\n"), convert.CgroupV1)
	}
	c := cg.Counters()
	if us, ok := c.CPUUsageMicros(); !ok || us != 2500000 {
		t.Errorf("CPUUsageMicros = %d, %v; want 2500000 (cpuacct.usage ns / 1000)", us, ok)
	}
	if k, ok := c.OOMKills(); !ok || k != 4 {
		t.Errorf("OOMKills = %d, %v", k, ok)
	}
	if *c.MemoryFailcnt != 12 || *c.MemoryPeakBytes != 33554432 || *c.MemoryBytes != 1000 || *c.Pids != 2 || c.PidsEvents.Max != 1 {
		t.Errorf("counters %+v", c)
	}
	if _, ok := (Counters{OOMControl: &OOMControl{}}).OOMKills(); ok {
		t.Error("OOMKills from an oom_control without oom_kill")
	}
}
