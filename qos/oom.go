package qos

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// OOM score adjustments the kubelet and runtimes use (pkg/kubelet/qos).
const (
	guaranteedOOMScoreAdj = -997
	besteffortOOMScoreAdj = 1000
	// SandboxOOMScoreAdj is what containerd and cri-dockerd give the pause
	// process.
	SandboxOOMScoreAdj = -998
)

// oomScoreAdj is GetContainerOOMScoreAdjust (pkg/kubelet/qos/policy.go,
// v1.37.2) with the release's
// behaviour: sidecar capping and the pod-level remainder from 1.32.
func (e *env) oomScoreAdj(pi *podInfo, c *corev1.Container) int {
	pod := pi.pod
	if isCritical(pod) && pod.Spec.PriorityClassName == "system-node-critical" {
		return guaranteedOOMScoreAdj
	}
	switch pi.class {
	case corev1.PodQOSGuaranteed:
		return guaranteedOOMScoreAdj
	case corev1.PodQOSBestEffort:
		return besteffortOOMScoreAdj
	}
	capacity := e.memCapacity
	req := e.effectiveMemoryRequest(pod, c)
	plr := e.plr && resourcehelper.IsPodLevelRequestsSet(pod)
	var remaining, score int64
	if plr {
		remaining = e.remainingPodMemoryPerContainer(pod)
		score = 1000 - (1000*(req+remaining))/capacity
	} else {
		score = 1000 - (1000*req)/capacity
	}
	if e.has(sidecarOOMScoreCap) && isSidecar(c) && isInitContainer(pod, c.Name) && len(pod.Spec.Containers) > 0 {
		minReq := e.effectiveMemoryRequest(pod, &pod.Spec.Containers[0])
		for i := 1; i < len(pod.Spec.Containers); i++ {
			minReq = min(minReq, e.effectiveMemoryRequest(pod, &pod.Spec.Containers[i]))
		}
		if plr {
			minReq += remaining
		}
		score = min(score, 1000-(1000*minReq)/capacity)
	}
	if score < 1000+guaranteedOOMScoreAdj {
		return 1000 + guaranteedOOMScoreAdj
	}
	if score == besteffortOOMScoreAdj {
		return int(score - 1)
	}
	return int(score)
}

func isInitContainer(pod *corev1.Pod, name string) bool {
	return slices.ContainsFunc(pod.Spec.InitContainers, func(c corev1.Container) bool { return c.Name == name })
}

// effectiveMemoryRequest is the container's memory request plus, with
// DRA, its share of the memory claims it uses.
func (e *env) effectiveMemoryRequest(pod *corev1.Pod, c *corev1.Container) int64 {
	req := c.Resources.Requests.Memory().Value()
	if !e.dra {
		return req
	}
	var share int64
	for _, cs := range pod.Status.NodeAllocatableResourceClaimStatuses {
		if !slices.Contains(cs.Containers, c.Name) {
			continue
		}
		n := int64(len(cs.Containers))
		for _, m := range cs.Mapping {
			if m.Name == corev1.ResourceMemory && m.Quantity != nil {
				share += m.Quantity.Value() / n
			}
		}
		for _, o := range cs.Overhead {
			if o.Name != corev1.ResourceMemory {
				continue
			}
			if o.PerPod != nil {
				share += o.PerPod.Value() / n
			}
			if o.PerContainer != nil {
				share += o.PerContainer.Value()
			}
		}
	}
	return req + share
}

// remainingPodMemoryPerContainer spreads the pod-level memory request not
// claimed by containers evenly over all init and app containers.
func (e *env) remainingPodMemoryPerContainer(pod *corev1.Pod) int64 {
	if pod.Spec.Resources.Requests.Memory().IsZero() {
		return 0
	}
	n := int64(len(pod.Spec.Containers) + len(pod.Spec.InitContainers))
	agg := resourcehelper.AggregateContainerRequests(pod, resourcehelper.PodResourcesOptions{UseDRANodeAllocatableResourceClaimStatus: e.dra})
	rem := max(pod.Spec.Resources.Requests.Memory().Value()-agg.Memory().Value(), 0)
	return rem / n
}
