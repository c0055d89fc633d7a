package qos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
)

// Container IDs of the effect scenarios.
var (
	idWeb  = strings.Repeat("a1", 32)
	idIdle = strings.Repeat("b2", 32)
	idOne  = strings.Repeat("c3", 32)
	idTwo  = strings.Repeat("d4", 32)
	idPLR  = strings.Repeat("e5", 32)
)

// running sets the pod's container IDs, as the pod status has them.
func running(ids ...string) podOpt {
	return func(p *corev1.Pod) {
		for i, c := range p.Spec.Containers {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, ContainerID: "containerd://" + ids[i]})
		}
	}
}

// expectFor computes the expectation of pods under DefaultProfile after
// mutate.
func expectFor(t *testing.T, mutate func(*Profile), pods ...*corev1.Pod) *Expectation {
	t.Helper()
	p := DefaultProfile()
	if mutate != nil {
		mutate(&p)
	}
	for _, pod := range pods {
		if err := p.DefaultPod(pod); err != nil {
			t.Fatal(err)
		}
	}
	x, err := Expect(pods, p)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// nodeOf builds a snapshot of the given files (paths below the tree
// root) and reads it with its counters and the files x compares.
func nodeOf(t *testing.T, mode cgroupfs.Mode, x *Expectation, files map[string]string) *cgroupfs.Node {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "kubecgroups-snapshot: {\"apiVersion\":\"kubecgroups.io/v1alpha1\",\"kind\":\"CgroupSnapshot\",\"mode\":%q,\"pageSizeBytes\":4096}\n", mode)
	if mode == cgroupfs.ModeUnified {
		b.WriteString("-- cgroup.controllers --\ncpuset cpu io memory hugetlb pids\n")
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(&b, "-- %s --\n%s\n", name, files[name])
	}
	s, err := cgroupfs.ReadSnapshot(strings.NewReader(b.String()), cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := s.FS()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	opts := cgroupfs.NodeOptions{Counters: true}
	if x != nil {
		opts.Files = x.Files()
	}
	n, err := fsys.Node(opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// v1Files is a cgroup v1 node (100 ms periods, as the kubelet's
// default) with a Guaranteed pod "web" (50m, 32Mi) whose container spins
// and was OOM killed, and an idle pod under generous limits. counters
// are the web container's cpu.stat, cpuacct.usage, failcnt and oom_kill.
func v1Files(webStat string, webUsageNanos, failcnt, oomKill uint64) map[string]string {
	const web, idle = "kubepods/poduid-web", "kubepods/poduid-idle"
	f := map[string]string{}
	set := func(ctrl, cg string, kv ...string) {
		for i := 0; i < len(kv); i += 2 {
			f[ctrl+"/"+cg+"/"+kv[i]] = kv[i+1]
		}
	}
	for _, cg := range []string{"kubepods", "kubepods/burstable", "kubepods/besteffort", web, idle, web + "/" + idWeb, idle + "/" + idIdle} {
		set("cpu", cg, "cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0", "cpu.cfs_period_us", "100000")
		set("cpuacct", cg, "cpuacct.usage", "0")
		set("memory", cg, "memory.usage_in_bytes", "0", "memory.max_usage_in_bytes", "0", "memory.failcnt", "0", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0")
		set("pids", cg, "pids.current", "1", "pids.events", "max 0")
	}
	set("cpu", web, "cpu.cfs_quota_us", "5000")
	set("memory", web, "memory.limit_in_bytes", "33554432")
	set("cpu", web+"/"+idWeb, "cpu.cfs_quota_us", "5000", "cpu.stat", webStat)
	set("cpuacct", web+"/"+idWeb, "cpuacct.usage", fmt.Sprint(webUsageNanos))
	set("memory", web+"/"+idWeb, "memory.limit_in_bytes", "33554432", "memory.failcnt", fmt.Sprint(failcnt),
		"memory.max_usage_in_bytes", "33554432", "memory.oom_control", fmt.Sprintf("oom_kill_disable 0\nunder_oom 0\noom_kill %d", oomKill))
	set("cpu", idle+"/"+idIdle, "cpu.cfs_quota_us", "200000", "cpu.stat", "nr_periods 300\nnr_throttled 0\nthrottled_time 0")
	set("memory", idle+"/"+idIdle, "memory.limit_in_bytes", "1073741824", "memory.max_usage_in_bytes", "1200128")
	return f
}

func v1Pods() []*corev1.Pod {
	return []*corev1.Pod{
		mkPod("web", []corev1.Container{podtest.Container("app", "", "", "cpu=50m,memory=32Mi")}, running(idWeb)),
		mkPod("idle", []corev1.Container{podtest.Container("app", "", "", "cpu=2,memory=1Gi")}, running(idIdle)),
	}
}

func v1Profile(p *Profile) { p.CgroupVersion = convert.CgroupV1 }

// TestEffectsCPUThrottledWindow: over a 5 s window of 100 ms periods
// the web container ran 50 periods, 48 of them throttled (96%), was
// throttled 4.6 s in all, and used 0.25 s of CPU: 0.05 CPU, its 50m
// limit (5000 us per 100000 us). The idle pod has no finding.
func TestEffectsCPUThrottledWindow(t *testing.T) {
	x := expectFor(t, v1Profile, v1Pods()...)
	t0 := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	before := Sample{Node: nodeOf(t, cgroupfs.ModeLegacy, x, v1Files("nr_periods 1000\nnr_throttled 950\nthrottled_time 90000000000", 5_000_000_000, 0, 0)), At: t0}
	now := Sample{Node: nodeOf(t, cgroupfs.ModeLegacy, x, v1Files("nr_periods 1050\nnr_throttled 998\nthrottled_time 94600000000", 5_250_000_000, 37, 1)), At: t0.Add(5 * time.Second)}
	r := Effects(x, now, EffectsOptions{Before: &before})
	if r.WindowSeconds != 5 || len(r.Notes) != 0 {
		t.Errorf("window %v, notes %v", r.WindowSeconds, r.Notes)
	}
	if len(r.Effects) != 2 {
		t.Fatalf("%d effects, want cpu-throttled and oom-killed of web/app: %+v", len(r.Effects), r.Effects)
	}
	cpu := r.Effects[0]
	want := EffectFigures{Since: "window", Periods: 50, ThrottledPeriods: 48, ThrottledPercent: 96, ThrottledSeconds: 4.6, UsageCPUs: 0.05, LimitCPUs: 0.05}
	if cpu.Reason != EffectCPUThrottled || cpu.Pod != "default/web" || cpu.Container != "app" || cpu.LimitOf != cgroupfs.LevelContainer || cpu.Figures != want {
		t.Errorf("cpu effect %+v %+v", cpu.ResultCgroup, cpu)
	}
	if cpu.Limit == nil || *cpu.Limit != (EffectLimit{File: "cpu.cfs_quota_us", Value: "5000", Source: SourceContainerLimit, Derivation: x.Pod("uid-web").Cgroup(cgroupfs.LevelContainer, ContainerApp, "app").Files["cpu.cfs_quota_us"].Derivation}) {
		t.Errorf("cpu limit %+v", cpu.Limit)
	}
	if !strings.HasPrefix(cpu.Message, "limit 50m = 5000 us per 100000 us period; throttled in 96% of 50 periods over 5 s (4.6 s throttled, summed over CPUs); usage 0.05 CPU is at the limit. The container's CPU limit sets this quota") {
		t.Errorf("message %q", cpu.Message)
	}
	oom := r.Effects[1]
	wantOOM := EffectFigures{Since: "window", OOMKills: 1, LimitHits: 37, LimitBytes: 33554432, PeakBytes: 33554432}
	if oom.Reason != EffectOOMKilled || oom.Container != "app" || oom.LimitOf != cgroupfs.LevelContainer || oom.Limit.Source != SourceContainerLimit || oom.Figures != wantOOM {
		t.Errorf("oom effect %+v", oom)
	}
	checkEffectsGolden(t, "v1-window.json", r)

	// Since the cgroups started: 998 of 1050 periods (95.05%), 94.6 s
	// throttled; no usage rate without a window.
	r = Effects(x, now, EffectsOptions{})
	want = EffectFigures{Since: "start", Periods: 1050, ThrottledPeriods: 998, ThrottledPercent: 95.05, ThrottledSeconds: 94.6, LimitCPUs: 0.05}
	if len(r.Effects) != 2 || r.Effects[0].Figures != want || r.WindowSeconds != 0 {
		t.Errorf("since start: %+v", r.Effects)
	}
	if !strings.Contains(r.Effects[0].Message, "throttled in 95% of 1050 periods since the cgroup started (94.6 s throttled") {
		t.Errorf("since start: %q", r.Effects[0].Message)
	}

	// Under the threshold: 2 of 1000 periods is 0.2%, less than 1%.
	quiet := Sample{Node: nodeOf(t, cgroupfs.ModeLegacy, x, v1Files("nr_periods 1000\nnr_throttled 2\nthrottled_time 1000000", 1, 0, 0))}
	if r := Effects(x, quiet, EffectsOptions{}); len(r.Effects) != 0 {
		t.Errorf("0.2%% throttled reported: %+v", r.Effects)
	}
	if r := Effects(x, quiet, EffectsOptions{ThrottledPercent: 0.1, MinThrottledPeriods: 1}); len(r.Effects) != 1 {
		t.Errorf("0.2%% throttled not reported with a 0.1%% threshold: %+v", r.Effects)
	}

	// A start-up overrun: 1 of 10 periods (10%) is below the minimum of
	// DefaultMinThrottledPeriods throttled periods; 5 of 10 is reported.
	startup := Sample{Node: nodeOf(t, cgroupfs.ModeLegacy, x, v1Files("nr_periods 10\nnr_throttled 1\nthrottled_time 1000000", 1, 0, 0))}
	if r := Effects(x, startup, EffectsOptions{}); len(r.Effects) != 0 {
		t.Errorf("1 throttled period reported: %+v", r.Effects)
	}
	five := Sample{Node: nodeOf(t, cgroupfs.ModeLegacy, x, v1Files("nr_periods 10\nnr_throttled 5\nthrottled_time 1000000", 1, 0, 0))}
	if r := Effects(x, five, EffectsOptions{}); len(r.Effects) == 0 {
		t.Errorf("5 of 10 periods throttled not reported")
	}
}

// v2Files is a cgroup v2 node with podPidsLimit 1024: a Burstable pod
// "pair" of two containers with 32Mi limits each (the pod's memory.max
// is their 64Mi sum) where container one hit its own limit once and
// container two was killed when the pod's sum was hit twice, and a pod
// "plr" with a pod-level 64Mi limit that its container inherits and hit.
func v2Files() map[string]string {
	const pair, plr = "kubepods/burstable/poduid-pair", "kubepods/burstable/poduid-plr"
	f := map[string]string{}
	set := func(cg string, kv ...string) {
		for i := 0; i < len(kv); i += 2 {
			f[cg+"/"+kv[i]] = kv[i+1]
		}
	}
	ev := func(max, oom, kill int) string {
		return fmt.Sprintf("low 0\nhigh 0\nmax %d\noom %d\noom_kill %d\noom_group_kill 0", max, oom, kill)
	}
	for _, cg := range []string{"kubepods", "kubepods/burstable", "kubepods/besteffort", pair, plr, pair + "/" + idOne, pair + "/" + idTwo, plr + "/" + idPLR} {
		set(cg, "cpu.stat", "usage_usec 100\nuser_usec 50\nsystem_usec 50\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0",
			"memory.events", ev(0, 0, 0), "memory.current", "4096", "memory.peak", "8192", "memory.swap.current", "0",
			"pids.current", "1", "pids.events", "max 0", "memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0",
			"io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0")
	}
	set("kubepods/burstable", "memory.events", ev(9, 5, 4))
	set("kubepods", "memory.events", ev(9, 5, 4))
	set(pair, "memory.max", "67108864", "memory.events", ev(9, 3, 2), "pids.max", "1024")
	set(pair+"/"+idOne, "memory.max", "33554432", "memory.events", ev(5, 1, 1), "memory.peak", "33554432",
		"pids.events", "max 3", "cpu.pressure", "some avg10=42.31 avg60=12.00 avg300=3.05 total=98765432\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0")
	set(pair+"/"+idTwo, "memory.max", "33554432", "memory.events", ev(0, 0, 1), "memory.peak", "31457280")
	set(plr, "memory.max", "67108864", "memory.events", ev(4, 1, 1), "pids.max", "1024")
	set(plr+"/"+idPLR, "memory.max", "67108864", "memory.events", ev(4, 1, 1), "memory.peak", "67108864")
	return f
}

// TestEffectsOOMv2 checks which limit bit, from the kernel's
// hierarchical memory.events "oom" counts: container one's own (its oom
// 1), container two's pod (the pod counts 3 OOMs, its containers 1: 2
// at the pod's own limit, the sum of its containers' limits), and the
// plr container's limit, which is the pod-level limit it inherits. The
// pod's own oom_kill (2) counts its containers' kills: they are the
// containers' findings, not the pod's too.
func TestEffectsOOMv2(t *testing.T) {
	x := expectFor(t, func(p *Profile) { p.Kubelet.PodPidsLimit = 1024 },
		mkPod("pair", []corev1.Container{podtest.Container("one", "", "cpu=100m,memory=16Mi", "memory=32Mi"), podtest.Container("two", "", "cpu=100m,memory=16Mi", "memory=32Mi")}, running(idOne, idTwo)),
		mkPod("plr", []corev1.Container{podtest.Container("app", "", "", "")}, withPodLevel("cpu=100m,memory=32Mi", "memory=64Mi"), running(idPLR)),
	)
	r := Effects(x, Sample{Node: nodeOf(t, cgroupfs.ModeUnified, x, v2Files()), At: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)}, EffectsOptions{})
	type row struct {
		pod, container string
		reason         Reason
		limitOf        cgroupfs.Level
		source         string
		fig            EffectFigures
	}
	var got []row
	for _, e := range r.Effects {
		rw := row{pod: e.Pod, container: e.Container, reason: e.Reason, limitOf: e.LimitOf, fig: e.Figures}
		if e.Limit != nil {
			rw.source = e.Limit.Source
		}
		got = append(got, rw)
	}
	want := []row{
		{"default/pair", "one", EffectOOMKilled, cgroupfs.LevelContainer, SourceContainerLimit, EffectFigures{Since: "start", OOMKills: 1, LimitHits: 1, LimitBytes: 33554432, PeakBytes: 33554432}},
		{"default/pair", "one", EffectCPUPressure, "", "", EffectFigures{Since: "start", PressurePercent: 42.31}},
		{"default/pair", "one", EffectPidsLimitHit, cgroupfs.LevelPod, SourcePodPidsLimit, EffectFigures{Since: "start", PidsMaxEvents: 3}},
		{"default/pair", "two", EffectOOMKilled, cgroupfs.LevelPod, SourcePodSum, EffectFigures{Since: "start", OOMKills: 1, LimitHits: 2, LimitBytes: 67108864, PeakBytes: 31457280}},
		{"default/plr", "app", EffectOOMKilled, cgroupfs.LevelContainer, SourcePodLevelLimit, EffectFigures{Since: "start", OOMKills: 1, LimitHits: 1, LimitBytes: 67108864, PeakBytes: 67108864}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d effects, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("effect %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	// cpu.pressure is missing in every cgroup but one: said once.
	if len(r.Notes) != 1 || r.Notes[0].Reason != ReasonCounterUnavailable || r.Notes[0].Message != "cpu.pressure: unavailable in 7 cgroups: the kernel has no pressure stall information (CONFIG_PSI, psi=1)" {
		t.Errorf("notes %+v", r.Notes)
	}
	checkEffectsGolden(t, "v2-oom.json", r)
}

// TestEffectsWithoutExpectation judges a node on its own files: limits
// as read, no source; memory.high throttling on a cgroup whose
// memory.high is set; counters that were not read are said once.
func TestEffectsWithoutExpectation(t *testing.T) {
	files := v2Files()
	const c = "kubepods/burstable/poduid-plr/" // plr's container
	files[c+strings.Repeat("e5", 32)+"/memory.high"] = "50331648"
	files[c+strings.Repeat("e5", 32)+"/memory.events"] = "low 0\nhigh 12\nmax 0\noom 0\noom_kill 0"
	// kubepods without the cpu controller's lines: no throttling figures.
	files["kubepods/cpu.stat"] = "usage_usec 5\nuser_usec 3\nsystem_usec 2"
	n := nodeOf(t, cgroupfs.ModeUnified, nil, files)
	r := Effects(nil, Sample{Node: n}, EffectsOptions{PressurePercent: 50})
	wantNotes := []Note{
		{ReasonCounterUnavailable, "cpu.stat (bandwidth): unavailable in 1 cgroup: cpu.stat has no nr_periods/nr_throttled: the cpu controller is not enabled for the cgroup"},
		{ReasonCounterUnavailable, "cpu.pressure: unavailable in 7 cgroups: the kernel has no pressure stall information (CONFIG_PSI, psi=1)"},
	}
	if !slices.Equal(r.Notes, wantNotes) {
		t.Errorf("notes %+v", r.Notes)
	}
	var high *Effect
	for i := range r.Effects {
		e := &r.Effects[i]
		if e.Reason == EffectCPUPressure {
			t.Errorf("42%% pressure reported under a 50%% threshold")
		}
		if e.Reason == EffectMemoryHighThrottled {
			high = e
		}
		if e.Pod != "" || (e.Limit != nil && e.Limit.Source != "") {
			t.Errorf("without an expectation: %+v %+v", e.ResultCgroup, e.Limit)
		}
	}
	if high == nil || high.Figures.HighEvents != 12 || high.Figures.LimitBytes != 50331648 || high.LimitOf != cgroupfs.LevelContainer ||
		!strings.HasPrefix(high.Message, "usage of container eeeeee") && !strings.HasPrefix(high.Message, "usage of container e5e5e5e5e5e5") {
		t.Errorf("memory-high effect %+v", high)
	}

	// A node read without its counters: every counter file noted once.
	s := nodeOf(t, cgroupfs.ModeUnified, nil, map[string]string{"kubepods/memory.max": "max"})
	for cg := range s.Cgroups() {
		for _, name := range cgroupfs.CounterFiles(convert.CgroupV2) {
			delete(cg.Files, name)
		}
	}
	r = Effects(nil, Sample{Node: s}, EffectsOptions{})
	if len(r.Effects) != 0 || len(r.Notes) != 1 || r.Notes[0].Message != "cpu.stat, memory.events, cpu.pressure, memory.pressure, pids.events: unavailable in 1 cgroup: it was not read (read the node with its counters)" {
		t.Errorf("uncounted node: %+v %+v", r.Effects, r.Notes)
	}
}

// TestLimitSource ties the sources to the derivations the expectation
// really writes, so that a change of wording there fails here.
func TestLimitSource(t *testing.T) {
	for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
		x := expectFor(t, func(p *Profile) { p.CgroupVersion = v; p.Kubelet.PodPidsLimit = 100 },
			mkPod("sum", []corev1.Container{podtest.Container("app", "", "", "cpu=50m,memory=32Mi")}),
			mkPod("plr", []corev1.Container{podtest.Container("app", "", "", "")}, withPodLevel("", "cpu=500m,memory=64Mi")))
		mem, cpu := "memory.max", "cpu.max"
		if v == convert.CgroupV1 {
			mem, cpu = "memory.limit_in_bytes", "cpu.cfs_quota_us"
		}
		for _, tt := range []struct {
			pod   string
			level cgroupfs.Level
			file  string
			want  string
		}{
			{"sum", cgroupfs.LevelPod, mem, SourcePodSum}, {"sum", cgroupfs.LevelPod, cpu, SourcePodSum},
			{"sum", cgroupfs.LevelContainer, mem, SourceContainerLimit}, {"sum", cgroupfs.LevelContainer, cpu, SourceContainerLimit},
			{"plr", cgroupfs.LevelPod, mem, SourcePodLevelLimit}, {"plr", cgroupfs.LevelPod, cpu, SourcePodLevelLimit},
			{"plr", cgroupfs.LevelContainer, mem, SourcePodLevelLimit}, {"plr", cgroupfs.LevelContainer, cpu, SourcePodLevelLimit},
			{"sum", cgroupfs.LevelPod, "pids.max", SourcePodPidsLimit},
		} {
			pe := x.Pod("uid-" + tt.pod)
			ct := ContainerApp
			name := "app"
			if tt.level == cgroupfs.LevelPod {
				ct, name = "", ""
			}
			d := pe.Cgroup(tt.level, ct, name).Files[tt.file].Derivation
			if got := limitSource(tt.level, tt.file, d); got != tt.want {
				t.Errorf("%s %s %s %s (%q): %s, want %s", v, tt.pod, tt.level, tt.file, d, got, tt.want)
			}
		}
		if got := limitSource(cgroupfs.LevelBurstable, mem, x.NodeCgroup(cgroupfs.LevelKubepods).Files[mem].Derivation); got != SourceNodeAllocatable {
			t.Errorf("%s kubepods: %s", v, got)
		}
		if got := limitSource(cgroupfs.LevelContainer, mem, "kernel default: not set for this cgroup"); got != "" {
			t.Errorf("a kernel default has source %q", got)
		}
	}
}

func checkEffectsGolden(t *testing.T, name string, r *EffectReport) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, golden.Path(t, "golden", "effects", name), buf.Bytes())
}

func TestEffectCodes(t *testing.T) {
	if !slices.IsSorted(EffectCodes()) || len(EffectCodes()) != 6 {
		t.Errorf("%v", EffectCodes())
	}
	for _, c := range EffectCodes() {
		if slices.Contains(ReasonCodes(), c) {
			t.Errorf("%s is also a diff reason code", c)
		}
	}
}

// TestEffectsOnTreesWithoutCounters: the fake trees hold no counters;
// Effects finds nothing and says once that the counters are missing
// (and, on v2, once that the kernel has no PSI), not per file.
func TestEffectsOnTreesWithoutCounters(t *testing.T) {
	matches, err := filepath.Glob(golden.Path(t, "trees", "*.txtar"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no trees: %v", err)
	}
	for _, m := range matches {
		f, err := os.Open(m)
		if err != nil {
			t.Fatal(err)
		}
		s, err := cgroupfs.ReadSnapshot(f, cgroupfs.SnapshotLimits{})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		fsys, err := s.FS()
		if err != nil {
			t.Fatal(err)
		}
		n, err := fsys.Node(cgroupfs.NodeOptions{Counters: true})
		fsys.Close()
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		r := Effects(nil, Sample{Node: n}, EffectsOptions{})
		want := []string{"cpu.stat, memory.oom_control, pids.events: unavailable in "}
		if n.Mode == cgroupfs.ModeUnified {
			want = []string{"cpu.stat, memory.events, pids.events: unavailable in ", "cpu.pressure, memory.pressure: unavailable in "}
		}
		ok := len(r.Notes) == len(want)
		for i := 0; ok && i < len(want); i++ {
			ok = strings.HasPrefix(r.Notes[i].Message, want[i])
		}
		if len(r.Effects) != 0 || !ok {
			t.Errorf("%s: %d effects, notes %+v", filepath.Base(m), len(r.Effects), r.Notes)
		}
	}
}

func TestEffectsWithoutNode(t *testing.T) {
	r := Effects(nil, Sample{}, EffectsOptions{})
	if r.Kind != KindEffectReport || r.Effects == nil || len(r.Effects) != 0 {
		t.Errorf("%+v", r)
	}
}
