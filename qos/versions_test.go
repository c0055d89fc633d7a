package qos

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
)

func expectOne(t *testing.T, pod *corev1.Pod, mutate func(*Profile)) *PodExpectation {
	t.Helper()
	p := DefaultProfile()
	if mutate != nil {
		mutate(&p)
	}
	x, err := Expect([]*corev1.Pod{pod}, p)
	if err != nil {
		t.Fatal(err)
	}
	return &x.Pods[0]
}

func accept(t *testing.T, pe *PodExpectation, level cgroupfs.Level, container, file string) string {
	t.Helper()
	cg := pe.Cgroup(level, "", container)
	if cg == nil {
		t.Fatalf("no %s cgroup %q", level, container)
	}
	f, ok := cg.Files[file]
	if !ok {
		t.Fatalf("%s %q has no %s", level, container, file)
	}
	return strings.Join(f.Accept, "|")
}

// TestExclusiveCPUsByVersion: DisableCPUQuotaWithExclusiveCPUs in
// generateLinuxContainerResources and ResourceConfigForPod (v1.37.2), the
// e2e cases of test/e2e_node/cpu_manager_test.go, and the ≤ 1.32 behaviour.
func TestExclusiveCPUsByVersion(t *testing.T) {
	static := func(v string) func(*Profile) {
		return func(p *Profile) { p.Kubelet.CPUManagerPolicy = "static"; p.KubernetesVersion = v }
	}
	g2 := mkPod("b", []corev1.Container{podtest.Container("c", "", "cpu=2,memory=4Gi", "cpu=2,memory=4Gi")})
	pe := expectOne(t, g2, static("1.37"))
	if got := accept(t, pe, cgroupfs.LevelPod, "", "cpu.max"); got != "max 100000" {
		t.Errorf("1.37 static pod cpu.max %s", got)
	}
	if got := accept(t, pe, cgroupfs.LevelContainer, "c", "cpu.max"); got != "max 100000" {
		t.Errorf("1.37 static container cpu.max %s", got)
	}
	if ex := pe.Cgroup(cgroupfs.LevelPod, "", "").Files["cpu.max"].Explained; len(ex) == 0 || ex[0].Reason != ReasonExclusiveCPUs || ex[0].Values[0] != "200000 100000" {
		t.Errorf("exclusive-cpus explanation: %+v", ex)
	}
	if got := accept(t, expectOne(t, g2, static("1.32")), cgroupfs.LevelContainer, "c", "cpu.max"); got != "200000 100000" {
		t.Errorf("1.32 static container cpu.max %s", got)
	}
	if got := accept(t, expectOne(t, g2, nil), cgroupfs.LevelPod, "", "cpu.max"); got != "200000 100000" {
		t.Errorf("policy none pod cpu.max %s", got)
	}
	mixed := mkPod("m", []corev1.Container{podtest.Container("half", "", "cpu=500m,memory=1Gi", "cpu=500m,memory=1Gi"), podtest.Container("one", "", "cpu=1,memory=1Gi", "cpu=1,memory=1Gi")})
	pe = expectOne(t, mixed, static("1.37"))
	for _, c := range []struct {
		level      cgroupfs.Level
		name, want string
	}{{cgroupfs.LevelPod, "", "max 100000"}, {cgroupfs.LevelContainer, "half", "50000 100000"}, {cgroupfs.LevelContainer, "one", "max 100000"}} {
		if got := accept(t, pe, c.level, c.name, "cpu.max"); got != c.want {
			t.Errorf("mixed %s %q: %s, want %s", c.level, c.name, got, c.want)
		}
	}
}

// TestCustomPeriodByVersion: MilliCPUToQuota (pkg/kubelet/cm/helpers_linux.go)
// honours a configured period only with CPUCFSQuotaPeriod, on by default from 1.36.
func TestCustomPeriodByVersion(t *testing.T) {
	pod := mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi")})
	p := DefaultProfile()
	p.KubernetesVersion = "1.35"
	p.Kubelet.CPUCFSQuotaPeriod.Duration = 5 * time.Millisecond
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "CPUCFSQuotaPeriod") {
		t.Errorf("1.35 with 5ms: %v", err)
	}
	pe := expectOne(t, pod, func(p *Profile) {
		p.KubernetesVersion = "1.36"
		p.Kubelet.CPUCFSQuotaPeriod.Duration = 5 * time.Millisecond
	})
	if got := accept(t, pe, cgroupfs.LevelContainer, "c", "cpu.max"); got != "1000 5000" {
		t.Errorf("1.36 5ms: %s", got)
	}
	pe = expectOne(t, pod, func(p *Profile) {
		p.KubernetesVersion = "1.35"
		p.FeatureGates = map[string]bool{"CustomCPUCFSQuotaPeriod": true}
		p.Kubelet.CPUCFSQuotaPeriod.Duration = 50 * time.Millisecond
	})
	if got := accept(t, pe, cgroupfs.LevelPod, "", "cpu.max"); got != "10000 50000" {
		t.Errorf("1.35 gate on 50ms: %s", got)
	}
}

// TestMemoryQoSRegimes: the MemoryQoS behaviours of behaviourTable
// (memoryReservationPolicy 1.36, the 1.37 changes) and the factor default.
func TestMemoryQoSRegimes(t *testing.T) {
	pod := mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "memory=256Mi")})
	on := func(v string) func(*Profile) {
		return func(p *Profile) { p.KubernetesVersion = v; p.FeatureGates = map[string]bool{GateMemoryQoS: true} }
	}
	tests := []struct {
		name              string
		mutate            func(*Profile)
		cMin, cLow, cHigh string
		podMin            string
	}{
		{"1.35 legacy", on("1.35"), "134217728", "0", "255012864", "134217728"},
		{"1.36 None", on("1.36"), "0", "0", "255012864", "0"},
		{"1.36 Tiered", chain(on("1.36"), func(p *Profile) { p.Kubelet.MemoryReservationPolicy = "TieredReservation" }), "0", "134217728", "255012864", "0"},
		{"1.37 default", nil, "0", "0", "max", "0"},
		{"1.37 gate off", gates(GateMemoryQoS, false), "0", "0", "max", "0"},
	}
	for _, tt := range tests {
		pe := expectOne(t, pod, tt.mutate)
		got := []string{accept(t, pe, cgroupfs.LevelContainer, "c", "memory.min"), accept(t, pe, cgroupfs.LevelContainer, "c", "memory.low"), accept(t, pe, cgroupfs.LevelContainer, "c", "memory.high"), accept(t, pe, cgroupfs.LevelPod, "", "memory.min")}
		want := []string{tt.cMin, tt.cLow, tt.cHigh, tt.podMin}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: container min/low/high, pod min = %v, want %v", tt.name, got, want)
		}
	}
	// BestEffort memory.high: 1.37 with a factor only.
	be := mkPod("be", []corev1.Container{podtest.Container("c", "", "", "")})
	if got := accept(t, expectOne(t, be, func(p *Profile) { p.Kubelet.MemoryThrottlingFactor = ptrTo(0.9) }), cgroupfs.LevelContainer, "c", "memory.high"); got != "30923763712" {
		t.Errorf("1.37 BestEffort memory.high %s", got)
	}
	if got := accept(t, expectOne(t, be, on("1.36")), cgroupfs.LevelContainer, "c", "memory.high"); got != "max" {
		t.Errorf("1.36 BestEffort memory.high %s", got)
	}
}

// TestEmptyPodLevelStanzaByVersion: an empty pod-level stanza is BestEffort
// up to 1.36 and falls back to the containers with
// PodLevelResourcesFixKubeletQOSClass (pkg/apis/core/v1/helper/qos/qos.go, 1.37).
func TestEmptyPodLevelStanzaByVersion(t *testing.T) {
	pod := mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=1Gi", "cpu=1,memory=1Gi")}, withPodLevel("", ""))
	if got := expectOne(t, pod, func(p *Profile) { p.KubernetesVersion = "1.36" }).QOSClass; got != corev1.PodQOSBestEffort {
		t.Errorf("1.36: %s", got)
	}
	if got := expectOne(t, pod, nil).QOSClass; got != corev1.PodQOSGuaranteed {
		t.Errorf("1.37: %s", got)
	}
}

// TestOOMGroupByVersion: memory.oom.group on v2 always before 1.32.
func TestOOMGroupByVersion(t *testing.T) {
	pod := mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")})
	single := func(v string) func(*Profile) {
		return func(p *Profile) { p.KubernetesVersion = v; p.Kubelet.SingleProcessOOMKill = ptrTo(true) }
	}
	if got := accept(t, expectOne(t, pod, single("1.31")), cgroupfs.LevelContainer, "c", "memory.oom.group"); got != "1" {
		t.Errorf("1.31: %s", got)
	}
	if got := accept(t, expectOne(t, pod, single("1.32")), cgroupfs.LevelContainer, "c", "memory.oom.group"); got != "0" {
		t.Errorf("1.32: %s", got)
	}
}

// TestSystemdQuotaRounding: TestGetCPULimitCgroupExpectations
// (test/e2e/common/node/framework/cgroups/cgroups_test.go, v1.37.2).
func TestSystemdQuotaRounding(t *testing.T) {
	systemd := func(v string) func(*Profile) {
		return func(p *Profile) {
			p.Kubelet.CgroupDriver = cgroupfs.DriverSystemd
			if v == "v1" {
				p.CgroupVersion = 1
			}
		}
	}
	for _, tt := range []struct{ cpu, version, file, want string }{
		{"15m", "v2", "cpu.max", "1500 100000|2000 100000"},
		{"20m", "v2", "cpu.max", "2000 100000"},
		{"15m", "v1", "cpu.cfs_quota_us", "1500|2000"},
		{"20m", "v1", "cpu.cfs_quota_us", "2000"},
	} {
		pod := mkPod("p", []corev1.Container{podtest.Container("c", "", "", "cpu="+tt.cpu)})
		pe := expectOne(t, pod, systemd(tt.version))
		for _, level := range []cgroupfs.Level{cgroupfs.LevelPod, cgroupfs.LevelContainer} {
			name := ""
			if level == cgroupfs.LevelContainer {
				name = "c"
			}
			if got := accept(t, pe, level, name, tt.file); got != tt.want {
				t.Errorf("%s %s %s: %s, want %s", tt.cpu, tt.version, level, got, tt.want)
			}
		}
	}
}

// TestNoCgroupsPerQOSAndTerminalPods: no node or pod cgroups without
// cgroupsPerQOS; terminal pods have no cgroups and count for no tier.
func TestNoCgroupsPerQOSAndTerminalPods(t *testing.T) {
	pod := mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1", "")})
	p := DefaultProfile()
	p.Kubelet.CgroupsPerQOS = false
	p.Kubelet.EnforceNodeAllocatable = nil
	x, err := Expect([]*corev1.Pod{pod}, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Node) != 0 || x.Pods[0].Cgroup(cgroupfs.LevelPod, "", "") != nil || !x.Pods[0].Cgroup(cgroupfs.LevelContainer, ContainerApp, "c").Optional {
		t.Errorf("cgroupsPerQOS false: %+v", x)
	}
	done := mkPod("done", []corev1.Container{podtest.Container("c", "", "cpu=1", "")}, func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded })
	x, err = Expect([]*corev1.Pod{done, pod}, DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Pods[0].Cgroups) != 0 || x.Pods[0].Tier.Active {
		t.Errorf("terminal pod: %+v", x.Pods[0])
	}
	if got := x.NodeCgroup(cgroupfs.LevelBurstable).Files["cpu.weight"].Shares; got != 1024 {
		t.Errorf("burstable shares %d, want 1024 (the terminal pod does not count)", got)
	}
}

// TestBehaviourTable: every behaviour has an entry that names its
// upstream source and a release inside the modelled range, and arrives
// exactly in that release.
func TestBehaviourTable(t *testing.T) {
	for x := range numBehaviours {
		s := behaviourTable[x]
		if s.since <= minMinor || s.since > maxMinor {
			t.Errorf("behaviour %d: since 1.%d, want 1.%d to 1.%d", x, s.since, minMinor+1, maxMinor)
		}
		if !strings.Contains(s.source, ".go") {
			t.Errorf("behaviour %d: source %q names no source file", x, s.source)
		}
		if behavioursOf(s.since-1).has(x) || !behavioursOf(s.since).has(x) || !behavioursOf(maxMinor).has(x) {
			t.Errorf("behaviour %d does not arrive in 1.%d", x, s.since)
		}
	}
	if b := behavioursOf(minMinor); b != 0 {
		t.Errorf("1.%d has behaviours %b, want none (it is the baseline)", minMinor, b)
	}
}

// TestVariantOwnsItsMaps: the MemoryQoS-off and other-CPU-policy
// alternatives are profiles resolved on their own: they share only the
// build state with the env, never its maps and slices, and they resolve
// even when the profile holds settings only valid with MemoryQoS.
func TestVariantOwnsItsMaps(t *testing.T) {
	e := testEnv(t, func(p *Profile) {
		p.Kubelet.MemoryReservationPolicy = "TieredReservation"
		p.Kubelet.MemoryThrottlingFactor = ptrTo(0.8)
		p.FeatureGates = map[string]bool{GateMemoryQoS: true}
	})
	e.cache = newFileCache()
	alt, err := e.variant(withoutMemoryQoS)
	if err != nil {
		t.Fatal(err)
	}
	if !e.memoryQoS || !e.tiered || e.factor == nil || alt.memoryQoS || alt.enforceMemoryQoS || alt.tiered {
		t.Errorf("memoryQoS/tiered/factor: env %v/%v/%v, variant %v/%v", e.memoryQoS, e.tiered, e.factor, alt.memoryQoS, alt.tiered)
	}
	if !e.p.FeatureGates[GateMemoryQoS] || !e.gates[GateMemoryQoS] {
		t.Error("resolving the variant changed the env's feature gates")
	}
	same := func(a, b any) bool { return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer() }
	if same(e.gates, alt.gates) || same(e.allocatable, alt.allocatable) || same(e.p.Machine.Capacity, alt.p.Machine.Capacity) || same(e.huge, alt.huge) || same(e.hugeSizes, alt.hugeSizes) {
		t.Error("the variant shares a map or slice with the env")
	}
	if alt.cache != e.cache || alt.files != e.files {
		t.Error("the variant does not share the build state")
	}
	cpu, err := e.variant(withOtherCPUPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if e.staticCPU || !cpu.staticCPU {
		t.Errorf("staticCPU: env %v, variant %v", e.staticCPU, cpu.staticCPU)
	}
}
