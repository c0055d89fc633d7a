package qos

import (
	"fmt"
	"maps"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// DefaultPod applies, in place, the API server's defaulting of resources
// that a plain manifest has not been through yet (pkg/apis/core/v1/defaults.go
// and pkg/api/pod/util.go, v1.37.2), for the
// profile's version and gates:
//
//   - SetDefaults_Pod: every init and app container resource with a limit
//     but no request gets request = limit;
//   - pod-level defaulting (DefaultPodLevelResources, gate
//     PodLevelResourcesFixDefaulting, 1.37), only when spec.resources holds
//     a request or limit: missing pod-level hugepage limits from the
//     container limits, missing cpu/memory requests from the container
//     aggregate, requests from limits, and limits = max(request, container
//     limits) when every container has a limit. Older releases with
//     PodLevelResources on default requests and hugepage limits only.
//
// Static pods (annotation kubernetes.io/config.source other than "api")
// get no pod-level defaulting, as the kubelet reads them from files.
// Pods as an API server stored them must not go through it again: one
// stored by an older release keeps the spec it was stored with (say
// pod-level requests without pod-level limits), and that is what the
// kubelet runs; [Defaulting] says which pods Check defaults.
func (p Profile) DefaultPod(pod *corev1.Pod) error {
	e, err := resolve(p)
	if err != nil {
		return err
	}
	e.defaultPod(pod)
	return nil
}

// DefaultPods applies DefaultPod to each pod that d says gets the API
// server's defaulting (Defaulting.Applies; fromAPIServer says the pods
// were read from the API server or the kubelet's /pods), in place.
func (p Profile) DefaultPods(pods []*corev1.Pod, d Defaulting, fromAPIServer bool) error {
	if _, err := ParseDefaulting(string(d)); err != nil {
		return err
	}
	var e *env
	for _, pod := range pods {
		if !d.Applies(pod, fromAPIServer) {
			continue
		}
		if e == nil {
			var err error
			if e, err = resolve(p); err != nil {
				return err
			}
		}
		e.defaultPod(pod)
	}
	return nil
}

// Defaulting says which pods get the API server's resource defaulting
// ([Profile.DefaultPod]) before their cgroups are predicted.
type Defaulting string

// The defaulting rules.
const (
	// DefaultingAuto (the zero value also means it) defaults only pods
	// that have not been through an API server: plain manifests and
	// static pods as the kubelet reads them from files. Pods read from
	// the API server or the kubelet's /pods, and pods that carry what only
	// the API server writes (metadata.creationTimestamp or a status), are
	// taken as stored.
	DefaultingAuto Defaulting = "auto"
	// DefaultingAlways defaults every pod, as the v1.37 API server would
	// on creating it now.
	DefaultingAlways Defaulting = "always"
	// DefaultingNever defaults no pod: every pod is taken as stored.
	DefaultingNever Defaulting = "never"
)

// ParseDefaulting parses "auto", "always" or "never" ("" is auto).
func ParseDefaulting(s string) (Defaulting, error) {
	switch d := Defaulting(s); d {
	case "", DefaultingAuto:
		return DefaultingAuto, nil
	case DefaultingAlways, DefaultingNever:
		return d, nil
	}
	return "", fmt.Errorf("defaulting %q: want auto, always or never", s)
}

// Applies reports whether a pod gets the API server's defaulting under
// d. fromAPIServer says the caller read the pod from the API server or
// the kubelet's /pods.
func (d Defaulting) Applies(pod *corev1.Pod, fromAPIServer bool) bool {
	switch d {
	case DefaultingAlways:
		return true
	case DefaultingNever:
		return false
	}
	return !fromAPIServer && !StoredByAPIServer(pod)
}

// StoredByAPIServer reports whether a pod carries what only an API server
// writes: metadata.creationTimestamp or a status.
func StoredByAPIServer(pod *corev1.Pod) bool {
	return !pod.CreationTimestamp.IsZero() || !reflect.ValueOf(pod.Status).IsZero()
}

func (e *env) defaultPod(pod *corev1.Pod) {
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			r := &list[i].Resources
			if r.Limits == nil {
				continue
			}
			if r.Requests == nil {
				r.Requests = corev1.ResourceList{}
			}
			for k, v := range r.Limits {
				if _, ok := r.Requests[k]; !ok {
					r.Requests[k] = v.DeepCopy()
				}
			}
		}
	}
	if src, ok := pod.Annotations["kubernetes.io/config.source"]; ok && src != "api" {
		return
	}
	if !e.plr || pod.Spec.Resources == nil || len(pod.Spec.Resources.Requests)+len(pod.Spec.Resources.Limits) == 0 {
		return
	}
	res := pod.Spec.Resources
	ctrs := &corev1.Pod{Spec: corev1.PodSpec{Containers: pod.Spec.Containers, InitContainers: pod.Spec.InitContainers}}

	// Hugepage limits from the container limits.
	aggLim := resourcehelper.AggregateContainerLimits(ctrs, resourcehelper.PodResourcesOptions{})
	if res.Limits == nil {
		res.Limits = corev1.ResourceList{}
	}
	for k, q := range aggLim {
		if !isHugePages(k) {
			continue
		}
		if _, ok := res.Requests[k]; ok {
			continue
		}
		if _, ok := res.Limits[k]; !ok {
			res.Limits[k] = q.DeepCopy()
		}
	}
	// Requests from the container aggregate (cpu and memory), then from
	// the pod-level limits.
	if res.Requests == nil {
		res.Requests = corev1.ResourceList{}
	}
	aggReq := resourcehelper.AggregateContainerRequests(ctrs, resourcehelper.PodResourcesOptions{})
	for _, k := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := aggReq[k]; ok {
			if _, set := res.Requests[k]; !set {
				res.Requests[k] = q.DeepCopy()
			}
		}
	}
	for k, q := range res.Limits {
		if _, ok := res.Requests[k]; !ok && resourcehelper.IsSupportedPodLevelResource(k) {
			res.Requests[k] = q.DeepCopy()
		}
	}
	// Limits from container limits when every container has one (1.37).
	if e.plrFixDefaulting {
		for k, req := range maps.Clone(res.Requests) {
			if !resourcehelper.IsSupportedPodLevelResource(k) {
				continue
			}
			if _, ok := res.Limits[k]; ok {
				continue
			}
			all := true
			for _, c := range allContainers(pod) {
				if _, ok := c.Resources.Limits[k]; !ok {
					all = false
				}
			}
			agg, ok := aggLim[k]
			if !all || !ok {
				continue
			}
			if req.Cmp(agg) > 0 {
				agg = req
			}
			res.Limits[k] = agg.DeepCopy()
		}
	}
	if len(res.Limits) == 0 {
		res.Limits = nil
	}
	if len(res.Requests) == 0 {
		res.Requests = nil
	}
}
