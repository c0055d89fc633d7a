package qos

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Validate checks the profile the way the kubelet validates its
// configuration, and returns a *ProfileError naming the first bad field.
func (p Profile) Validate() error {
	_, _, err := validate(p)
	return err
}

// resolve validates the profile, derives the env the computation reads
// and collects the profile-level notes, in that order.
func resolve(p Profile) (*env, error) {
	minor, gates, err := validate(p)
	if err != nil {
		return nil, err
	}
	e := derive(p, minor, gates)
	e.notes = profileNotes(p, e)
	e.files = new(atomic.Int32)
	return e, nil
}

// variant resolves e's profile after change, for the alternatives the
// explanations show (MemoryQoS off, the other CPU manager policy). The
// variant shares e's build state: cgroups with equal inputs give equal
// files under both. It fails only if the change makes the profile
// invalid.
func (e *env) variant(change func(*Profile)) (*env, error) {
	p := e.p
	p.FeatureGates = maps.Clone(p.FeatureGates)
	change(&p)
	v, err := resolve(p)
	if err != nil {
		return nil, err
	}
	v.build = e.build
	return v, nil
}

// withoutMemoryQoS is the profile with the MemoryQoS gate off, as far as
// the kubelet allows: no memoryReservationPolicy and no throttling factor
// (neither means anything without the gate).
func withoutMemoryQoS(p *Profile) {
	if p.FeatureGates == nil {
		p.FeatureGates = map[string]bool{}
	}
	p.FeatureGates[GateMemoryQoS] = false
	p.Kubelet.MemoryReservationPolicy = ""
	p.Kubelet.MemoryThrottlingFactor = nil
}

// withOtherCPUPolicy is the profile with CPU manager policy static
// instead of none, or none instead of static.
func withOtherCPUPolicy(p *Profile) {
	if p.Kubelet.CPUManagerPolicy == CPUManagerPolicyStatic {
		p.Kubelet.CPUManagerPolicy = CPUManagerPolicyNone
	} else {
		p.Kubelet.CPUManagerPolicy = CPUManagerPolicyStatic
	}
}

// validate checks every field of the profile in a fixed order and returns
// the first error as a *ProfileError, or the minor version and the
// effective feature gates.
func validate(p Profile) (int, map[string]bool, error) {
	minor, err := ParseKubernetesVersion(p.KubernetesVersion)
	if err != nil {
		return 0, nil, &ProfileError{Field: "kubernetesVersion", Err: err}
	}
	gates, err := p.EffectiveFeatureGates()
	if err != nil {
		return 0, nil, err
	}
	b := behavioursOf(minor)
	if err := validateKubelet(p, gates); err != nil {
		return 0, nil, err
	}
	if err := validateMemory(p, b, gates); err != nil {
		return 0, nil, err
	}
	if err := validateNode(p); err != nil {
		return 0, nil, err
	}
	if err := validateRuntime(p); err != nil {
		return 0, nil, err
	}
	return minor, gates, nil
}

// validateKubelet checks the cgroup version and the kubelet's cgroup,
// CPU and reservation settings.
func validateKubelet(p Profile, gates map[string]bool) error {
	switch p.CgroupVersion {
	case convert.CgroupV1, convert.CgroupV2:
	default:
		return &ProfileError{Field: "cgroupVersion", Err: fmt.Errorf("want v1 or v2")}
	}
	k := p.Kubelet
	switch k.CgroupDriver {
	case cgroupfs.DriverCgroupfs, cgroupfs.DriverSystemd:
	default:
		return &ProfileError{Field: "kubelet.cgroupDriver", Err: fmt.Errorf("%q: want cgroupfs or systemd", k.CgroupDriver)}
	}
	if k.CgroupsPerQOS && k.CgroupRoot == "" {
		return &ProfileError{Field: "kubelet.cgroupRoot", Err: fmt.Errorf("empty: the kubelet defaults it to \"/\" when cgroupsPerQOS is true")}
	}
	if k.CgroupRoot != "" && !strings.HasPrefix(k.CgroupRoot, "/") {
		return &ProfileError{Field: "kubelet.cgroupRoot", Err: fmt.Errorf("%q: must be an absolute cgroupfs path", k.CgroupRoot)}
	}
	if !k.CgroupsPerQOS && slices.Contains(k.EnforceNodeAllocatable, "pods") {
		return &ProfileError{Field: "kubelet.enforceNodeAllocatable", Err: fmt.Errorf("\"pods\" requires cgroupsPerQOS")}
	}
	for _, key := range k.EnforceNodeAllocatable {
		switch key {
		case "pods", "system-reserved", "kube-reserved", "system-reserved-compressible", "kube-reserved-compressible", "none":
		default:
			return &ProfileError{Field: "kubelet.enforceNodeAllocatable", Err: fmt.Errorf("unknown key %q", key)}
		}
	}
	if !k.CPUManagerPolicy.valid() {
		return &ProfileError{Field: "kubelet.cpuManagerPolicy", Err: fmt.Errorf("%q: want none or static", k.CPUManagerPolicy)}
	}
	// A configured CFS period needs the gate (pkg/kubelet/apis/config/
	// validation/validation.go: ValidateKubeletConfiguration, v1.37.2).
	if period := cfsPeriod(k); period != 100*time.Millisecond {
		if !gates[GateCPUCFSQuotaPeriod] {
			return &ProfileError{Field: "kubelet.cpuCFSQuotaPeriod", Err: fmt.Errorf("%v requires the CPUCFSQuotaPeriod feature gate (on by default from 1.36; the kubelet refuses to start)", period)}
		}
		if period < time.Millisecond || period > time.Second {
			return &ProfileError{Field: "kubelet.cpuCFSQuotaPeriod", Err: fmt.Errorf("%v: must be between 1ms and 1s", period)}
		}
	}
	return nil
}

// validateMemory checks the MemoryQoS, OOM, swap and QOSReserved
// settings.
func validateMemory(p Profile, b behaviours, gates map[string]bool) error {
	k := p.Kubelet
	memoryQoS := gates[GateMemoryQoS]
	switch k.MemoryReservationPolicy {
	case "", MemoryReservationPolicyNone:
	case MemoryReservationPolicyTiered:
		if !b.has(memoryReservationPolicy) {
			return &ProfileError{Field: "kubelet.memoryReservationPolicy", Err: fmt.Errorf("TieredReservation does not exist before 1.36")}
		}
		if !memoryQoS {
			return &ProfileError{Field: "kubelet.memoryReservationPolicy", Err: fmt.Errorf("TieredReservation requires the MemoryQoS feature gate")}
		}
	default:
		return &ProfileError{Field: "kubelet.memoryReservationPolicy", Err: fmt.Errorf("%q: want None or TieredReservation", k.MemoryReservationPolicy)}
	}
	if f := k.MemoryThrottlingFactor; f != nil {
		if *f <= 0 || *f > 1 {
			return &ProfileError{Field: "kubelet.memoryThrottlingFactor", Err: fmt.Errorf("%v: must be in (0, 1]", *f)}
		}
		if !memoryQoS && *f != 0.9 && b.has(throttlingFactorOptional) {
			return &ProfileError{Field: "kubelet.memoryThrottlingFactor", Err: fmt.Errorf("may only be set while the MemoryQoS feature gate is on")}
		}
	}
	if p.CgroupVersion == convert.CgroupV1 && k.SingleProcessOOMKill != nil && !*k.SingleProcessOOMKill && b.has(singleProcessOOMKillConfig) {
		return &ProfileError{Field: "kubelet.singleProcessOOMKill", Err: fmt.Errorf("false is not allowed on cgroup v1")}
	}
	switch k.SwapBehavior {
	case "", "NoSwap", "LimitedSwap":
	default:
		return &ProfileError{Field: "kubelet.memorySwap.swapBehavior", Err: fmt.Errorf("%q: want NoSwap or LimitedSwap", k.SwapBehavior)}
	}
	for name := range k.QOSReserved {
		if name != "memory" {
			return &ProfileError{Field: "kubelet.qosReserved", Err: fmt.Errorf("only memory can be reserved, not %q", name)}
		}
		if _, err := parsePercent(k.QOSReserved[name]); err != nil {
			return &ProfileError{Field: "kubelet.qosReserved.memory", Err: err}
		}
	}
	return nil
}

// validateNode checks the node's page size, capacity and the reserved
// resources.
func validateNode(p Profile) error {
	n := p.Machine
	if ps := pageSizeOf(n.PageSize); ps < 0 || ps&(ps-1) != 0 {
		return &ProfileError{Field: "node.pageSize", Err: fmt.Errorf("%d: must be a power of two", n.PageSize)}
	}
	capacity := n.Capacity // errors name what normaliseCapacity will call it
	for name, q := range capacity {
		if name == "pids" {
			name = resourcePID
		}
		if q.Sign() < 0 {
			return &ProfileError{Field: "node.capacity." + string(name), Err: fmt.Errorf("negative")}
		}
		if isHugePages(name) {
			size, err := convert.ParseHugePageResourceName(string(name))
			if err != nil {
				return &ProfileError{Field: "node.capacity." + string(name), Err: err}
			}
			if _, err := convert.HugePageSizeName(size); err != nil {
				return &ProfileError{Field: "node.capacity." + string(name), Err: err}
			}
		}
	}
	if mem, ok := capacity[corev1.ResourceMemory]; !ok || mem.Value() <= 0 {
		return &ProfileError{Field: "node.capacity.memory", Err: fmt.Errorf("required and positive (the OOM score divides by it)")}
	}
	if cpu, ok := capacity[corev1.ResourceCPU]; !ok || cpu.MilliValue() <= 0 {
		return &ProfileError{Field: "node.capacity.cpu", Err: fmt.Errorf("required and positive")}
	}
	k := p.Kubelet
	for _, r := range []struct {
		field string
		list  corev1.ResourceList
	}{{"kubelet.kubeReserved", k.KubeReserved}, {"kubelet.systemReserved", k.SystemReserved}} {
		for name, q := range r.list {
			if q.Sign() < 0 {
				return &ProfileError{Field: r.field + "." + string(name), Err: fmt.Errorf("negative")}
			}
		}
	}
	return nil
}

// validateRuntime checks the CRI and OCI runtime names.
func validateRuntime(p Profile) error {
	switch p.Runtime.CRI {
	case CRIContainerd, CRICRIO, CRIDockerd:
	default:
		return &ProfileError{Field: "runtime.cri", Err: fmt.Errorf("%q: want containerd, crio or cri-dockerd", p.Runtime.CRI)}
	}
	switch p.Runtime.OCI.Name {
	case "runc", "crun", "unknown", "":
	default:
		return &ProfileError{Field: "runtime.oci", Err: fmt.Errorf("%q: want runc, crun or unknown", p.Runtime.OCI.Name)}
	}
	return nil
}

// cfsPeriod is the configured CFS period, 100ms when unset.
func cfsPeriod(k KubeletConfig) time.Duration {
	return cmp.Or(k.CPUCFSQuotaPeriod.Duration, 100*time.Millisecond)
}

// pageSizeOf is the node's page size, 4 KiB when unset.
func pageSizeOf(pageSize int64) int64 {
	return cmp.Or(pageSize, convert.DefaultPageSize)
}

// derive computes the env of a valid profile.
func derive(p Profile, minor int, gates map[string]bool) *env {
	e := &env{
		p: p, minor: minor, gates: gates,
		v2:         p.CgroupVersion == convert.CgroupV2,
		driver:     p.Kubelet.CgroupDriver,
		formula:    p.Runtime.OCI.WeightFormula(),
		behaviours: behavioursOf(minor),
	}
	e.switches = deriveSwitches(p.Kubelet, e.v2, e.behaviours, gates)
	if k := p.Kubelet; k.PodPidsLimit == 0 || k.PodPidsLimit < -1 {
		// The kubelet defaults nil and any negative value to -1; 0 means unset too.
		e.p.Kubelet.PodPidsLimit = -1
	}
	e.machine, e.p.Machine.Capacity = deriveMachine(p)
	return e
}

// deriveSwitches resolves the kubelet settings from the gates and the
// configuration.
func deriveSwitches(k KubeletConfig, v2 bool, b behaviours, gates map[string]bool) switches {
	g := func(n string) bool { return gates[n] }
	s := switches{
		plr:                   g(GatePodLevelResources),
		plrFixQOS:             g(GatePodLevelResourcesFixKubeletQOSClass),
		plrFixDefaulting:      g(GatePodLevelResourcesFixDefaulting),
		plrManagers:           g(GatePodLevelResourceManagers),
		disableQuotaExclusive: g(GateDisableCPUQuotaWithExclusiveCPUs),
		nodeSwap:              g(GateNodeSwap),
		// The DRA gate exists in 1.36 but the kubelet consumes claims only from 1.37.
		dra:          g(GateDRANodeAllocatableResources) && b.has(draNodeAllocatable),
		qosReserved:  g(GateQOSReserved),
		memoryQoS:    g(GateMemoryQoS),
		customPeriod: g(GateCPUCFSQuotaPeriod),
		staticCPU:    k.CPUManagerPolicy == CPUManagerPolicyStatic,
		tiered:       k.MemoryReservationPolicy == MemoryReservationPolicyTiered,
	}
	s.enforceMemoryQoS = s.memoryQoS && v2

	// The CFS period (pkg/kubelet/cm/helpers_linux.go: MilliCPUToQuota,
	// v1.37.2): the configured period counts only with the gate.
	s.periodMicros = uint64(cfsPeriod(k) / time.Microsecond)
	s.quotaPeriodMicros = convert.DefaultPeriodMicros
	if s.customPeriod {
		s.quotaPeriodMicros = s.periodMicros
	}

	if f := k.MemoryThrottlingFactor; f != nil {
		v := *f
		s.factor = &v
	} else if !b.has(throttlingFactorOptional) {
		v := 0.9 // defaulted by the kubelet up to 1.36
		s.factor = &v
	}

	// singleProcessOOMKill (pkg/kubelet/kubelet.go, v1.37.2): v1 → true;
	// v2 → configured, default false. Before the field existed, v2
	// containers always get memory.oom.group=1.
	switch {
	case !v2:
		s.singleProcessOOMKill = true
	case !b.has(singleProcessOOMKillConfig):
	case k.SingleProcessOOMKill != nil:
		s.singleProcessOOMKill = *k.SingleProcessOOMKill
	}
	return s
}

// deriveMachine computes the node's page size, huge page sizes,
// capacities and allocatable, and returns the normalised capacity.
func deriveMachine(p Profile) (machine, corev1.ResourceList) {
	k := p.Kubelet
	capacity := normaliseCapacity(p.Machine.Capacity)
	var m machine
	m.pageSize = pageSizeOf(p.Machine.PageSize)
	for name := range capacity {
		if !isHugePages(name) {
			continue
		}
		size, _ := convert.ParseHugePageResourceName(string(name)) // validated
		if !slices.Contains(m.hugeSizes, size) {
			m.hugeSizes = append(m.hugeSizes, size)
		}
	}
	slices.Sort(m.hugeSizes)
	for _, size := range m.hugeSizes {
		name, _ := convert.HugePageSizeName(size) // validated
		v := p.CgroupVersion
		m.huge = append(m.huge, hugeSize{
			size: size, name: name, why: "hugetlb:" + name,
			limitFile: convert.HugetlbLimitFile(name, v), rsvdFile: convert.HugetlbRsvdLimitFile(name, v),
			unlimited: convert.HugetlbUnlimited(size, v, m.pageSize),
		})
	}
	mem := capacity[corev1.ResourceMemory]
	m.memCapacity = mem.Value()
	cpu := capacity[corev1.ResourceCPU]
	m.cpuCapacity = cpu.MilliValue()
	if s, ok := capacity[resourceSwap]; ok {
		m.swapCapacity = s.Value()
	}
	m.allocatable = capacity
	if k.CgroupsPerQOS && slices.Contains(k.EnforceNodeAllocatable, "pods") {
		m.allocatable = make(corev1.ResourceList, len(capacity))
		for name, q := range capacity {
			v := q.DeepCopy()
			for _, r := range []corev1.ResourceList{k.SystemReserved, k.KubeReserved} {
				if rq, ok := r[name]; ok {
					v.Sub(rq)
				}
			}
			if v.Sign() < 0 {
				v = resource.MustParse("0")
			}
			m.allocatable[name] = v
		}
	}
	return m, capacity
}

// profileNotes are the notes about the profile as a whole: settings
// that change nothing modelled here, and what cgroup v1, cgroupsPerQOS
// false and the systemd driver mean for the comparison.
func profileNotes(p Profile, e *env) []Note {
	var notes []Note
	note := func(reason Reason, msg string) { notes = append(notes, Note{Reason: reason, Message: msg}) }
	for _, name := range slices.Sorted(maps.Keys(p.FeatureGates)) {
		canon := name
		if a, ok := gateAliases[name]; ok {
			canon = a
		}
		if g, ok := gateTable[canon]; !ok || !g.effect {
			note(ReasonNotModelled, fmt.Sprintf("feature gate %s does not change any value modelled here", name))
		}
	}
	k := p.Kubelet
	if e.v2 && !e.has(singleProcessOOMKillConfig) && k.SingleProcessOOMKill != nil {
		note(ReasonNotModelled, fmt.Sprintf("singleProcessOOMKill does not exist in 1.%d; ignored", e.minor))
	}
	if len(k.QOSReserved) > 0 && !e.qosReserved {
		note(ReasonNotModelled, "qosReserved is ignored without the QOSReserved feature gate")
	}
	if !e.v2 {
		if e.memoryQoS {
			note(ReasonCgroupV1Unsupported, "MemoryQoS is on but does nothing on cgroup v1: no memory.min, memory.low or memory.high anywhere")
		}
		if k.SwapBehavior == "LimitedSwap" {
			note(ReasonCgroupV1Unsupported, "LimitedSwap needs cgroup v2; on v1 every container gets NoSwap (memsw = memory limit)")
		}
		if e.has(failCgroupV1ByDefault) {
			note(ReasonCgroupV1Unsupported, fmt.Sprintf("a 1.%d kubelet refuses to start on cgroup v1 unless failCgroupV1 is false", e.minor))
		}
	}
	if !k.CgroupsPerQOS {
		note(ReasonNotModelled, "cgroupsPerQOS is false: the kubelet creates no kubepods, QoS or pod cgroups, and container cgroups land under the runtime's default parent (not modelled)")
	}
	if e.driver == cgroupfs.DriverSystemd {
		note(ReasonSystemdQuotaRounding, "systemd driver: CPU quotas are stored per second in 10 ms steps, so both the exact and the rounded-up quota are accepted")
	}
	return notes
}

// normaliseCapacity copies the capacity and renames "pids" to "pid".
func normaliseCapacity(in corev1.ResourceList) corev1.ResourceList {
	out := make(corev1.ResourceList, len(in))
	for k, v := range in {
		if k == "pids" {
			k = resourcePID
		}
		out[k] = v.DeepCopy()
	}
	return out
}

func isHugePages(name corev1.ResourceName) bool {
	return strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

func parsePercent(s string) (int64, error) {
	if !strings.HasSuffix(s, "%") {
		return 0, fmt.Errorf("percentage expected, got %q", s)
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(s, "%"), 10, 64)
	if err != nil || n < 0 || n > 100 {
		return 0, fmt.Errorf("percentage between 0%% and 100%% expected, got %q", s)
	}
	return n, nil
}
