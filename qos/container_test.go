package qos

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// cri is the comparable part of criResources: period, quota, shares,
// memory limit, and the 2MB hugepage limit.
type cri struct {
	Period, Quota, Shares, Memory int64
	Huge2M                        uint64
}

func criOf(r *criResources) cri {
	return cri{r.cpuPeriod, r.cpuQuota, r.cpuShares, r.memoryLimit, r.hugepages[2<<20]}
}

// containerCRIFor computes the CRI resources of the first app container.
func containerCRIFor(e *env, pod *corev1.Pod) *criResources {
	pi := e.newPodInfo(pod)
	return e.containerCRI(pi, &pi.pod.Spec.Containers[0])
}

// TestGenerateLinuxContainerConfigResources ports the kuberuntime test
// of the same name (pkg/kubelet/kuberuntime/kuberuntime_container_linux_test.go,
// v1.37.2), cpuCFSQuota on.
func TestGenerateLinuxContainerConfigResources(t *testing.T) {
	plrm := gates(GatePodLevelResourceManagers, true)
	tests := []struct {
		name    string
		pod     *corev1.Pod
		profile func(*Profile)
		want    cri
	}{
		{"requests and limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=128Mi", "cpu=3,memory=256Mi")}), nil, cri{100000, 300000, 1024, 268435456, 0}},
		{"requests only", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=2,memory=128Mi", "")}), nil, cri{100000, 0, 2048, 0, 0}},
		{"pod-level limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=128Mi", "")}, withPodLevel("", "cpu=3,memory=256Mi")), nil, cri{100000, 300000, 1024, 268435456, 0}},
		{"cpu only, no exclusive CPUs", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1", "cpu=1")}), nil, cri{100000, 100000, 1024, 0, 0}},
		{"pod-level managers 500m", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=500m", "cpu=500m")}, withPodLevel("cpu=2", "cpu=2")), plrm, cri{100000, 50000, 512, 0, 0}},
		{"pod-level managers 1/2", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1", "cpu=2")}, withPodLevel("cpu=2", "cpu=2")), plrm, cri{100000, 200000, 1024, 0, 0}},
		{"pod cpu, container cpu and memory", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=100Mi", "cpu=1,memory=100Mi")}, withPodLevel("cpu=2", "cpu=2")), nil, cri{100000, 100000, 1024, 104857600, 0}},
		{"no container resources, pod cpu", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("cpu=2", "cpu=2")), nil, cri{100000, 200000, 2048, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, tt.profile)
			if diff := cmp.Diff(tt.want, criOf(containerCRIFor(e, tt.pod))); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestCalculateLinuxResources ports the kuberuntime test of the same name.
func TestCalculateLinuxResources(t *testing.T) {
	withReq := func(c corev1.Container, cpu string) corev1.Container {
		if c.Resources.Requests == nil {
			c.Resources.Requests = corev1.ResourceList{}
		}
		c.Resources.Requests[corev1.ResourceCPU] = resource.MustParse(cpu)
		return c
	}
	tests := []struct {
		name      string
		c         corev1.Container
		singleOOM bool
		want      cri
		oomGroup  bool
	}{
		{"1/2/128Mi", withReq(podtest.Container("c", "", "", "cpu=2,memory=128Mi"), "1"), false, cri{100000, 200000, 1024, 134217728, 0}, true},
		{"2/8", withReq(podtest.Container("c", "", "", "cpu=8"), "2"), false, cri{100000, 800000, 2048, 0, 0}, true},
		{"nil request defaults to the limit", podtest.Container("c", "", "", "cpu=2"), false, cri{100000, 200000, 2048, 0, 0}, true},
		{"explicit zero request", withReq(podtest.Container("c", "", "", "cpu=2"), "0"), false, cri{100000, 200000, 2, 0, 0}, true},
		{"singleProcessOOMKill", withReq(podtest.Container("c", "", "", "cpu=2,memory=128Mi"), "1"), true, cri{100000, 200000, 1024, 134217728, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, func(p *Profile) { p.Kubelet.SingleProcessOOMKill = &tt.singleOOM })
			r := containerCRIFor(e, mkPod("p", []corev1.Container{tt.c}))
			if diff := cmp.Diff(tt.want, criOf(r)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if _, ok := r.unified["memory.oom.group"]; ok != tt.oomGroup {
				t.Errorf("memory.oom.group present = %v, want %v", ok, tt.oomGroup)
			}
		})
	}
}

// TestGenerateLinuxContainerResources ports the kuberuntime test of the
// same name: cpuCFSQuota off, capacity 17179860387, no swap controller,
// MemoryQoS off.
func TestGenerateLinuxContainerResources(t *testing.T) {
	prof := func(p *Profile) {
		p.Kubelet.CPUCFSQuota = false
		p.Machine.Capacity[corev1.ResourceMemory] = *resource.NewQuantity(17179860387, resource.BinarySI)
		p.Machine.SwapAccounting = false
		p.FeatureGates = map[string]bool{GateMemoryQoS: false}
	}
	tests := []struct {
		name   string
		c      corev1.Container
		shares int64
		memory int64
		oom    int
	}{
		{"guaranteed", podtest.Container("c", "", "cpu=250m,memory=500Mi", "cpu=250m,memory=500Mi"), 256, 524288000, -997},
		{"burstable", podtest.Container("c", "", "cpu=250m,memory=500Mi", "cpu=500m,memory=750Mi"), 256, 786432000, 970},
		{"besteffort", podtest.Container("c", "", "", ""), 2, 0, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, prof)
			pod := mkPod("p", []corev1.Container{tt.c})
			pi := e.newPodInfo(pod)
			r := e.containerCRI(pi, &pi.pod.Spec.Containers[0])
			if r.cpuShares != tt.shares || r.memoryLimit != tt.memory || r.cpuQuota != 0 || r.cpuPeriod != 0 {
				t.Errorf("got shares %d memory %d quota %d period %d", r.cpuShares, r.memoryLimit, r.cpuQuota, r.cpuPeriod)
			}
			if got := e.oomScoreAdj(pi, &pi.pod.Spec.Containers[0]); got != tt.oom {
				t.Errorf("oom_score_adj %d, want %d", got, tt.oom)
			}
			want := map[string]string{"memory.oom.group": "1", "memory.high": "max"}
			if diff := cmp.Diff(want, r.unified); diff != "" {
				t.Errorf("unified (-want +got)\n%s", diff)
			}
		})
	}
}

// TestGenerateLinuxContainerResourcesWithDRA ports the kuberuntime test
// of the same name (DRA gate on unless stated).
func TestGenerateLinuxContainerResourcesWithDRA(t *testing.T) {
	dra := gates(GateDRANodeAllocatableResources, true)
	claim := withClaim([]string{"c"}, "cpu=1,memory=300Mi,hugepages-2Mi=2Mi")
	lim := "cpu=2,memory=500Mi,hugepages-2Mi=2Mi"
	tests := []struct {
		name    string
		pod     *corev1.Pod
		profile func(*Profile)
		want    cri
	}{
		{"gate off", mkPod("p", []corev1.Container{podtest.Container("c", "", "", lim)}, claim), nil, cri{100000, 200000, 2048, mi(500), 2 << 20}},
		{"requests and limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=300Mi", lim)}, claim), dra, cri{100000, 300000, 1024, mi(800), 4 << 20}},
		{"pod limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("", "cpu=4,memory=1Gi,hugepages-2Mi=4Mi"), claim), dra, cri{100000, 400000, 4096, mi(1024), 4 << 20}},
		{"no limits anywhere", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, claim), dra, cri{100000, 0, 2, 0, 2 << 20}},
		{"limits, no claim", mkPod("p", []corev1.Container{podtest.Container("c", "", "", lim)}), dra, cri{100000, 200000, 2048, mi(500), 2 << 20}},
		{"pod limits, no claim", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("", "cpu=4,memory=1Gi,hugepages-2Mi=4Mi")), dra, cri{100000, 400000, 4096, mi(1024), 4 << 20}},
		{"nothing", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}), dra, cri{100000, 0, 2, 0, 0}},
		{"two cpu claims", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "cpu=2")}, withClaim([]string{"c"}, "cpu=1"), withClaim([]string{"c"}, "cpu=2")), dra, cri{100000, 500000, 2048, 0, 0}},
		{"cpu overhead", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "cpu=1")}, withClaim([]string{"c"}, "", [3]string{"cpu", "1", "2"})), dra, cri{100000, 400000, 1024, 0, 0}},
		{"mapping and overhead", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "cpu=2,memory=500Mi")}, withClaim([]string{"c"}, "cpu=1,memory=300Mi", [3]string{"cpu", "1", "2"}, [3]string{"memory", "100Mi", "200Mi"})), dra, cri{100000, 600000, 2048, mi(1100), 0}},
		{"pod hugepages only", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("", "hugepages-2Mi=4Mi"), withClaim([]string{"c"}, "hugepages-2Mi=2Mi")), dra, cri{100000, 0, 2, 0, 4 << 20}},
		{"pod cpu/memory, claim hugepages", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("", "cpu=4,memory=1Gi"), withClaim([]string{"c"}, "hugepages-2Mi=2Mi")), dra, cri{100000, 400000, 4096, mi(1024), 2 << 20}},
		{"pod 4Mi, container 2Mi, claim 1Mi", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "hugepages-2Mi=2Mi")}, withPodLevel("", "hugepages-2Mi=4Mi"), withClaim([]string{"c"}, "hugepages-2Mi=1Mi")), dra, cri{100000, 0, 2, 0, 3 << 20}},
		{"claim hugepages only", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withClaim([]string{"c"}, "hugepages-2Mi=2Mi")), dra, cri{100000, 0, 2, 0, 2 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, tt.profile)
			if diff := cmp.Diff(tt.want, criOf(containerCRIFor(e, tt.pod))); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestContainerMemoryQoS ports TestGenerateContainerConfigWithMemoryQoSEnforced
// and the other MemoryQoS kuberuntime tests (allocatable 32Gi, 4 KiB pages).
func TestContainerMemoryQoS(t *testing.T) {
	tiered09 := func(p *Profile) {
		p.Kubelet.MemoryReservationPolicy = "TieredReservation"
		p.Kubelet.MemoryThrottlingFactor = ptrTo(0.9)
		p.FeatureGates = map[string]bool{GateDRANodeAllocatableResources: true}
	}
	dra256 := withClaim([]string{"c"}, "memory=256Mi")
	none := func(f *float64) func(*Profile) {
		return func(p *Profile) { p.Kubelet.MemoryThrottlingFactor = f }
	}
	plr := func(p *Profile) { p.Kubelet.MemoryThrottlingFactor = ptrTo(0.9) }
	tests := []struct {
		name    string
		pod     *corev1.Pod
		profile func(*Profile)
		want    map[string]string // MemoryQoS keys only
	}{
		{"burstable 128Mi/256Mi", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "memory=256Mi")}), tiered09, map[string]string{"memory.low": "134217728", "memory.high": "255012864"}},
		{"burstable 128Mi no limit", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "")}), tiered09, map[string]string{"memory.low": "134217728", "memory.high": "30937186304"}},
		{"besteffort", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}), tiered09, map[string]string{"memory.min": "0", "memory.low": "0", "memory.high": "30923763712"}},
		{"guaranteed", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=256Mi", "cpu=1,memory=256Mi")}), tiered09, map[string]string{"memory.min": "268435456"}},
		{"burstable + DRA", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "memory=256Mi")}, dra256), tiered09, map[string]string{"memory.low": "134217728", "memory.high": "496603136"}},
		{"besteffort + DRA", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, dra256), tiered09, map[string]string{"memory.min": "0", "memory.low": "0", "memory.high": "30923763712"}},
		{"guaranteed + DRA", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=256Mi", "cpu=1,memory=256Mi")}, dra256), tiered09, map[string]string{"memory.min": "268435456"}},
		{"burstable no limit + DRA", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "")}, dra256), tiered09, map[string]string{"memory.low": "134217728", "memory.high": "30937186304"}},
		{"factor nil, tiered", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "memory=256Mi")}), func(p *Profile) { p.Kubelet.MemoryReservationPolicy = "TieredReservation" }, map[string]string{"memory.low": "134217728"}},
		{"policy None, factor nil", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "memory=256Mi")}), none(nil), map[string]string{"memory.min": "0", "memory.low": "0"}},
		{"policy None, factor 0.9", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "memory=256Mi")}), none(ptrTo(0.9)), map[string]string{"memory.min": "0", "memory.low": "0", "memory.high": "255012864"}},
		{"gate off", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "memory=256Mi")}), gates(GateMemoryQoS, false), map[string]string{"memory.high": "max"}},
		{"pod memory limit, container 256Mi/512Mi", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=256Mi", "memory=512Mi")}, withPodLevel("", "memory=1Gi")), plr, map[string]string{"memory.min": "0", "memory.low": "0", "memory.high": "510025728"}},
		{"pod memory limit, limit-less container", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=256Mi", "")}, withPodLevel("", "memory=1Gi")), plr, map[string]string{"memory.min": "0", "memory.low": "0"}},
		{"cpu-only pod limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=256Mi", "memory=512Mi")}, withPodLevel("", "cpu=2")), plr, map[string]string{"memory.min": "0", "memory.low": "0", "memory.high": "510025728"}},
		{"guaranteed pod level, 256Mi/512Mi container", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=256Mi", "memory=512Mi")}, withPodLevel("cpu=1,memory=1Gi", "cpu=1,memory=1Gi")), plr, map[string]string{"memory.min": "0", "memory.low": "0", "memory.high": "510025728"}},
		{"request = limit", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=256Mi", "memory=256Mi")}, withPodLevel("", "memory=1Gi")), plr, map[string]string{"memory.min": "0", "memory.low": "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, tt.profile)
			got := map[string]string{}
			for k, v := range containerCRIFor(e, tt.pod).unified {
				if k == "memory.min" || k == "memory.low" || k == "memory.high" {
					got[k] = v
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestGetHugepageLimitsFromResources ports the kuberuntime test of the
// same name (host sizes 2MB and 1GB).
func TestGetHugepageLimitsFromResources(t *testing.T) {
	tests := []struct {
		name     string
		pod      *corev1.Pod
		want2M   uint64
		want1G   uint64
		podLevel bool
	}{
		{"2Mi", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "hugepages-2Mi=2Mi")}), 2097152, 0, false},
		{"1Gi", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "hugepages-1Gi=2Gi")}), 0, 2147483648, false},
		{"malformed", mkPod("p", []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"hugepages-2MB": resource.MustParse("2Mi"), "hugepages-1GB": resource.MustParse("2Gi")}}}}), 0, 0, false},
		{"both", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "hugepages-2Mi=2Mi,hugepages-1Gi=2Gi")}), 2097152, 2147483648, false},
		{"pod 2Mi", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("", "hugepages-2Mi=2Mi")), 2097152, 0, true},
		{"pod 1Gi", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("", "hugepages-1Gi=2Gi")), 0, 2147483648, true},
		{"pod both", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("", "hugepages-2Mi=2Mi,hugepages-1Gi=2Gi")), 2097152, 2147483648, true},
		{"pod 4Mi container 2Mi", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "hugepages-2Mi=2Mi")}, withPodLevel("", "hugepages-2Mi=4Mi")), 2097152, 0, true},
		{"pod 4Gi container 2Gi", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "hugepages-1Gi=2Gi")}, withPodLevel("", "hugepages-1Gi=4Gi")), 0, 2147483648, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, nil)
			r := &criResources{why: map[string]string{}}
			e.containerHugepages(tt.pod, &tt.pod.Spec.Containers[0], nil, r)
			if r.hugepages[2<<20] != tt.want2M || r.hugepages[1<<30] != tt.want1G || len(r.hugepages) != 2 {
				t.Errorf("got %v, want 2MB %d 1GB %d", r.hugepages, tt.want2M, tt.want1G)
			}
		})
	}
}

// TestContainerSwap ports TestGetContainerSwapBehavior and
// TestGenerateLinuxContainerResourcesWithSwap (40 GiB RAM, 5 GiB swap).
func TestContainerSwap(t *testing.T) {
	node := func(p *Profile) {
		p.Machine.Capacity[corev1.ResourceMemory] = resource.MustParse("40Gi")
		p.Machine.Capacity["swap"] = resource.MustParse("5Gi")
	}
	limited := func(p *Profile) { node(p); p.Kubelet.SwapBehavior = "LimitedSwap" }
	critical := func(pod *corev1.Pod) { pod.Spec.Priority = ptrTo(int32(2000000000)) }
	tests := []struct {
		name    string
		pod     *corev1.Pod
		profile func(*Profile)
		swap    string // v2 memory.swap.max key; "" absent
		memsw   int64  // v1
	}{
		{"NoSwap", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=1Gi", "memory=2Gi")}), node, "0", 0},
		{"LimitedSwap 1Gi", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=1Gi", "memory=2Gi")}), limited, "134217728", 0},
		{"LimitedSwap 2Gi", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=2Gi", "")}), limited, "268435456", 0},
		{"LimitedSwap no controller", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=1Gi", "memory=2Gi")}), chain(limited, func(p *Profile) { p.Machine.SwapAccounting = false }), "", 0},
		{"LimitedSwap besteffort", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}), limited, "0", 0},
		{"LimitedSwap guaranteed", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=1Gi", "cpu=1,memory=1Gi")}), limited, "0", 0},
		{"LimitedSwap zero memory", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1", "cpu=2")}), limited, "0", 0},
		{"LimitedSwap request = limit", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=1Gi", "cpu=2,memory=1Gi")}), limited, "0", 0},
		{"LimitedSwap critical", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=1Gi", "memory=2Gi")}, critical), limited, "0", 0},
		{"LimitedSwap without memory request", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1", "memory=1Gi")}), limited, "0", 0},
		{"LimitedSwap on v1 is NoSwap", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=1Gi", "memory=2Gi")}), chain(limited, func(p *Profile) { p.CgroupVersion = convert.CgroupV1 }), "", 2 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, tt.profile)
			r := containerCRIFor(e, tt.pod)
			got, ok := r.unified["memory.swap.max"]
			if !ok {
				got = ""
			}
			if got != tt.swap || r.memorySwap != tt.memsw {
				t.Errorf("memory.swap.max %q memsw %d, want %q %d", got, r.memorySwap, tt.swap, tt.memsw)
			}
		})
	}
}

// TestApplySandboxResources ports the kuberuntime test of the same name
// (the resources message; the overhead message is not modelled).
func TestApplySandboxResources(t *testing.T) {
	dra := gates(GateDRANodeAllocatableResources, true)
	c := podtest.Container("c", "", "cpu=2,memory=128Mi", "cpu=4,memory=256Mi")
	tests := []struct {
		name    string
		pod     *corev1.Pod
		profile func(*Profile)
		want    cri
	}{
		{"with overhead", mkPod("p", []corev1.Container{c}, withOverhead("cpu=1,memory=128Mi")), nil, cri{100000, 400000, 2048, 268435456, 0}},
		{"memory only", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=128Mi", "memory=256Mi")}), nil, cri{100000, 0, 2, 268435456, 0}},
		{"DRA mapping", mkPod("p", []corev1.Container{c}, withClaim([]string{"c"}, "cpu=200m,memory=128Mi")), dra, cri{100000, 420000, 2252, 402653184, 0}},
		{"DRA mapping, no container limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=2,memory=128Mi", "")}, withClaim([]string{"c"}, "cpu=200m,memory=128Mi")), dra, cri{100000, 0, 2252, 0, 0}},
		{"DRA gate off", mkPod("p", []corev1.Container{c}, withClaim([]string{"c"}, "cpu=200m,memory=128Mi")), nil, cri{100000, 400000, 2048, 268435456, 0}},
		{"pod-level", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("cpu=4,memory=512Mi", "cpu=8,memory=1Gi")), nil, cri{100000, 800000, 4096, 1073741824, 0}},
		{"DRA mapping and overhead", mkPod("p", []corev1.Container{c}, withClaim([]string{"c"}, "cpu=200m,memory=128Mi", [3]string{"cpu", "100m", "50m"}, [3]string{"memory", "100Mi", "50Mi"})), dra, cri{100000, 435000, 2406, mi(534), 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, tt.profile)
			r := e.sandboxCRI(e.newPodInfo(tt.pod))
			if diff := cmp.Diff(tt.want, criOf(r)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if r.unified["memory.oom.group"] != "1" {
				t.Errorf("v2 sandbox resources lack memory.oom.group")
			}
		})
	}
}
