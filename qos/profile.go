package qos

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Profile describes a node: the Kubernetes version and feature gates of its
// kubelet, the kubelet configuration, the machine, and the container
// runtime. Every decision the expectations depend on is a field here; there
// is no global state. Start from [DefaultProfile] and change what differs.
//
// Profile values are plain data: copy them freely. [Expect] validates the
// profile and resolves the versioned feature-gate defaults once.
type Profile struct {
	// KubernetesVersion is the kubelet's minor version, "1.30" to "1.37"
	// ("v1.37" and "1.37.2" are accepted too). It selects the feature-gate
	// defaults and the behaviours that changed between releases
	// (gateTable and behaviourTable).
	KubernetesVersion string `json:"kubernetesVersion"`
	// FeatureGates overrides the version's feature-gate defaults, by gate
	// name (for example "MemoryQoS": false). Gates not listed keep their
	// defaults; see [KnownFeatureGates].
	FeatureGates map[string]bool `json:"featureGates,omitempty"`
	// CgroupVersion is the node's cgroup version. Hybrid hosts (v1
	// controllers plus an empty cgroup2 mount) behave as v1.
	CgroupVersion convert.CgroupVersion `json:"-"`
	// Kubelet is the kubelet configuration that matters for cgroups.
	Kubelet KubeletConfig `json:"kubelet"`
	// Machine describes the machine the kubelet runs on. Its JSON key is
	// "node", as profiles have always written it.
	Machine Machine `json:"node"`
	// Runtime names the CRI and OCI runtimes.
	Runtime Runtime `json:"runtime"`
}

// KubeletConfig is the part of the kubelet configuration
// (KubeletConfiguration, kubelet.config.k8s.io/v1beta1) that decides cgroup
// values. Field names follow the configuration file. The zero value is not
// a valid configuration: start from [DefaultKubeletConfig], which applies
// the kubelet's defaulting (pkg/kubelet/apis/config/v1beta1/defaults.go:
// SetDefaults_KubeletConfiguration, v1.37.2).
type KubeletConfig struct {
	// CgroupDriver is "cgroupfs" or "systemd". The kubelet asks the CRI
	// runtime for it when the runtime implements RuntimeConfig; set the
	// driver the node really uses.
	CgroupDriver cgroupfs.Driver `json:"cgroupDriver"`
	// CgroupRoot is the root of the kubelet's cgroups, in cgroupfs form
	// ("/" or "/custom"). The kubelet defaults it to "/" when cgroupsPerQOS
	// is true (cmd/kubelet/app/server.go).
	CgroupRoot string `json:"cgroupRoot"`
	// CgroupsPerQOS enables kubepods, the QoS tiers and pod cgroups.
	CgroupsPerQOS bool `json:"cgroupsPerQOS"`
	// CPUCFSQuota enables CFS quota enforcement for CPU limits.
	CPUCFSQuota bool `json:"cpuCFSQuota"`
	// CPUCFSQuotaPeriod is the CFS period (default 100ms). A period other
	// than 100ms needs the CPUCFSQuotaPeriod (CustomCPUCFSQuotaPeriod)
	// feature gate, on by default from 1.36.
	CPUCFSQuotaPeriod metav1.Duration `json:"cpuCFSQuotaPeriod"`
	// CPUManagerPolicy is "none" or "static".
	CPUManagerPolicy CPUManagerPolicy `json:"cpuManagerPolicy"`
	// PodPidsLimit is written to each pod cgroup's pids.max when positive;
	// -1 (the default) leaves it unlimited.
	PodPidsLimit int64 `json:"podPidsLimit"`
	// MemoryThrottlingFactor enables MemoryQoS memory.high when set. In
	// 1.37 it has no default; kubelets up to 1.36 defaulted it to 0.9,
	// which [Expect] applies by version when this is nil.
	MemoryThrottlingFactor *float64 `json:"memoryThrottlingFactor,omitempty"`
	// MemoryReservationPolicy is "None" (default) or "TieredReservation"
	// (1.36 and later).
	MemoryReservationPolicy MemoryReservationPolicy `json:"memoryReservationPolicy"`
	// SingleProcessOOMKill, when true, stops the kubelet from setting
	// memory.oom.group on containers. nil means the kubelet's choice: true
	// on cgroup v1, false on v2. Available from 1.32.
	SingleProcessOOMKill *bool `json:"singleProcessOOMKill,omitempty"`
	// SwapBehavior is memorySwap.swapBehavior: "NoSwap" (default, also "")
	// or "LimitedSwap".
	SwapBehavior string `json:"swapBehavior"`
	// KubeReserved and SystemReserved are subtracted from capacity for the
	// kubepods limits when EnforceNodeAllocatable lists "pods". Keys: cpu,
	// memory, pid, hugepages-<size>.
	KubeReserved corev1.ResourceList `json:"kubeReserved,omitempty"`
	// SystemReserved: see KubeReserved.
	SystemReserved corev1.ResourceList `json:"systemReserved,omitempty"`
	// EnforceNodeAllocatable lists the enforcement keys; default ["pods"].
	EnforceNodeAllocatable []string `json:"enforceNodeAllocatable"`
	// QOSReserved maps "memory" to a percentage ("50%"); it takes effect
	// only with the QOSReserved feature gate (alpha).
	QOSReserved map[string]string `json:"qosReserved,omitempty"`
}

// Machine describes the machine the kubelet runs on.
type Machine struct {
	// Capacity is the machine capacity as cAdvisor reports it: cpu,
	// memory, one hugepages-<size> entry for every huge page size the host
	// has (0 when none are reserved: the sizes decide which hugetlb files
	// exist), pid (min(pid_max, threads-max); "pids" is accepted as an
	// alias) and swap (total swap in bytes).
	Capacity corev1.ResourceList `json:"capacity"`
	// PageSize is the base page size in bytes (default 4096). It is never
	// taken from the machine running this code.
	PageSize int64 `json:"pageSize"`
	// SwapAccounting reports that the kernel accounts swap per cgroup
	// (memory.swap.max on v2, memory.memsw.* on v1): the kubelet's "swap
	// controller available".
	SwapAccounting bool `json:"swapAccounting"`
	// HugetlbRsvd reports that the kernel has the hugetlb .rsvd limit
	// files (Linux 5.7+); runc and the kubelet then write them too.
	HugetlbRsvd bool `json:"hugetlbRsvd"`
}

// Runtime names the container runtimes.
type Runtime struct {
	// CRI is the CRI runtime: containerd, crio or cri-dockerd.
	CRI CRIRuntime `json:"cri"`
	// OCI is the OCI runtime and its version, which selects the container
	// cpu.weight formula.
	OCI OCIRuntime `json:"oci"`
}

// CRIRuntime is a CRI runtime.
type CRIRuntime string

// The CRI runtimes modelled.
const (
	CRIContainerd CRIRuntime = "containerd"
	CRICRIO       CRIRuntime = "crio"
	CRIDockerd    CRIRuntime = "cri-dockerd"
)

// ParseCRIRuntime parses "containerd", "crio" (or "cri-o") or
// "cri-dockerd".
func ParseCRIRuntime(s string) (CRIRuntime, error) {
	switch r := CRIRuntime(s); r {
	case CRIContainerd, CRICRIO, CRIDockerd:
		return r, nil
	case "cri-o":
		return CRICRIO, nil
	}
	return "", fmt.Errorf("%q: want containerd, crio or cri-dockerd", s)
}

// OCIRuntime is an OCI runtime and version, written "runc-1.4.0",
// "crun-1.23" or "unknown".
type OCIRuntime struct {
	// Name is "runc", "crun" or "unknown".
	Name string
	// Version is the release, such as "1.3.2"; empty when unknown.
	Version string
}

// ParseOCIRuntime parses "runc-1.1.5", "runc-1.4.0", "crun-1.23" (a
// leading "v" in the version is accepted) or "unknown".
func ParseOCIRuntime(s string) (OCIRuntime, error) {
	if s == "unknown" || s == "" {
		return OCIRuntime{Name: "unknown"}, nil
	}
	name, ver, ok := strings.Cut(s, "-")
	ver = strings.TrimPrefix(ver, "v")
	if !ok || (name != "runc" && name != "crun") {
		return OCIRuntime{}, fmt.Errorf("OCI runtime %q: want runc-<version>, crun-<version> or unknown", s)
	}
	if _, err := parseDotted(ver); err != nil {
		return OCIRuntime{}, fmt.Errorf("OCI runtime %q: %w", s, err)
	}
	return OCIRuntime{Name: name, Version: ver}, nil
}

// String returns the "runc-1.4.0" form.
func (o OCIRuntime) String() string {
	if o.Name == "" || o.Name == "unknown" {
		return "unknown"
	}
	return o.Name + "-" + o.Version
}

// MarshalText implements encoding.TextMarshaler.
func (o OCIRuntime) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *OCIRuntime) UnmarshalText(b []byte) error {
	v, err := ParseOCIRuntime(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// WeightFormula returns the shares-to-cpu.weight formula the OCI runtime
// uses on cgroup v2 (ConvertCPUSharesToCgroupV2Value in opencontainers/cgroups
// utils.go, vendored by runc; crun src/libcrun/cgroup-internal.h:
// convert_shares_to_weight): quadratic from runc
// 1.3.2 (and every 1.4.0-rc and later) and crun 1.23, linear before, and
// unknown for an unknown runtime.
func (o OCIRuntime) WeightFormula() convert.WeightFormula {
	v, err := parseDotted(o.Version)
	switch {
	case o.Name == "runc" && err == nil:
		if cmpDotted(v, []int{1, 3, 2}) >= 0 {
			return convert.WeightQuadratic
		}
		return convert.WeightLinear
	case o.Name == "crun" && err == nil:
		if cmpDotted(v, []int{1, 23}) >= 0 {
			return convert.WeightQuadratic
		}
		return convert.WeightLinear
	}
	return convert.WeightUnknown
}

// oci returns convert's runtime quirks selector; unknown runtimes are
// treated as runc.
func (o OCIRuntime) oci() convert.OCIRuntime {
	if o.Name == "crun" {
		return convert.RuntimeCrun
	}
	return convert.RuntimeRunc
}

func parseDotted(s string) ([]int, error) {
	// Drop a pre-release suffix such as "-rc.1".
	s, _, _ = strings.Cut(s, "-")
	if s == "" {
		return nil, fmt.Errorf("missing version")
	}
	var out []int
	for p := range strings.SplitSeq(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad version %q", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func cmpDotted(a, b []int) int {
	for i := range max(len(a), len(b)) {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

// DefaultOCIRuntime returns the OCI runtime of DefaultProfile: a current
// runc, which converts shares to cpu.weight with the quadratic formula.
func DefaultOCIRuntime() OCIRuntime { return OCIRuntime{Name: "runc", Version: "1.4.0"} }

// DefaultKubeletConfig returns the kubelet configuration of a stock
// v1.37.2 kubelet after its defaulting. The kubelet
// applies these defaults in k8s.io/kubernetes (pkg/kubelet/apis/config/
// v1beta1/defaults.go and cmd/kubelet/app/server.go), which this module
// does not import; they are restated here: cgroupDriver cgroupfs,
// cgroupRoot "/", cgroupsPerQOS true, cpuCFSQuota true, cpuCFSQuotaPeriod
// 100ms, cpuManagerPolicy none, podPidsLimit -1, memoryThrottlingFactor
// nil, memoryReservationPolicy None, singleProcessOOMKill nil,
// swapBehavior NoSwap, no reservations, enforceNodeAllocatable [pods].
func DefaultKubeletConfig() KubeletConfig {
	return KubeletConfig{
		CgroupDriver:            cgroupfs.DriverCgroupfs,
		CgroupRoot:              "/",
		CgroupsPerQOS:           true,
		CPUCFSQuota:             true,
		CPUCFSQuotaPeriod:       metav1.Duration{Duration: 100 * time.Millisecond},
		CPUManagerPolicy:        CPUManagerPolicyNone,
		PodPidsLimit:            -1,
		MemoryReservationPolicy: MemoryReservationPolicyNone,
		SwapBehavior:            "NoSwap",
		EnforceNodeAllocatable:  []string{"pods"},
	}
}

// DefaultMachine returns the machine of DefaultProfile: 8 CPUs, 32 GiB of
// memory, the two x86_64 huge page sizes (2 MiB and 1 GiB) with none
// reserved, 4194304 PIDs (the 64-bit pid_max systemd sets), no swap, 4 KiB
// pages, swap accounting and hugetlb .rsvd files present (any current
// kernel).
func DefaultMachine() Machine {
	return Machine{
		Capacity: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("8"),
			corev1.ResourceMemory: resource.MustParse("32Gi"),
			"hugepages-2Mi":       resource.MustParse("0"),
			"hugepages-1Gi":       resource.MustParse("0"),
			resourcePID:           resource.MustParse("4194304"),
			resourceSwap:          resource.MustParse("0"),
		},
		PageSize:       convert.DefaultPageSize,
		SwapAccounting: true,
		HugetlbRsvd:    true,
	}
}

// Resource names of Node.Capacity that are not Kubernetes resource names.
const (
	resourcePID  corev1.ResourceName = "pid"
	resourceSwap corev1.ResourceName = "swap"
)

// DefaultProfile returns a stock v1.37.2 kubelet on cgroup v2 with the
// cgroupfs driver, containerd and runc 1.4 (quadratic cpu.weight), on the
// machine of [DefaultMachine], with the feature gates at their 1.37 defaults.
func DefaultProfile() Profile {
	return Profile{
		KubernetesVersion: "1.37",
		CgroupVersion:     convert.CgroupV2,
		Kubelet:           DefaultKubeletConfig(),
		Machine:           DefaultMachine(),
		Runtime:           Runtime{CRI: CRIContainerd, OCI: DefaultOCIRuntime()},
	}
}

// Feature gate names read by the model.
const (
	GatePodLevelResources                       = "PodLevelResources"
	GateInPlacePodVerticalScaling               = "InPlacePodVerticalScaling"
	GateInPlacePodLevelResourcesVerticalScaling = "InPlacePodLevelResourcesVerticalScaling"
	GateMemoryQoS                               = "MemoryQoS"
	GateCPUCFSQuotaPeriod                       = "CPUCFSQuotaPeriod"
	GateDisableCPUQuotaWithExclusiveCPUs        = "DisableCPUQuotaWithExclusiveCPUs"
	GateNodeSwap                                = "NodeSwap"
	GateDRANodeAllocatableResources             = "DRANodeAllocatableResources"
	GateQOSReserved                             = "QOSReserved"
	GatePodLevelResourcesFixKubeletQOSClass     = "PodLevelResourcesFixKubeletQOSClass"
	GatePodLevelResourcesFixDefaulting          = "PodLevelResourcesFixDefaulting"
	GatePodLevelResourceManagers                = "PodLevelResourceManagers"
)

// gateSpec is one gate's default per minor version 30…37; -1 means the
// gate does not exist in that release. locked is the first minor from
// which the gate is locked to its default (0: never).
type gateSpec struct {
	defaults [8]int8
	locked   int
	effect   bool // whether the model reads it
}

// gateTable restates defaultVersionedKubernetesFeatureGates
// (pkg/features/kube_features.go, v1.37.2, which match the older trees).
var gateTable = map[string]gateSpec{
	GatePodLevelResources:                       {defaults: [8]int8{-1, -1, 0, 0, 1, 1, 1, 1}, effect: true},
	GateInPlacePodVerticalScaling:               {defaults: [8]int8{0, 0, 0, 1, 1, 1, 1, 1}, locked: 35, effect: true},
	GateInPlacePodLevelResourcesVerticalScaling: {defaults: [8]int8{-1, -1, -1, -1, -1, 0, 1, 1}, effect: true},
	GateMemoryQoS:                               {defaults: [8]int8{0, 0, 0, 0, 0, 0, 0, 1}, effect: true},
	GateCPUCFSQuotaPeriod:                       {defaults: [8]int8{0, 0, 0, 0, 0, 0, 1, 1}, effect: true},
	GateDisableCPUQuotaWithExclusiveCPUs:        {defaults: [8]int8{-1, -1, -1, 1, 1, 1, 1, 1}, locked: 37, effect: true},
	GateNodeSwap:                                {defaults: [8]int8{1, 1, 1, 1, 1, 1, 1, 1}, locked: 34, effect: true},
	GateDRANodeAllocatableResources:             {defaults: [8]int8{-1, -1, -1, -1, -1, -1, 0, 0}, effect: true},
	GateQOSReserved:                             {defaults: [8]int8{0, 0, 0, 0, 0, 0, 0, 0}, effect: true},
	GatePodLevelResourcesFixKubeletQOSClass:     {defaults: [8]int8{-1, -1, -1, -1, -1, -1, -1, 1}, effect: true},
	GatePodLevelResourcesFixDefaulting:          {defaults: [8]int8{-1, -1, -1, -1, -1, -1, -1, 1}, effect: true},
	GatePodLevelResourceManagers:                {defaults: [8]int8{-1, -1, -1, -1, -1, -1, 0, 0}, effect: true},
	// Read by the kubelet but without effect on the values modelled here.
	"KubeletCgroupDriverFromCRI":                   {defaults: [8]int8{0, 1, 1, 1, 1, 1, 1, 1}, locked: 34},
	"InPlacePodVerticalScalingInitContainers":      {defaults: [8]int8{-1, -1, -1, -1, -1, -1, 1, 1}, locked: 37},
	"InPlacePodVerticalScalingMemoryBackedVolumes": {defaults: [8]int8{-1, -1, -1, -1, -1, -1, -1, 0}},
	"InPlacePodVerticalScalingExclusiveCPUs":       {defaults: [8]int8{-1, -1, 0, 0, 0, 0, 0, 0}},
}

// gateAliases maps other spellings to the gate names above.
var gateAliases = map[string]string{
	"CustomCPUCFSQuotaPeriod": GateCPUCFSQuotaPeriod,
}

// behaviour is a difference between kubelet releases that changes a
// value modelled here without a feature gate of its own. The table below
// says in which release each arrived; resolve turns it into the env's
// behaviours once, and the computation asks e.has(behaviour) instead of
// comparing versions. Paths are in k8s.io/kubernetes unless prefixed;
// each was compared across the v1.30.0 … v1.37.2 trees.
type behaviour uint8

const (
	// swapSkipsCriticalPods: critical pods get NoSwap under LimitedSwap.
	swapSkipsCriticalPods behaviour = iota
	// singleProcessOOMKillConfig: the singleProcessOOMKill field exists;
	// before it every v2 container gets memory.oom.group=1.
	singleProcessOOMKillConfig
	// sidecarOOMScoreCap: a sidecar's oom_score_adj is capped by the
	// smallest regular container memory request.
	sidecarOOMScoreCap
	// kubepodsCPUSet: kubepods gets cpuset.cpus = all CPUs when the CPU
	// manager policy is none.
	kubepodsCPUSet
	// podLevelHugepages: containers inherit pod-level hugepage limits.
	podLevelHugepages
	// failCgroupV1ByDefault: failCgroupV1 defaults to true, so the
	// kubelet refuses to start on cgroup v1 unless told otherwise.
	failCgroupV1ByDefault
	// memoryReservationPolicy: MemoryQoS memory.min/memory.low follow
	// memoryReservationPolicy (None or TieredReservation); before it,
	// memory.min is the memory request at every level.
	memoryReservationPolicy
	// pidsZeroIsOne: the cgroups library writes a pids limit of 0 as 1.
	pidsZeroIsOne
	// ownLimitsDeclared: a pod's CPU and memory limits are "declared"
	// from each container's own limits; before, an init container was
	// judged on its init-time limits, including the sidecars before it.
	ownLimitsDeclared
	// throttlingFactorOptional: memoryThrottlingFactor is no longer
	// defaulted to 0.9 (no memory.high unless set) and may only be set
	// with the MemoryQoS gate on.
	throttlingFactorOptional
	// memoryHighResetWhenOff: with MemoryQoS off, v2 containers get
	// memory.high=max.
	memoryHighResetWhenOff
	// containerMemoryHighPodAware: container memory.high also for a
	// container without a request, skipped when a pod-level memory limit
	// covers a container without one, and from the DRA-raised limit.
	containerMemoryHighPodAware
	// podLevelMemoryHigh: the pod cgroup gets memory.high under
	// pod-level resources.
	podLevelMemoryHigh
	// qosMemoryReset: the QoS manager resets kubepods memory.min/low and
	// burstable memory.low at start (gate off or policy None), and
	// TieredReservation also writes kubepods memory.low.
	qosMemoryReset
	// draNodeAllocatable: the kubelet adds DRA node-allocatable claims
	// to the pod, tier, container and sandbox values.
	draNodeAllocatable

	numBehaviours
)

// behaviourSpec is the release a behaviour arrived in and the upstream
// source that shows it.
type behaviourSpec struct {
	since  int
	source string
}

// behaviourTable is indexed by behaviour.
var behaviourTable = [numBehaviours]behaviourSpec{
	swapSkipsCriticalPods:       {31, "pkg/kubelet/kuberuntime/kuberuntime_container_linux.go: GetContainerSwapBehavior, configureContainerSwapResources (IsCriticalPod)"},
	singleProcessOOMKillConfig:  {32, "k8s.io/kubelet config/v1beta1/types.go: SingleProcessOOMKill; pkg/kubelet/kubelet.go"},
	sidecarOOMScoreCap:          {32, "pkg/kubelet/qos/policy.go: GetContainerOOMScoreAdjust; pkg/kubelet/qos/helpers.go: minRegularContainerMemory"},
	kubepodsCPUSet:              {32, "pkg/kubelet/cm/node_container_manager_linux.go: getCgroupConfigInternal; pkg/kubelet/cm/cpumanager/policy_none.go: GetAllocatableCPUs"},
	podLevelHugepages:           {34, "pkg/kubelet/kuberuntime/kuberuntime_container_linux.go: GetHugepageLimitsFromResources"},
	failCgroupV1ByDefault:       {35, "pkg/kubelet/apis/config/v1beta1/defaults.go: SetDefaults_KubeletConfiguration (FailCgroupV1)"},
	memoryReservationPolicy:     {36, "pkg/kubelet/kuberuntime/kuberuntime_container_linux.go: generateLinuxContainerResources; pkg/kubelet/cm/qos_container_manager_linux.go: setMemoryQoS"},
	pidsZeroIsOne:               {36, "github.com/opencontainers/cgroups@v0.0.6 fs2/pids.go: setPids (vendored by the kubelet from 1.36)"},
	ownLimitsDeclared:           {37, "pkg/kubelet/cm/helpers_linux.go: ResourceConfigForPod (ContainerFn removed)"},
	throttlingFactorOptional:    {37, "pkg/kubelet/apis/config/v1beta1/defaults.go: SetDefaults_KubeletConfiguration; pkg/kubelet/apis/config/validation/validation.go"},
	memoryHighResetWhenOff:      {37, "pkg/kubelet/kuberuntime/kuberuntime_container_linux.go: generateLinuxContainerResources"},
	containerMemoryHighPodAware: {37, "pkg/kubelet/kuberuntime/kuberuntime_container_linux.go: generateLinuxContainerResources"},
	podLevelMemoryHigh:          {37, "pkg/kubelet/cm/helpers_linux.go: ApplyPodLevelMemoryHigh"},
	qosMemoryReset:              {37, "pkg/kubelet/cm/qos_container_manager_linux.go: Start, setMemoryQoS"},
	draNodeAllocatable:          {37, "k8s.io/component-helpers resource/helpers.go: GetContainerDRAAllocations, addDRANodeAllocatableLimits"},
}

// behaviours is the set of behaviours of one release.
type behaviours uint32

// behavioursOf returns the behaviours of a minor version.
func behavioursOf(minor int) behaviours {
	var b behaviours
	for i, s := range behaviourTable {
		if minor >= s.since {
			b |= 1 << i
		}
	}
	return b
}

// has reports whether the release has behaviour x.
func (b behaviours) has(x behaviour) bool { return b&(1<<x) != 0 }

// Minimum and maximum supported minor versions.
const (
	minMinor = 30
	maxMinor = 37
)

// KnownFeatureGates returns the names of the feature gates the model
// knows, sorted. Gates it reads change values; the others are accepted and
// reported as having no effect on cgroups.
func KnownFeatureGates() []string {
	return slices.Sorted(maps.Keys(gateTable))
}

// KubeletRelease is the Kubernetes release whose kubelet and API server
// code the model follows; older minor versions (KubernetesVersions) differ
// from it only where the version table says.
const KubeletRelease = "v1.37.2"

// KubernetesVersions lists the kubelet minor versions the model supports,
// oldest first ("1.30" to "1.37").
func KubernetesVersions() []string {
	var out []string
	for m := minMinor; m <= maxMinor; m++ {
		out = append(out, "1."+strconv.Itoa(m))
	}
	return out
}

// ParseKubernetesVersion parses "1.37", "v1.37" or "1.37.2" and returns
// the minor version. Only 1.30 to 1.37 are supported.
func ParseKubernetesVersion(s string) (int, error) {
	v := strings.TrimPrefix(strings.TrimSpace(s), "v")
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "1" {
		return 0, fmt.Errorf("kubernetes version %q: want 1.<minor>, for example 1.37", s)
	}
	for _, p := range parts[1:] {
		if _, err := strconv.Atoi(p); err != nil {
			return 0, fmt.Errorf("kubernetes version %q: want 1.<minor>, for example 1.37", s)
		}
	}
	minor, _ := strconv.Atoi(parts[1])
	if minor < minMinor || minor > maxMinor {
		return 0, fmt.Errorf("kubernetes version %q: only 1.%d to 1.%d are modelled", s, minMinor, maxMinor)
	}
	return minor, nil
}

// EffectiveFeatureGates returns the value of every known feature gate for
// the profile's version after the overrides, plus any unknown overrides as
// given. Gates that do not exist in that version are left out.
func (p Profile) EffectiveFeatureGates() (map[string]bool, error) {
	minor, err := ParseKubernetesVersion(p.KubernetesVersion)
	if err != nil {
		return nil, &ProfileError{Field: "kubernetesVersion", Err: err}
	}
	out := make(map[string]bool, len(gateTable)+len(p.FeatureGates))
	for name, g := range gateTable {
		if d := g.defaults[minor-minMinor]; d >= 0 {
			out[name] = d == 1
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.FeatureGates)) {
		val := p.FeatureGates[name]
		canon := name
		if a, ok := gateAliases[name]; ok {
			canon = a
		}
		g, known := gateTable[canon]
		if !known {
			if name == "PerPodPIDLimit" {
				return nil, &ProfileError{Field: "featureGates." + name, Err: fmt.Errorf("no such feature gate in Kubernetes 1.%d: there is no pod-level pids resource; use podPidsLimit", minor)}
			}
			out[name] = val
			continue
		}
		d := g.defaults[minor-minMinor]
		if d < 0 {
			return nil, &ProfileError{Field: "featureGates." + name, Err: fmt.Errorf("unrecognized feature gate in Kubernetes 1.%d (the kubelet refuses to start)", minor)}
		}
		if g.locked != 0 && minor >= g.locked && val != (d == 1) {
			return nil, &ProfileError{Field: "featureGates." + name, Err: fmt.Errorf("cannot set to %v: locked to %v in Kubernetes 1.%d", val, d == 1, minor)}
		}
		out[canon] = val
	}
	return out, nil
}

// ApplyMachine sets the node's capacity from facts a snapshot recorded
// about its machine (cgroupfs.SnapshotInfo.Machine): cpu, memory, swap,
// pid (the smaller of pid_max and threads-max, as cAdvisor reports it)
// and, when the sizes are known, one hugepages-<size> entry per huge page
// size (replacing the default sizes). Zero facts leave the capacity as it
// is, except swap, which the machine always has (0 means none).
func (p *Profile) ApplyMachine(m *cgroupfs.MachineInfo) {
	if m == nil {
		return
	}
	if p.Machine.Capacity == nil {
		p.Machine.Capacity = corev1.ResourceList{}
	}
	capacity := p.Machine.Capacity
	if m.CPUs > 0 {
		capacity[corev1.ResourceCPU] = *resource.NewQuantity(int64(m.CPUs), resource.DecimalSI)
	}
	if m.MemoryBytes > 0 {
		capacity[corev1.ResourceMemory] = *resource.NewQuantity(m.MemoryBytes, resource.BinarySI)
	}
	if m.PIDMax > 0 {
		pid := m.PIDMax
		if m.ThreadsMax > 0 && m.ThreadsMax < pid {
			pid = m.ThreadsMax
		}
		capacity[resourcePID] = *resource.NewQuantity(pid, resource.DecimalSI)
	}
	capacity[resourceSwap] = *resource.NewQuantity(m.SwapBytes, resource.BinarySI)
	if len(m.HugePageSizes) > 0 {
		for k := range capacity {
			if strings.HasPrefix(string(k), corev1.ResourceHugePagesPrefix) {
				delete(capacity, k)
			}
		}
		for _, size := range m.HugePageSizes {
			capacity[corev1.ResourceName(convert.HugePageResourceName(size))] = resource.MustParse("0")
		}
	}
}

// profileJSON is the JSON form of Profile: it adds the cgroup version.
type profileJSON struct {
	CgroupVersion string `json:"cgroupVersion"`
	profileAlias
}

type profileAlias Profile

// MarshalJSON adds "cgroupVersion": "v1" or "v2".
func (p Profile) MarshalJSON() ([]byte, error) {
	return json.Marshal(profileJSON{CgroupVersion: p.CgroupVersion.String(), profileAlias: profileAlias(p)})
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (p *Profile) UnmarshalJSON(b []byte) error {
	var pj profileJSON
	if err := json.Unmarshal(b, &pj); err != nil {
		return err
	}
	*p = Profile(pj.profileAlias)
	if pj.CgroupVersion != "" {
		v, err := convert.ParseCgroupVersion(pj.CgroupVersion)
		if err != nil {
			return err
		}
		p.CgroupVersion = v
	}
	return nil
}
