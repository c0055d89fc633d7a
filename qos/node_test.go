package qos

import (
	"strconv"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func nodeFiles(t *testing.T, e *env, pods ...*corev1.Pod) map[cgroupfs.Level]map[string]ExpectedFile {
	t.Helper()
	var pis []*podInfo
	for _, p := range pods {
		pis = append(pis, e.newPodInfo(p))
	}
	out := map[cgroupfs.Level]map[string]ExpectedFile{}
	for _, cg := range e.nodeCgroups(pis) {
		out[cg.Level] = cg.Files
	}
	return out
}

// TestQoSContainerCgroup ports the vectors of the kubelet test of the same
// name (TieredReservation: kubepods memory.min and burstable memory.low).
func TestQoSContainerCgroup(t *testing.T) {
	tiered := func(p *Profile) { p.Kubelet.MemoryReservationPolicy = "TieredReservation" }
	dra := gates(GateDRANodeAllocatableResources, true)
	g := mkPod("g", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=128Mi", "cpu=1,memory=128Mi")})
	b1 := mkPod("b1", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=128Mi", "cpu=2,memory=256Mi")})
	b2 := mkPod("b2", []corev1.Container{podtest.Container("c", "", "cpu=2,memory=256Mi", "")})
	be := mkPod("be", []corev1.Container{podtest.Container("c", "", "", "")})
	bNoMem := mkPod("bnm", []corev1.Container{podtest.Container("c", "", "cpu=1", "")})
	beDRA := mkPod("bedra", []corev1.Container{podtest.Container("c", "", "", "")}, withClaim([]string{"c"}, "memory=128Mi"))
	bDRA := mkPod("bdra", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=128Mi", "")}, withClaim([]string{"c"}, "memory=128Mi"))
	bPLR := mkPod("bplr", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=128Mi", "")}, withPodLevel("memory=512Mi", ""), withClaim([]string{"c"}, "memory=128Mi"))
	tests := []struct {
		name     string
		pods     []*corev1.Pod
		profile  func(*Profile)
		min, low int64
	}{
		{"G B1 B2", []*corev1.Pod{g, b1, b2}, nil, mi(512), mi(384)},
		{"one BestEffort", []*corev1.Pod{be}, nil, 0, 0},
		{"Burstable without memory request", []*corev1.Pod{bNoMem}, nil, 0, 0},
		{"no pods", nil, nil, 0, 0},
		{"BestEffort with DRA", []*corev1.Pod{beDRA}, dra, 0, 0},
		{"G + B with DRA", []*corev1.Pod{g, bDRA}, dra, mi(384), mi(256)},
		{"G + B with pod-level request", []*corev1.Pod{g, bPLR}, dra, mi(640), mi(512)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := nodeFiles(t, testEnv(t, chain(tiered, tt.profile)), tt.pods...)
			if got := f[cgroupfs.LevelKubepods]["memory.min"].Accept[0]; got != strconv.FormatInt(tt.min, 10) {
				t.Errorf("kubepods memory.min %s, want %d", got, tt.min)
			}
			if got := f[cgroupfs.LevelBurstable]["memory.low"].Accept[0]; got != strconv.FormatInt(tt.low, 10) {
				t.Errorf("burstable memory.low %s, want %d", got, tt.low)
			}
		})
	}
	// Policy None: both "0".
	f := nodeFiles(t, testEnv(t, nil), g, b1)
	if f[cgroupfs.LevelKubepods]["memory.min"].Accept[0] != "0" || f[cgroupfs.LevelBurstable]["memory.low"].Accept[0] != "0" {
		t.Errorf("policy None: kubepods memory.min %v, burstable memory.low %v", f[cgroupfs.LevelKubepods]["memory.min"].Accept, f[cgroupfs.LevelBurstable]["memory.low"].Accept)
	}
}

// TestQOSCPUConfigUpdate ports the kubelet test of the same name.
func TestQOSCPUConfigUpdate(t *testing.T) {
	g := mkPod("g", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=1Gi", "cpu=1,memory=1Gi")})
	b := mkPod("b", []corev1.Container{podtest.Container("c", "", "cpu=1", "")})
	be := mkPod("be", []corev1.Container{podtest.Container("c", "", "", "")})
	tests := []struct {
		name   string
		pods   []*corev1.Pod
		shares uint64
	}{
		{"guaranteed only", []*corev1.Pod{g}, 2},
		{"one burstable", []*corev1.Pod{b}, 1024},
		{"besteffort only", []*corev1.Pod{be}, 2},
		{"G + B", []*corev1.Pod{g, b}, 1024},
		{"BE + B", []*corev1.Pod{be, b}, 1024},
	}
	for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
		for _, tt := range tests {
			e := testEnv(t, func(p *Profile) { p.CgroupVersion = v })
			f := nodeFiles(t, e, tt.pods...)
			name, want, beWant := "cpu.shares", strconv.FormatUint(tt.shares, 10), "2"
			if v == convert.CgroupV2 {
				name, want, beWant = "cpu.weight", strconv.FormatUint(convert.SharesToWeightLinear(tt.shares), 10), "1"
			}
			if got := f[cgroupfs.LevelBurstable][name].Accept[0]; got != want {
				t.Errorf("%v %s: burstable %s %s, want %s", v, tt.name, name, got, want)
			}
			if got := f[cgroupfs.LevelBestEffort][name].Accept[0]; got != beWant {
				t.Errorf("%v %s: besteffort %s %s, want %s", v, tt.name, name, got, beWant)
			}
			// kubepods never gets shares from the loop: only allocatable.
			if got := f[cgroupfs.LevelKubepods][name].Accept[0]; v == convert.CgroupV1 && got != "8192" {
				t.Errorf("%v %s: kubepods %s %s, want 8192", v, tt.name, name, got)
			}
		}
	}
}

// TestNodeAllocatableForEnforcement ports the cgroup values of the kubelet
// test of the same name: eviction thresholds are never subtracted.
func TestNodeAllocatableForEnforcement(t *testing.T) {
	tests := []struct {
		name         string
		kube, system string
		cpuMilli     int64
		memory       int64
	}{
		{"kube and system reserved", "cpu=100m,memory=100Mi", "cpu=50m,memory=50Mi", 9850, mi(10090)},
		{"no reservations", "", "", 10000, mi(10240)},
		{"memory-only kube reserved", "memory=100Mi", "cpu=50m,memory=50Mi", 9950, mi(10090)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, func(p *Profile) {
				p.CgroupVersion = convert.CgroupV1
				p.Machine.Capacity[corev1.ResourceCPU] = resource.MustParse("10")
				p.Machine.Capacity[corev1.ResourceMemory] = resource.MustParse("10Gi")
				p.Kubelet.KubeReserved = podtest.ResourceList(tt.kube)
				p.Kubelet.SystemReserved = podtest.ResourceList(tt.system)
			})
			f := nodeFiles(t, e)[cgroupfs.LevelKubepods]
			if got, want := f["cpu.shares"].Accept[0], strconv.FormatUint(convert.MilliCPUToShares(tt.cpuMilli), 10); got != want {
				t.Errorf("cpu.shares %s, want %s", got, want)
			}
			if got, want := f["memory.limit_in_bytes"].Accept[0], strconv.FormatInt(tt.memory, 10); got != want {
				t.Errorf("memory.limit_in_bytes %s, want %s", got, want)
			}
		})
	}
}

// TestNodeContainerManagerE2E ports the node e2e expectation
// (test/e2e_node/node_container_manager_test.go): reserved cpu 100m+100m,
// memory 100Mi+100Mi, pids 1000+738.
func TestNodeContainerManagerE2E(t *testing.T) {
	e := testEnv(t, func(p *Profile) {
		p.Machine.Capacity["pid"] = resource.MustParse("32768")
		p.Kubelet.KubeReserved = podtest.ResourceList("cpu=100m,memory=100Mi,pid=1000")
		p.Kubelet.SystemReserved = podtest.ResourceList("cpu=100m,memory=100Mi,pid=738")
	})
	f := nodeFiles(t, e)[cgroupfs.LevelKubepods]
	if got := f["cpu.weight"].Accept[0]; got != strconv.FormatUint(convert.SharesToWeightLinear(convert.MilliCPUToShares(7800)), 10) {
		t.Errorf("cpu.weight %s", got)
	}
	if got := f["memory.max"].Accept[0]; got != strconv.FormatInt(mi(32*1024-200), 10) {
		t.Errorf("memory.max %s", got)
	}
	if got := f["pids.max"].Accept[0]; got != "31030" {
		t.Errorf("pids.max %s, want 31030", got)
	}
	if got := f["hugetlb.2MB.max"].Accept[0]; got != "4611686018427387904" {
		t.Errorf("hugetlb.2MB.max %s, want 2^62", got)
	}
}
