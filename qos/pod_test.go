package qos

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
)

// podCfg is the comparable part of a pod ResourceConfig; -1 in a field
// means "not set" (nil).
type podCfg struct {
	Shares int64
	Quota  int64
	Period int64
	Memory int64
	Huge   map[uint64]int64
}

const unset = -1

func cfgOf(rc *resourceConfig) podCfg {
	c := podCfg{Shares: unset, Quota: unset, Period: unset, Memory: unset}
	if rc.shares != nil {
		c.Shares = int64(*rc.shares)
	}
	if rc.quota != nil {
		c.Quota = *rc.quota
	}
	if rc.period != nil {
		c.Period = int64(*rc.period)
	}
	if rc.memory != nil {
		c.Memory = *rc.memory
	}
	if len(rc.hugePages) > 0 {
		c.Huge = rc.hugePages
	}
	return c
}

// TestResourceConfigForPod ports the vectors of the kubelet's
// TestResourceConfigForPod (pkg/kubelet/cm/helpers_linux_test.go,
// v1.37.2), MemoryQoS off.
func TestResourceConfigForPod(t *testing.T) {
	const dq, tq = 100 * time.Millisecond, 5 * time.Millisecond
	noQoS := gates(GateMemoryQoS, false)
	dra := gates(GateDRANodeAllocatableResources, true)
	c1 := podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi")
	g := podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi")
	partial := []corev1.Container{podtest.Container("c1", "", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi"), podtest.Container("c2", "", "cpu=100m,memory=100Mi", "")}
	draC := podtest.Container("c", "", "cpu=1,memory=200Mi", "cpu=3,memory=500Mi")
	emptyPLR := func(p *corev1.Pod) {
		p.Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	}
	tests := []struct {
		name    string
		pod     *corev1.Pod
		enforce bool
		period  time.Duration
		profile func(*Profile)
		want    podCfg
	}{
		{"besteffort", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}), true, dq, nil, podCfg{2, unset, unset, unset, nil}},
		{"burstable-no-limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=100m,memory=100Mi", "")}), true, dq, nil, podCfg{102, unset, unset, unset, nil}},
		{"burstable-with-limits", mkPod("p", []corev1.Container{c1}), true, dq, nil, podCfg{102, 20000, 100000, mi(200), nil}},
		{"burstable-with-limits-no-cpu-enforcement", mkPod("p", []corev1.Container{c1}), false, dq, nil, podCfg{102, -1, 100000, mi(200), nil}},
		{"burstable-partial-limits", mkPod("p", partial), true, dq, nil, podCfg{204, unset, unset, unset, nil}},
		{"burstable-with-limits-with-tuned-quota", mkPod("p", []corev1.Container{c1}), true, tq, nil, podCfg{102, 1000, 5000, mi(200), nil}},
		{"burstable-with-limits-no-cpu-enforcement-with-tuned-quota", mkPod("p", []corev1.Container{c1}), false, tq, nil, podCfg{102, -1, 5000, mi(200), nil}},
		{"burstable-partial-limits-with-tuned-quota", mkPod("p", partial), true, tq, nil, podCfg{204, unset, unset, unset, nil}},
		{"guaranteed", mkPod("p", []corev1.Container{g}), true, dq, nil, podCfg{102, 10000, 100000, mi(100), nil}},
		{"guaranteed-no-cpu-enforcement", mkPod("p", []corev1.Container{g}), false, dq, nil, podCfg{102, -1, 100000, mi(100), nil}},
		{"guaranteed-with-tuned-quota", mkPod("p", []corev1.Container{g}), true, tq, nil, podCfg{102, 1000, 5000, mi(100), nil}},
		{"guaranteed-no-cpu-enforcement-with-tuned-quota", mkPod("p", []corev1.Container{g}), false, tq, nil, podCfg{102, -1, 5000, mi(100), nil}},
		{"burstable-partial-limits-with-init-containers", mkPod("p",
			[]corev1.Container{podtest.Container("c1", "", "cpu=100m,memory=100m", "cpu=100m,memory=100Mi"), podtest.Container("c2", "", "cpu=100m,memory=100m", "")},
			withInit(podtest.Container("i1", "", "cpu=100m,memory=100m", "cpu=100m,memory=100Mi"), podtest.Container("i2", "", "cpu=100m,memory=100m", ""))),
			true, tq, nil, podCfg{204, unset, unset, unset, nil}},
		{"besteffort-with-pod-level-resources-enabled", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, emptyPLR), true, dq, nil, podCfg{2, unset, unset, unset, nil}},
		{"burstable-with-pod-level-requests", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("cpu=100m,memory=100Mi", "")), true, dq, nil, podCfg{102, unset, unset, unset, nil}},
		{"burstable-with-pod-and-container-level-requests", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=10m,memory=50Mi", "")}, withPodLevel("cpu=100m,memory=100Mi", "")), true, dq, nil, podCfg{102, unset, unset, unset, nil}},
		{"burstable-with-pod-level-resources", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi")), true, dq, nil, podCfg{102, 20000, 100000, mi(200), nil}},
		{"burstable-with-pod-and-container-level-resources", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=10m,memory=50Mi", "cpu=50m,memory=100Mi")}, withPodLevel("cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi")), true, dq, nil, podCfg{102, 20000, 100000, mi(200), nil}},
		{"burstable-with-partial-pod-level-resources-limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=200m,memory=200Mi", "cpu=200m,memory=200Mi")}, withPodLevel("cpu=200m,memory=300Mi", "")), true, dq, nil, podCfg{204, 20000, 100000, mi(200), nil}},
		{"guaranteed-with-pod-level-resources", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi")), true, dq, nil, podCfg{102, 10000, 100000, mi(100), nil}},
		{"guaranteed-with-pod-and-container-level-resources", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=10m,memory=50Mi", "cpu=50m,memory=100Mi")}, withPodLevel("cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi")), true, dq, nil, podCfg{102, 10000, 100000, mi(100), nil}},
		{"guaranteed-pod-level-resources-with-init-containers", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=10m,memory=50Mi", "cpu=50m,memory=50Mi")}, withInit(podtest.Container("i", "", "cpu=10m,memory=50Mi", "cpu=50m,memory=50Mi")), withPodLevel("cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi")), true, dq, nil, podCfg{102, 10000, 100000, mi(100), nil}},
		{"burstable-with-dra-direct-claims", mkPod("p", []corev1.Container{draC}, withClaim([]string{"c"}, "cpu=2")), true, dq, dra, podCfg{3072, 500000, 100000, mi(500), nil}},
		{"burstable-with-dra-overhead-claims", mkPod("p", []corev1.Container{draC}, withClaim([]string{"c"}, "", [3]string{"memory", "300Mi", "100Mi"})), true, dq, dra, podCfg{1024, 300000, 100000, mi(900), nil}},
		{"burstable-with-dra-combined-mapping-and-overhead-claims", mkPod("p", []corev1.Container{draC}, withClaim([]string{"c"}, "cpu=2,memory=100Mi", [3]string{"cpu", "1", "1500m"}, [3]string{"memory", "300Mi", "100Mi"})), true, dq, dra, podCfg{5632, 750000, 100000, mi(1000), nil}},
		{"burstable-with-dra-feature-gate-disabled", mkPod("p", []corev1.Container{draC}, withClaim([]string{"c"}, "cpu=2")), true, dq, nil, podCfg{1024, 300000, 100000, mi(500), nil}},
		{"burstable-with-dra-hugepages-only", mkPod("p", []corev1.Container{draC}, withClaim([]string{"c"}, "hugepages-1Gi=2Gi")), true, dq, dra, podCfg{1024, 300000, 100000, mi(500), map[uint64]int64{1 << 30: 2 << 30}}},
		{"burstable-with-dra-and-pod-level-resources", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("cpu=4,memory=600Mi", "cpu=8,memory=900Mi"), withClaim([]string{"c"}, "cpu=2,memory=300Mi")), true, dq, dra, podCfg{4096, 800000, 100000, mi(900), nil}},
		{"burstable-with-multiple-dra-claims", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=100m,memory=200Mi", "cpu=300m,memory=500Mi")}, withClaim([]string{"c"}, "cpu=100m"), withClaim([]string{"c"}, "cpu=200m")), true, dq, dra, podCfg{409, 60000, 100000, mi(500), nil}},
		{"burstable-with-multiple-containers-referencing-overhead-claim", mkPod("p", []corev1.Container{podtest.Container("c1", "", "cpu=100m,memory=200Mi", "cpu=300m,memory=500Mi"), podtest.Container("c2", "", "cpu=200m,memory=300Mi", "cpu=400m,memory=600Mi")}, withClaim([]string{"c1", "c2"}, "", [3]string{"memory", "200Mi", "100Mi"})), true, dq, dra, podCfg{307, 70000, 100000, mi(1500), nil}},
		{"burstable-with-direct-claim-shared-by-two-containers", mkPod("p", []corev1.Container{podtest.Container("c1", "", "cpu=1,memory=200Mi", "cpu=3,memory=500Mi"), podtest.Container("c2", "", "cpu=2,memory=300Mi", "cpu=4,memory=600Mi")}, withClaim([]string{"c1", "c2"}, "cpu=2,memory=400Mi")), true, dq, dra, podCfg{5120, 900000, 100000, mi(1500), nil}},
		{"besteffort-with-dra-direct-claims", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withClaim([]string{"c"}, "cpu=2,memory=400Mi")), true, dq, dra, podCfg{2, unset, unset, unset, nil}},
		{"guaranteed-with-dra-direct-claims", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=300Mi", "cpu=1,memory=300Mi")}, withClaim([]string{"c"}, "cpu=2,memory=400Mi")), true, dq, dra, podCfg{3072, 300000, 100000, mi(700), nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, chain(noQoS, period(tt.period), tt.profile, func(p *Profile) { p.Kubelet.CPUCFSQuota = tt.enforce }))
			got := cfgOf(e.podConfig(e.newPodInfo(tt.pod)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestResourceConfigForPodWithEnforceMemoryQoS ports the Unified
// expectations of the kubelet test of the same name (TieredReservation).
func TestResourceConfigForPodWithEnforceMemoryQoS(t *testing.T) {
	tiered := func(p *Profile) { p.Kubelet.MemoryReservationPolicy = "TieredReservation" }
	tests := []struct {
		name string
		pod  *corev1.Pod
		want map[string]string
	}{
		{"besteffort", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}), nil},
		{"burstable-no-limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=100m,memory=100Mi", "")}), map[string]string{"memory.low": "104857600"}},
		{"burstable-with-limits", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi")}), map[string]string{"memory.low": "104857600"}},
		{"burstable-partial-limits", mkPod("p", []corev1.Container{podtest.Container("c1", "", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi"), podtest.Container("c2", "", "cpu=100m,memory=100Mi", "")}), map[string]string{"memory.low": "209715200"}},
		{"guaranteed", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi")}), map[string]string{"memory.min": "104857600"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, tiered)
			got := e.podConfig(e.newPodInfo(tt.pod)).unified
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestApplyPodLevelMemoryHigh ports the kubelet test of the same name
// (PLR on, factor 0.9, 4 KiB pages).
func TestApplyPodLevelMemoryHigh(t *testing.T) {
	factor := func(p *Profile) { p.Kubelet.MemoryThrottlingFactor = ptrTo(0.9) }
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"cpu-only pod limits, container without memory limit", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=200m", "cpu=200m")}, withPodLevel("", "cpu=2")), ""},
		{"pod-level memory", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=128Mi", "cpu=1,memory=256Mi")}, withPodLevel("cpu=1,memory=128Mi", "cpu=1,memory=256Mi")), "255012864"},
		{"pod-level memory with overhead", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=1,memory=128Mi", "cpu=1,memory=256Mi")}, withPodLevel("cpu=1,memory=128Mi", "cpu=1,memory=256Mi"), withOverhead("memory=64Mi")), "322121728"},
		{"cpu-only pod limits, one container unlimited", mkPod("p", []corev1.Container{podtest.Container("c1", "", "memory=128Mi", "memory=256Mi"), podtest.Container("c2", "", "", "")}, withPodLevel("", "cpu=2")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, factor)
			got := e.podConfig(e.newPodInfo(tt.pod)).unified["memory.high"]
			if got != tt.want {
				t.Errorf("memory.high = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDeclaredFlagsByVersion pins the ≤ 1.36 / 1.37 difference of
// ResourceConfigForPod (behaviour ownLimitsDeclared; checked by running
// both kubelet versions).
func TestDeclaredFlagsByVersion(t *testing.T) {
	pod := mkPod("p", []corev1.Container{podtest.Container("app", "", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi")},
		withInit(sidecar("side", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi"), podtest.Container("init", "", "cpu=100m,memory=100Mi", "")))
	for _, tt := range []struct {
		version string
		want    podCfg
	}{
		{"1.36", podCfg{204, 40000, 100000, mi(400), nil}},
		{"1.37", podCfg{204, unset, unset, unset, nil}},
	} {
		e := testEnv(t, func(p *Profile) { p.KubernetesVersion = tt.version })
		if diff := cmp.Diff(tt.want, cfgOf(e.podConfig(e.newPodInfo(pod)))); diff != "" {
			t.Errorf("%s (-want +got)\n%s", tt.version, diff)
		}
	}
}
