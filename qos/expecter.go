package qos

import (
	"encoding/json"
	"fmt"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// An Expecter computes the expectation of one node's pods under one
// profile, again and again as the pods change, and keeps each pod's
// part: a pod whose inputs (see [SameInputs]) are those it had at the
// previous call is not computed again. The node levels, which sum every
// pod, are. Each result is the one [Expect] gives for the same pods and
// profile, and is the caller's own.
//
// A node agent holds one Expecter per resolved profile and calls Expect
// after pod changes. An Expecter is not safe for concurrent use.
type Expecter struct {
	e *env
	// alt is the profile with MemoryQoS off (v2 with MemoryQoS on): what
	// the files read with the gate off, explained.
	alt *env
	// otherCPU is the profile with the other CPU manager policy (1.33+:
	// exclusive CPUs drop the quota).
	otherCPU *env
	// keep keeps each pod's part for the next call.
	keep bool
	// share lets cgroups computed from equal inputs share file maps
	// while the expectation is computed.
	share bool
	pods  map[types.UID]*podEntry
	stats ExpecterStats
}

// podEntry is one pod's part of an expectation: as computed, before the
// node-wide merges.
type podEntry struct {
	key  uint64 // inputsKey of the pod
	pe   PodExpectation
	info *podInfo
	// alt are the pod's cgroups with MemoryQoS off; altFailed says they
	// could not be computed.
	alt       []ExpectedCgroup
	altFailed bool
}

// ExpecterStats counts the pods an Expecter computed and those whose
// part it reused, over all its calls.
type ExpecterStats struct {
	// Computed is the number of pods computed.
	Computed int64
	// Reused is the number of pods whose part was kept from the
	// previous call.
	Reused int64
}

// NewExpecter resolves profile p (errors as Expect's) for Expect calls.
func NewExpecter(p Profile) (*Expecter, error) {
	e, err := resolve(p)
	if err != nil {
		return nil, err
	}
	return newExpecter(e)
}

func newExpecter(e *env) (*Expecter, error) {
	ex := &Expecter{e: e, keep: true, share: true}
	if e.v2 && e.memoryQoS {
		alt, err := e.variant(withoutMemoryQoS)
		if err != nil {
			return nil, fmt.Errorf("the profile with MemoryQoS off: %w", err)
		}
		ex.alt = alt
	}
	if e.disableQuotaExclusive {
		other, err := e.variant(withOtherCPUPolicy)
		if err != nil {
			return nil, fmt.Errorf("the profile with the other CPU manager policy: %w", err)
		}
		ex.otherCPU = other
	}
	return ex, nil
}

// Expect computes the expectation of pods, as [Expect] does, computing
// only the pods whose inputs changed since the previous call (or that
// it did not have). The pods are not modified.
func (ex *Expecter) Expect(pods []*corev1.Pod) (*Expectation, error) {
	x, err := ex.compute(pods)
	if err != nil {
		return nil, err
	}
	x.own()
	return x, nil
}

// Stats returns the pods computed and reused so far.
func (ex *Expecter) Stats() ExpecterStats { return ex.stats }

// SameInputs reports whether the expectation reads the same of pods a
// and b: their UID, name, spec, QoS class, phase, start and creation
// times, mirror and source annotations, their containers' IDs,
// allocated and actual resources and whether they run, their resize
// conditions (without their times), and the pod-level allocated and
// actual resources and DRA claims. Status updates outside these
// (readiness, restart counts, probe times) change no cgroup.
func SameInputs(a, b *corev1.Pod) bool {
	ka, kb := inputsKey(a), inputsKey(b)
	return ka != 0 && ka == kb
}

// podInputs is what the expectation reads of a pod.
type podInputs struct {
	UID        types.UID
	Namespace  string
	Name       string
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

// inputsKey hashes a pod's inputs (FNV-64a of their JSON, never 0); 0
// when they cannot be encoded.
func inputsKey(p *corev1.Pod) uint64 {
	in := podInputs{
		UID: p.UID, Namespace: p.Namespace, Name: p.Name,
		Mirror: p.Annotations[corev1.MirrorPodAnnotationKey], Source: p.Annotations["kubernetes.io/config.source"], Spec: &p.Spec,
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
		// Not reachable for API types; 0 is never equal to anything, so
		// the pod counts as changed rather than silently the same.
		return 0
	}
	h := fnv.New64a()
	h.Write(b)
	return max(h.Sum64(), 1)
}
