package qos

import (
	"slices"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// APIVersion (cgroupfs.APIVersion) and Kind of the Expectation document
// (the JSON contract of `kubectl-cgroups expect -o json`).
const (
	APIVersion      = cgroupfs.APIVersion
	KindExpectation = "Expectation"
)

// Expectation is what a node's cgroups should hold for a set of pods:
// the node levels (kubepods and the QoS tiers) and, per pod, the pod,
// sandbox and container cgroups. Its JSON form is a stable contract
// (README, "Output contract: expect -o json"): keys and lists are sorted
// deterministically.
type Expectation struct {
	// APIVersion is "kubecgroups.io/v1alpha1".
	APIVersion string `json:"apiVersion"`
	// Kind is "Expectation".
	Kind string `json:"kind"`
	// Profile is the node profile the values were computed for, with the
	// feature gates resolved for its version.
	Profile Profile `json:"profile"`
	// Node holds kubepods, then the burstable and besteffort tiers. It is
	// empty when cgroupsPerQOS is false.
	Node []ExpectedCgroup `json:"node"`
	// Pods are sorted by namespace, name and UID.
	Pods []PodExpectation `json:"pods"`
	// Notes are remarks about the profile as a whole.
	Notes []Note `json:"notes,omitempty"`
}

// ContainerType tells the kind of container a container-level cgroup
// belongs to.
type ContainerType string

// The container types.
const (
	ContainerApp     ContainerType = "app"
	ContainerInit    ContainerType = "init"
	ContainerSidecar ContainerType = "sidecar"
	ContainerSandbox ContainerType = "sandbox"
)

// ExpectedCgroup is one cgroup and the value of every file the kubelet or
// the runtime decides, including files left at the kernel default.
type ExpectedCgroup struct {
	// Level is where the cgroup sits in the hierarchy.
	Level cgroupfs.Level `json:"level"`
	// Container is the container name; empty for node levels, the pod and
	// the sandbox.
	Container string `json:"container,omitempty"`
	// ContainerType is the kind of container of a container-level cgroup.
	ContainerType ContainerType `json:"containerType,omitempty"`
	// ContainerID is the bare container ID when the pod status has it.
	ContainerID string `json:"containerID,omitempty"`
	// Path is the cgroup's path within its hierarchy ("/kubepods/burstable/
	// pod<uid>/<id>"); the same string for every v1 controller. Unknown IDs
	// appear as "<name>" placeholders, an unknown pod UID as "<uid>".
	Path string `json:"path"`
	// Files maps file names of the profile's cgroup version to values.
	// Each cgroup of an Expectation that Expect returns has its own map
	// and slices.
	Files map[string]ExpectedFile `json:"files"`
	// Optional marks a cgroup that may legitimately be absent: regular
	// init containers once they finished, CRI-O's sandbox when it drops
	// the infra container.
	Optional bool `json:"optional,omitempty"`
	// Notes are remarks about this cgroup that are not one file's value,
	// such as an unpredictable cpuset.
	Notes []Note `json:"notes,omitempty"`
}

// ExpectedFile is the expected value of one cgroup file.
type ExpectedFile struct {
	// Accept lists every value the stack can produce, as the file reads
	// (without the trailing newline); more than one only where the stack
	// is genuinely ambiguous (unknown weight formula, systemd quota
	// rounding).
	Accept []string `json:"accept"`
	// Derivation explains the value in one line.
	Derivation string `json:"derivation"`
	// Explained lists values outside Accept (or inside it) with a known,
	// harmless cause.
	Explained []ExplainedValue `json:"explained,omitempty"`
	// Shares is, for cpu.weight files, the cpu.shares the weight came from.
	Shares uint64 `json:"shares,omitempty"`
}

// ExplainedValue is a value a file may read for a known reason.
type ExplainedValue struct {
	// Values are the values this explanation covers.
	Values []string `json:"values"`
	// Reason is one of the Reason* codes.
	Reason Reason `json:"reason"`
	// Message tells an operator what the value means and what to do.
	Message string `json:"message"`
	// Shares is, for cpu.weight files, the cpu.shares the alternative
	// weights came from, so that a diff can convert them with the
	// formula the node's runtime really uses.
	Shares uint64 `json:"shares,omitempty"`
}

// PodExpectation holds one pod's cgroups and process attributes.
type PodExpectation struct {
	// Namespace and Name identify the pod.
	Namespace string `json:"namespace"`
	// Name: see Namespace.
	Name string `json:"name"`
	// UID is metadata.uid, which names the pod cgroup.
	UID string `json:"uid"`
	// QOSClass is the pod's QoS class as the kubelet decides it.
	QOSClass corev1.PodQOSClass `json:"qosClass"`
	// Cgroups are the pod cgroup, the sandbox and every container's
	// cgroup, in that order (init and sidecar containers before app
	// containers).
	Cgroups []ExpectedCgroup `json:"cgroups"`
	// OOMScoreAdj maps container names to the oom_score_adj the runtime
	// writes for their processes (a process attribute, not a cgroup file;
	// the pause process gets -998).
	OOMScoreAdj map[string]int `json:"oomScoreAdj"`
	// Resize is the state of an in-place resize.
	Resize ResizeState `json:"resize"`
	// Tier is the pod's contribution to the QoS-tier values, which the
	// kubelet refreshes once a minute and before each new pod.
	Tier TierContribution `json:"tier"`
	// CreationTimestamp and StartTime come from the pod object; a tier
	// value that lags a recently started pod is "qos-tier-lag".
	CreationTimestamp *metav1.Time `json:"creationTimestamp,omitempty"`
	// StartTime: see CreationTimestamp.
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// Notes are remarks about the pod that are not one file's value.
	Notes []Note `json:"notes,omitempty"`
}

// ResizeState is the in-place resize state of a pod.
type ResizeState struct {
	// State is "none", "pending", "in-progress" or "pending,in-progress".
	State ResizeStatus `json:"state"`
	// Reason and Message come from the PodResizePending or
	// PodResizeInProgress condition ("Deferred", "Infeasible", "Error").
	Reason string `json:"reason,omitempty"`
	// Message: see Reason.
	Message string `json:"message,omitempty"`
}

// ResizeStatus says whether a pod's in-place resize is pending (the
// PodResizePending condition, or an allocation that differs from the spec)
// and whether it is in progress (the PodResizeInProgress condition). It is
// one of the four constants; the empty value means "not computed" and
// counts as none.
type ResizeStatus string

const (
	// ResizeNone: no resize is pending or in progress.
	ResizeNone ResizeStatus = "none"
	// ResizePending: a resize waits for the kubelet to admit it.
	ResizePending ResizeStatus = "pending"
	// ResizeInProgress: an admitted resize is not yet actuated.
	ResizeInProgress ResizeStatus = "in-progress"
	// ResizePendingInProgress: a resize is in progress and a further one
	// is pending.
	ResizePendingInProgress ResizeStatus = "pending,in-progress"
)

// resizeStatus is the ResizeStatus for the given pending and in-progress
// states.
func resizeStatus(pending, inProgress bool) ResizeStatus {
	switch {
	case pending && inProgress:
		return ResizePendingInProgress
	case pending:
		return ResizePending
	case inProgress:
		return ResizeInProgress
	}
	return ResizeNone
}

// Active reports whether a resize is pending or in progress.
func (s ResizeStatus) Active() bool { return s != "" && s != ResizeNone }

// Pending reports whether a resize is pending.
func (s ResizeStatus) Pending() bool { return s == ResizePending || s == ResizePendingInProgress }

// InProgress reports whether a resize is in progress.
func (s ResizeStatus) InProgress() bool {
	return s == ResizeInProgress || s == ResizePendingInProgress
}

// TierContribution is what one pod adds to the node-level values.
type TierContribution struct {
	// CPUMilli is the pod's CPU request in milli-CPU as the burstable tier
	// sums it (overhead and pod-level values included); only Burstable pods
	// contribute.
	CPUMilli int64 `json:"cpuMilli"`
	// MemoryBytes is the pod's memory request as the MemoryQoS and
	// QOSReserved sums count it (Guaranteed and Burstable pods).
	MemoryBytes int64 `json:"memoryBytes"`
	// Active is false for pods in a terminal phase, which no tier counts.
	Active bool `json:"active"`
}

// Cgroup returns the pod's cgroup of the given level and container name
// (empty for the pod and the sandbox), or nil.
func (p *PodExpectation) Cgroup(level cgroupfs.Level, t ContainerType, container string) *ExpectedCgroup {
	for i := range p.Cgroups {
		c := &p.Cgroups[i]
		if c.Level == level && c.Container == container && (t == "" || c.ContainerType == t) {
			return c
		}
	}
	return nil
}

// NodeCgroup returns the node-level cgroup of the given level, or nil.
func (x *Expectation) NodeCgroup(level cgroupfs.Level) *ExpectedCgroup {
	for i := range x.Node {
		if x.Node[i].Level == level {
			return &x.Node[i]
		}
	}
	return nil
}

// Pod returns the expectation of the pod with the given UID, or nil.
func (x *Expectation) Pod(uid string) *PodExpectation {
	for i := range x.Pods {
		if x.Pods[i].UID == uid {
			return &x.Pods[i]
		}
	}
	return nil
}

// Accepts reports whether value is one of f's accepted values.
func (f ExpectedFile) Accepts(value string) bool { return slices.Contains(f.Accept, value) }
