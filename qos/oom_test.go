package qos

import (
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestGetContainerOOMScoreAdjust ports the vectors of the kubelet test of
// the same name (pkg/kubelet/qos/policy_test.go, v1.37.2). Pods are not
// defaulted, as in the kubelet test. Where the kubelet test accepts a range
// the exact value is pinned.
func TestGetContainerOOMScoreAdjust(t *testing.T) {
	dra := gates(GateDRANodeAllocatableResources, true)
	critical := func(class string) podOpt {
		return func(p *corev1.Pod) {
			p.Spec.Priority = ptrTo(int32(2000000000))
			p.Spec.PriorityClassName = class
		}
	}
	oneG := "memory=1000000000"
	oneGLim := "memory=1000001000"
	tests := []struct {
		name     string
		pod      *corev1.Pod
		capacity int64
		profile  func(*Profile)
		want     map[string]int
	}{
		{"cpu limit only", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "cpu=10")}), 4000000000, nil, map[string]int{"c": 999}},
		{"zero cpu request, memory limit", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=0", "memory=10G")}), 8000000000, nil, map[string]int{"c": 999}},
		{"memory limit 0 only", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "memory=0")}), 7230457451, nil, map[string]int{"c": 1000}},
		{"no resources", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}), 4000000000, nil, map[string]int{"c": 1000}},
		{"guaranteed", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=5m,memory=10G", "cpu=5m,memory=10G")}), 123456789, nil, map[string]int{"c": -997}},
		{"burstable half", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=5m,memory=4000000000", "memory=10G")}), 8000000000, nil, map[string]int{"c": 500}},
		{"burstable clamped", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=7999999999", "")}), 8000000000, nil, map[string]int{"c": 3}},
		{"cluster critical besteffort", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, critical("system-cluster-critical")), 4000000000, nil, map[string]int{"c": 1000}},
		{"node critical", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, critical("system-node-critical")), 4000000000, nil, map[string]int{"c": -997}},
		{"one container", mkPod("p", []corev1.Container{podtest.Container("c", "", oneG, oneGLim)}), 8000000000, nil, map[string]int{"c": 875}},
		{"init and app", mkPod("p", []corev1.Container{podtest.Container("c", "", oneG, oneGLim)}, withInit(podtest.Container("i", "", oneG, oneGLim))), 8000000000, nil, map[string]int{"c": 875, "i": 875}},
		{"small sidecar", mkPod("p", []corev1.Container{podtest.Container("c", "", oneG, oneGLim)}, withInit(podtest.Container("i", "", oneG, oneGLim), sidecar("s", "memory=400000000", "memory=400001000"))), 8000000000, nil, map[string]int{"c": 875, "i": 875, "s": 875}},
		{"equal sidecar", mkPod("p", []corev1.Container{podtest.Container("c", "", oneG, oneGLim)}, withInit(podtest.Container("i", "", oneG, oneGLim), sidecar("s", oneG, oneGLim))), 8000000000, nil, map[string]int{"c": 875, "i": 875, "s": 875}},
		{"big sidecar", mkPod("p", []corev1.Container{podtest.Container("c", "", oneG, oneGLim)}, withInit(podtest.Container("i", "", oneG, oneGLim), sidecar("s", "memory=4000000000", "memory=4000001000"))), 8000000000, nil, map[string]int{"c": 875, "i": 875, "s": 500}},
		{"PLR guaranteed, containers without resources", mkPod("p", []corev1.Container{podtest.Container("a", "", "", ""), podtest.Container("b", "", "", "")}, withPodLevel("cpu=5m,memory=2000000000", "cpu=5m,memory=2000000000")), 4000000000, nil, map[string]int{"a": -997, "b": -997}},
		{"PLR guaranteed, mixed containers", mkPod("p", []corev1.Container{podtest.Container("a", "", "cpu=1m,memory=1000", "cpu=1m,memory=1000"), podtest.Container("b", "", "memory=1000", "")}, withPodLevel("cpu=5m,memory=2000000000", "cpu=5m,memory=2000000000")), 4000000000, nil, map[string]int{"a": -997, "b": -997}},
		{"PLR spread", mkPod("p", []corev1.Container{podtest.Container("a", "", "", ""), podtest.Container("b", "", "", "")}, withPodLevel("memory=2000000000", "memory=2000001000")), 4000000000, nil, map[string]int{"a": 750, "b": 750}},
		{"PLR containers 1e9", mkPod("p", []corev1.Container{podtest.Container("a", "", oneG, ""), podtest.Container("b", "", oneG, "")}, withPodLevel("memory=2000000000", "memory=2000001000")), 4000000000, nil, map[string]int{"a": 750, "b": 750}},
		{"PLR 1e9 and none", mkPod("p", []corev1.Container{podtest.Container("a", "", oneG, ""), podtest.Container("b", "", "", "")}, withPodLevel("memory=2000000000", "memory=2000001000")), 4000000000, nil, map[string]int{"a": 625, "b": 875}},
		{"PLR app and sidecar none", mkPod("p", []corev1.Container{podtest.Container("a", "", "", "")}, withInit(sidecar("s", "", "")), withPodLevel("memory=2000000000", "memory=2000001000")), 4000000000, nil, map[string]int{"a": 750, "s": 750}},
		{"PLR app and sidecar 1e9", mkPod("p", []corev1.Container{podtest.Container("a", "", oneG, "")}, withInit(sidecar("s", oneG, "")), withPodLevel("memory=2000000000", "memory=2000001000")), 4000000000, nil, map[string]int{"a": 750, "s": 750}},
		{"PLR two apps and small sidecar", mkPod("p", []corev1.Container{podtest.Container("a", "", oneG, ""), podtest.Container("b", "", "memory=500000000", "")}, withInit(sidecar("s", "memory=200000000", "")), withPodLevel("memory=2000000000", "memory=2000001000")), 4000000000, nil, map[string]int{"a": 725, "b": 850, "s": 850}},
		{"DRA off", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=500Mi", "")}, withClaim([]string{"c"}, "", [3]string{"memory", "", "500Mi"})), 4000000000, nil, map[string]int{"c": 869}},
		{"DRA on", mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=500Mi", "")}, withClaim([]string{"c"}, "", [3]string{"memory", "", "500Mi"})), 4000000000, dra, map[string]int{"c": 738}},
		{"DRA shared perPod", mkPod("p", []corev1.Container{podtest.Container("c1", "", "memory=500Mi", ""), podtest.Container("c2", "", "memory=500Mi", "")}, withClaim([]string{"c1", "c2"}, "", [3]string{"memory", "1000Mi", ""})), 4000000000, dra, map[string]int{"c1": 738, "c2": 738}},
		{"PLR + DRA perContainer", mkPod("p", []corev1.Container{podtest.Container("c1", "", "memory=1Gi", "")}, withPodLevel("memory=5Gi", ""), withClaim([]string{"c1"}, "", [3]string{"memory", "", "2Gi"})), 8000000000, dra, map[string]int{"c1": 329}},
		{"PLR + DRA perPod shared", mkPod("p", []corev1.Container{podtest.Container("c1", "", "memory=1Gi", ""), podtest.Container("c2", "", "memory=1Gi", "")}, withPodLevel("memory=6Gi", ""), withClaim([]string{"c1", "c2"}, "", [3]string{"memory", "2Gi", ""})), 8000000000, dra, map[string]int{"c1": 598, "c2": 598}},
		{"DRA mapping", mkPod("p", []corev1.Container{podtest.Container("c1", "", "memory=500Mi", "")}, withClaim([]string{"c1"}, "memory=500Mi")), 4000000000, dra, map[string]int{"c1": 738}},
		{"DRA mapping and overhead", mkPod("p", []corev1.Container{podtest.Container("c1", "", "memory=500Mi", "")}, withClaim([]string{"c1"}, "memory=500Mi", [3]string{"memory", "200Mi", "300Mi"})), 4000000000, dra, map[string]int{"c1": 607}},
		{"DRA sidecar capped", mkPod("p", []corev1.Container{podtest.Container("c1", "", "memory=500Mi", "")}, withInit(sidecar("s", "memory=200Mi", "")), withClaim([]string{"c1"}, "", [3]string{"memory", "", "500Mi"})), 4000000000, dra, map[string]int{"c1": 738, "s": 738}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t, chain(tt.profile, func(p *Profile) {
				p.Machine.Capacity[corev1.ResourceMemory] = *resource.NewQuantity(tt.capacity, resource.DecimalSI)
			}))
			pi := e.newPodInfo(tt.pod)
			got := map[string]int{}
			for _, c := range allContainers(pi.pod) {
				got[c.Name] = e.oomScoreAdj(pi, c)
			}
			for name, want := range tt.want {
				if got[name] != want {
					t.Errorf("%s: %d, want %d", name, got[name], want)
				}
			}
		})
	}
}

// TestOOMSidecarCappingByVersion: sidecar capping exists from 1.32.
func TestOOMSidecarCappingByVersion(t *testing.T) {
	pod := mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=1000000000", "memory=1000001000")}, withInit(sidecar("s", "memory=4000000000", "memory=4000001000")))
	for v, want := range map[string]int{"1.31": 500, "1.32": 500, "1.37": 500} {
		_ = want
		e := testEnv(t, func(p *Profile) {
			p.KubernetesVersion = v
			p.Machine.Capacity[corev1.ResourceMemory] = *resource.NewQuantity(8000000000, resource.DecimalSI)
		})
		pi := e.newPodInfo(pod)
		if got := e.oomScoreAdj(pi, &pi.pod.Spec.InitContainers[0]); got != 500 {
			t.Errorf("%s: big sidecar %d, want 500", v, got)
		}
	}
	small := mkPod("p", []corev1.Container{podtest.Container("c", "", "memory=1000000000", "memory=1000001000")}, withInit(sidecar("s", "memory=400000000", "memory=400001000")))
	for v, want := range map[string]int{"1.31": 950, "1.32": 875} {
		e := testEnv(t, func(p *Profile) {
			p.KubernetesVersion = v
			p.Machine.Capacity[corev1.ResourceMemory] = *resource.NewQuantity(8000000000, resource.DecimalSI)
		})
		pi := e.newPodInfo(small)
		if got := e.oomScoreAdj(pi, &pi.pod.Spec.InitContainers[0]); got != want {
			t.Errorf("%s: small sidecar %d, want %d", v, got, want)
		}
	}
}
