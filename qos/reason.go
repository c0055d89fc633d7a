package qos

import (
	"slices"
	"strings"
)

// Reason is a reason code: why a file's value is an explained difference
// ([ExplainedValue], [DiffResult]), or what a [Note] is about. Every code
// the library emits is declared below and listed by [Reasons]; its string
// form is the stable JSON value.
type Reason string

// Reasons an expected file may read another value for (ExplainedValue and
// explained DiffResults).
const (
	// ReasonWeightFormula: a container's cpu.weight follows the other
	// shares-to-weight formula than the one expected.
	ReasonWeightFormula Reason = "weight-formula"
	// ReasonSystemdQuotaRounding: systemd stores CPU quotas per second in
	// 10 ms steps.
	ReasonSystemdQuotaRounding Reason = "systemd-quota-rounding"
	// ReasonPageRounding: a memory value rounded to another page size.
	ReasonPageRounding Reason = "page-rounding"
	// ReasonQOSTierLag: a QoS tier value the kubelet has not refreshed
	// yet (once a minute).
	ReasonQOSTierLag Reason = "qos-tier-lag"
	// ReasonResizePending: an in-place resize the kubelet has not
	// admitted; the cgroups keep the allocated resources.
	ReasonResizePending Reason = "resize-pending"
	// ReasonResizeInProgress: an in-place resize not yet actuated.
	ReasonResizeInProgress Reason = "resize-in-progress"
	// ReasonExclusiveCPUs: no CPU quota on a container the static CPU
	// manager gave exclusive CPUs.
	ReasonExclusiveCPUs Reason = "exclusive-cpus"
	// ReasonMemoryQoSDisabled: memory.min/low/high as a kubelet with the
	// MemoryQoS gate off writes them.
	ReasonMemoryQoSDisabled Reason = "memoryqos-disabled"
	// ReasonCgroupV1Unsupported: a feature cgroup v1 cannot express.
	ReasonCgroupV1Unsupported Reason = "cgroup-v1-unsupported"
	// ReasonRuntimeSandboxDefault: a sandbox cgroup with the runtime's
	// defaults instead of the kubelet's sandbox resources.
	ReasonRuntimeSandboxDefault Reason = "runtime-sandbox-default"
	// ReasonControllerUnavailable: the node has no such controller, so
	// neither the kubelet nor the runtime could write the file.
	ReasonControllerUnavailable Reason = "controller-unavailable"
	// ReasonPodsNotListed: a QoS tier also counts pods the input did not
	// list (the pod list is not the node's complete list).
	ReasonPodsNotListed Reason = "pods-not-listed"
	// ReasonContainerExited: a regular init container finished and its
	// cgroup is gone, as the runtime does.
	ReasonContainerExited Reason = "container-exited"
)

// Reasons of notes and of results that are not explained differences.
const (
	// ReasonNotModelled: something the model leaves out.
	ReasonNotModelled Reason = "not-modelled"
	// ReasonPodPath: an expected pod cgroup found at another tier's path
	// (a missing result's reason).
	ReasonPodPath Reason = "pod-path"
	// ReasonGone: a pod or container vanished while the tree was read.
	ReasonGone Reason = "gone"
	// ReasonUnknownEntry: a directory or file under kubepods that is not
	// a Kubernetes cgroup.
	ReasonUnknownEntry Reason = "unknown-entry"
	// ReasonTree: how the tree was interpreted where that was not
	// certain (cgroupfs.Node.Notes).
	ReasonTree Reason = "tree"
	// ReasonTimeUnknown: a snapshot that does not record when it was
	// taken, so QoS tier lag cannot be explained.
	ReasonTimeUnknown Reason = "time-unknown"
	// ReasonCapacityUnknown: the machine's capacity is not known; node
	// level values use the defaults or the overrides.
	ReasonCapacityUnknown Reason = "capacity-unknown"
	// ReasonCapacityUncertain: a capacity taken from a source that may not
	// be the kubelet's (pid_max inside a pid namespace).
	ReasonCapacityUncertain Reason = "capacity-uncertain"
	// ReasonKubeletConfigUnknown: the kubelet's configuration could not
	// be read; the kubelet settings are the defaults.
	ReasonKubeletConfigUnknown Reason = "kubelet-config-unknown"
	// ReasonKubeletVersionUnknown: the node's kubeletVersion is not a
	// version.
	ReasonKubeletVersionUnknown Reason = "kubelet-version-unknown"
	// ReasonKubeletVersionUnsupported: the node's kubelet is outside the
	// modelled versions; the nearest one is used.
	ReasonKubeletVersionUnsupported Reason = "kubelet-version-unsupported"
	// ReasonPodGone: a pod asked for was no longer on its node when the
	// node was read.
	ReasonPodGone Reason = "pod-gone"
)

// ReasonKind says where a reason code appears.
type ReasonKind string

// The reason kinds.
const (
	// ReasonKindExplained codes explain a file's value: ExplainedValue,
	// and DiffResults with StatusExplained.
	ReasonKindExplained ReasonKind = "explained"
	// ReasonKindNote codes head Notes and other results.
	ReasonKindNote ReasonKind = "note"
	// ReasonKindEffect codes name what a limit does to the workload
	// (Effect, from the kernel's counters).
	ReasonKindEffect ReasonKind = "effect"
)

// ReasonInfo describes one reason code.
type ReasonInfo struct {
	// Code is the reason code.
	Code Reason `json:"code"`
	// Kind says where it appears.
	Kind ReasonKind `json:"kind"`
	// Description says what it means, for people.
	Description string `json:"description"`
}

var reasonTable = []ReasonInfo{
	{ReasonWeightFormula, ReasonKindExplained, "A container's cpu.weight follows the other shares-to-weight formula: runc >= 1.3.2 and crun >= 1.23 use a quadratic one, older runtimes (and the kubelet, for pod and QoS cgroups) the linear one."},
	{ReasonSystemdQuotaRounding, ReasonKindExplained, "The systemd driver stores CPU quotas per second in 10 ms steps: a 15m limit reads 2000 instead of 1500."},
	{ReasonPageRounding, ReasonKindExplained, "A memory value rounded to another page size than the profile's."},
	{ReasonQOSTierLag, ReasonKindExplained, "A QoS tier value that does not count a pod started in the last minute (or still counts a deleted one): the kubelet refreshes tiers once a minute."},
	{ReasonPodsNotListed, ReasonKindExplained, "A tier value that counts pods the input did not list."},
	{ReasonResizePending, ReasonKindExplained, "Cgroups that keep the allocated resources while an in-place resize waits to be admitted."},
	{ReasonResizeInProgress, ReasonKindExplained, "Cgroups that still hold the previous resources while an in-place resize is actuated."},
	{ReasonExclusiveCPUs, ReasonKindExplained, "No CPU quota on a Guaranteed container with integral CPUs: the static CPU manager gave it exclusive CPUs."},
	{ReasonMemoryQoSDisabled, ReasonKindExplained, "memory.min/low/high as a kubelet with the MemoryQoS gate off writes them."},
	{ReasonCgroupV1Unsupported, ReasonKindExplained, "A feature the pod asks for (pod-level memory.high, MemoryQoS) that cgroup v1 cannot express."},
	{ReasonRuntimeSandboxDefault, ReasonKindExplained, "A sandbox (pause) cgroup holding the kubelet's sandbox resources, where containerd leaves its defaults."},
	{ReasonControllerUnavailable, ReasonKindExplained, "A file of a controller the node does not have (hugetlb on many hosts)."},
	{ReasonContainerExited, ReasonKindExplained, "A finished init container whose cgroup the runtime removed."},
	{ReasonNotModelled, ReasonKindNote, "Something the model leaves out for this profile or pod."},
	{ReasonPodPath, ReasonKindNote, "An expected pod cgroup was found under another QoS tier's path."},
	{ReasonGone, ReasonKindNote, "A pod or container vanished while the tree was read (it was being deleted)."},
	{ReasonUnknownEntry, ReasonKindNote, "A directory or file under kubepods that no Kubernetes or runtime naming explains."},
	{ReasonTree, ReasonKindNote, "How the tree was interpreted where that was not certain (an inferred mode, a default page size, other kubepods found)."},
	{ReasonTimeUnknown, ReasonKindNote, "The snapshot does not record when it was taken, so QoS tier lag cannot be explained."},
	{ReasonCapacityUnknown, ReasonKindNote, "The machine's capacity is not known: node-level values use what the tree proves, the defaults or the capacity given; a kubepods value that differs is `unverified`, not drift."},
	{ReasonCapacityUncertain, ReasonKindNote, "A capacity taken from a source that may differ from the kubelet's (pid_max inside a pid namespace); a kubepods value that differs is `unverified`, not drift."},
	{ReasonKubeletConfigUnknown, ReasonKindNote, "The kubelet's configuration could not be read: the kubelet settings are the v1.37 defaults, and a value that rests on one of them (CFS period, pod pids limit, reservations, MemoryQoS, swap, qosReserved) and differs is `unverified`, not drift."},
	{ReasonKubeletVersionUnknown, ReasonKindNote, "The node's kubeletVersion is not a version: the predictions follow the default 1.37."},
	{ReasonKubeletVersionUnsupported, ReasonKindNote, "The node's kubelet is outside the modelled versions (1.30 to 1.37): the nearest one is used."},
	{ReasonPodGone, ReasonKindNote, "A pod asked for was no longer on its node when the node was read."},
	{ReasonCounterUnavailable, ReasonKindNote, "A kernel counter could not be read (controller off, kernel without PSI, counters not captured); said once per file."},
	{EffectCPUThrottled, ReasonKindEffect, "The CFS quota ran out in some enforcement periods: the tasks were stopped until the next period."},
	{EffectOOMKilled, ReasonKindEffect, "The OOM killer killed processes of the cgroup at its memory limit (or the pod's)."},
	{EffectMemoryHighThrottled, ReasonKindEffect, "Usage went over memory.high (MemoryQoS or a pod-level memory.high): the tasks were throttled and made to reclaim."},
	{EffectPidsLimitHit, ReasonKindEffect, "Forks were refused at pids.max."},
	{EffectMemoryPressure, ReasonKindEffect, "Tasks stalled waiting for memory more than the pressure threshold (PSI, cgroup v2)."},
	{EffectCPUPressure, ReasonKindEffect, "Tasks stalled waiting for CPU more than the pressure threshold (PSI, cgroup v2)."},
}

// Reasons lists every reason code the library emits, sorted by code. The
// slice is the caller's.
func Reasons() []ReasonInfo {
	out := slices.Clone(reasonTable)
	slices.SortFunc(out, func(a, b ReasonInfo) int { return strings.Compare(string(a.Code), string(b.Code)) })
	return out
}

// ReasonCodes lists the reason codes an explained difference can carry,
// sorted: those the expectation attaches to alternative values and those
// the diff derives from the whole node.
func ReasonCodes() []Reason {
	var codes []Reason
	for _, r := range Reasons() {
		if r.Kind == ReasonKindExplained {
			codes = append(codes, r.Code)
		}
	}
	return codes
}

// Note is a remark about the profile, a pod or the node that is not tied
// to one file: a reason code and a message.
type Note struct {
	// Reason is the reason code.
	Reason Reason `json:"reason"`
	// Message is the remark, for people.
	Message string `json:"message"`
}
