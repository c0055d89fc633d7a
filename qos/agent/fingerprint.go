package agent

import (
	"encoding/json"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podInputs is what qos.Expect reads of a pod: a pod whose inputs are
// unchanged keeps its expectation. Status updates outside it (readiness,
// restart counts, probe times) change nothing the kubelet writes.
type podInputs struct {
	UID        types.UID
	Mirror     string
	Source     string
	Spec       *corev1.PodSpec
	QOSClass   corev1.PodQOSClass
	Phase      corev1.PodPhase
	StartTime  *metav1.Time
	Created    metav1.Time
	Containers []containerInputs
	Resize     []corev1.PodCondition
	// Pod-level allocated and applied resources, DRA claims.
	Allocated corev1.ResourceList
	Applied   *corev1.ResourceRequirements
	Claims    []corev1.NodeAllocatableResourceClaimStatus
}

// containerInputs is what the expectation reads of a container's status:
// its ID (which names its cgroup), its allocated resources and the
// resources the runtime reports as applied.
type containerInputs struct {
	Name        string
	ContainerID string
	Allocated   corev1.ResourceList
	Resources   *corev1.ResourceRequirements
	Running     bool
}

// fingerprint hashes a pod's inputs (FNV-64a of their JSON).
func fingerprint(p *corev1.Pod) uint64 {
	in := podInputs{
		UID: p.UID, Mirror: p.Annotations[corev1.MirrorPodAnnotationKey], Source: p.Annotations["kubernetes.io/config.source"], Spec: &p.Spec,
		QOSClass: p.Status.QOSClass, Phase: p.Status.Phase, StartTime: p.Status.StartTime,
		Created: p.CreationTimestamp, Allocated: p.Status.AllocatedResources,
		Applied: p.Status.Resources, Claims: p.Status.NodeAllocatableResourceClaimStatuses,
	}
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			in.Containers = append(in.Containers, containerInputs{
				Name: cs.Name, ContainerID: cs.ContainerID, Allocated: cs.AllocatedResources,
				Resources: cs.Resources, Running: cs.State.Running != nil,
			})
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodResizePending || c.Type == corev1.PodResizeInProgress {
			c.LastProbeTime, c.LastTransitionTime = metav1.Time{}, metav1.Time{}
			in.Resize = append(in.Resize, c)
		}
	}
	b, err := json.Marshal(in)
	if err != nil {
		// Not reachable for API types; a distinct value keeps the pod
		// "changed" rather than silently equal.
		return 0
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}
