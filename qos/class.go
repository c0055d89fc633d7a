package qos

import (
	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// ClassOptions selects the QoS algorithm of a kubelet release.
type ClassOptions struct {
	// PodLevelResources is the PodLevelResources feature gate: when on, a
	// pod-level resources stanza decides the class alone.
	PodLevelResources bool
	// FixKubeletQOSClass is the PodLevelResourcesFixKubeletQOSClass gate
	// (1.37): a pod-level stanza without any cpu, memory or hugepages key
	// falls back to the containers instead of meaning BestEffort.
	FixKubeletQOSClass bool
	// IgnoreStatus computes the class even when status.qosClass is set.
	IgnoreStatus bool
}

// ClassOptions returns the QoS algorithm options of the profile's
// version and gates.
func (p Profile) ClassOptions() (ClassOptions, error) {
	e, err := resolve(p)
	if err != nil {
		return ClassOptions{}, err
	}
	return e.classOptions(), nil
}

func (e *env) classOptions() ClassOptions {
	return ClassOptions{PodLevelResources: e.plr, FixKubeletQOSClass: e.plrFixQOS}
}

// QOSClass returns the pod's QoS class as the kubelet decides it
// (GetPodQOS in pkg/apis/core/v1/helper/qos/qos.go, v1.37.2): status.qosClass
// when set (the API server computes it once, at creation), otherwise
// computed from cpu and memory only. Ephemeral containers, hugepages,
// ephemeral-storage and extended resources never count; init containers
// do. With pod-level resources the pod-level stanza decides alone.
func QOSClass(pod *corev1.Pod, opts ClassOptions) corev1.PodQOSClass {
	if pod.Status.QOSClass != "" && !opts.IgnoreStatus {
		return pod.Status.QOSClass
	}
	if opts.PodLevelResources && pod.Spec.Resources != nil &&
		(!opts.FixKubeletQOSClass || resourcehelper.IsPodLevelResourcesSet(pod)) {
		return requirementsClass(pod.Spec.Resources)
	}
	var class corev1.PodQOSClass
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			c := requirementsClass(&list[i].Resources)
			switch {
			case c == corev1.PodQOSBurstable:
				return c
			case class == "":
				class = c
			case class != c:
				return corev1.PodQOSBurstable
			}
		}
	}
	if class == "" {
		return corev1.PodQOSBestEffort
	}
	return class
}

// requirementsClass is the class of one requirements block: both maps
// empty is BestEffort; otherwise cpu and memory are compared separately.
func requirementsClass(r *corev1.ResourceRequirements) corev1.PodQOSClass {
	if len(r.Requests) == 0 && len(r.Limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	var class corev1.PodQOSClass
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := r.Requests[name], r.Limits[name]
		var c corev1.PodQOSClass
		switch {
		case !req.Equal(lim):
			return corev1.PodQOSBurstable
		case req.IsZero():
			c = corev1.PodQOSBestEffort
		default:
			c = corev1.PodQOSGuaranteed
		}
		if class == "" {
			class = c
		} else if class != c {
			return corev1.PodQOSBurstable
		}
	}
	return class
}
