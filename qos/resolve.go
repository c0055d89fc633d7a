package qos

import (
	"encoding/json"
	"fmt"
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

// memoryQoSRegime is the MemoryQoS behaviour of a release (spec §13.1).
type memoryQoSRegime int

const (
	memoryQoSLegacy memoryQoSRegime = iota // 1.30–1.35: memory.min = requests
	memoryQoS136                           // 1.36: memoryReservationPolicy, factor default 0.9
	memoryQoS137                           // 1.37
)

// env is a profile resolved once: version switches, effective gates,
// derived quantities. Everything the computation reads comes from here.
type env struct {
	p     Profile
	minor int
	gates map[string]bool

	v2     bool
	driver cgroupfs.Driver

	plr, plrFixQOS, plrFixDefaulting, plrManagers bool
	memoryQoS                                     bool // gate on (cgroup version not considered)
	enforceMemoryQoS                              bool // gate on and cgroup v2
	regime                                        memoryQoSRegime
	tiered                                        bool
	factor                                        *float64
	customPeriod                                  bool
	disableQuotaExclusive                         bool
	nodeSwap, dra, qosReserved                    bool
	singleProcessOOMKill                          bool

	periodMicros      uint64 // configured period
	quotaPeriodMicros uint64 // the period MilliCPUToQuota and containers use
	staticCPU         bool

	pageSize     int64
	hugeSizes    []uint64   // host huge page sizes, ascending
	huge         []hugeSize // the same, with their names, formatted once
	memCapacity  int64
	swapCapacity int64
	cpuCapacity  int64 // milli-CPU
	allocatable  corev1.ResourceList
	formula      convert.WeightFormula

	notes []Note

	// cache shares the file maps of equal cgroups (nil: none).
	cache *fileCache
	// files is the largest number of files a cgroup had so far (shared by
	// the copies of the env): new file maps are made that size.
	files *atomic.Int32
}

// newFiles returns an empty file map sized for a cgroup's files. A fixed
// hint of 16 would double a 13-file v2 map: Go rounds a map's groups of
// eight slots up to a power of two, so 16 entries take 32 slots where 13
// fit in 16.
func (e *env) newFiles() map[string]ExpectedFile {
	return make(map[string]ExpectedFile, max(8, int(e.files.Load())))
}

// sized records the size of a built file map for newFiles.
func (e *env) sized(files map[string]ExpectedFile) {
	for n := int32(len(files)); ; {
		old := e.files.Load()
		if n <= old || e.files.CompareAndSwap(old, n) {
			return
		}
	}
}

// hugeSize is a host huge page size and the names derived from it.
type hugeSize struct {
	size                uint64
	name                string // "2MB"
	why                 string // the key of its reason in criResources.why
	limitFile, rsvdFile string // of the profile's cgroup version
	unlimited           string // the limit file's value with no limit
}

// Validate checks the profile the way the kubelet validates its
// configuration, and returns a *ProfileError naming the first bad field.
func (p Profile) Validate() error {
	_, err := resolve(p)
	return err
}

func resolve(p Profile) (*env, error) {
	e := &env{p: p, files: new(atomic.Int32)}
	minor, err := ParseKubernetesVersion(p.KubernetesVersion)
	if err != nil {
		return nil, &ProfileError{Field: "kubernetesVersion", Err: err}
	}
	e.minor = minor
	if e.gates, err = p.EffectiveFeatureGates(); err != nil {
		return nil, err
	}
	for name := range p.FeatureGates {
		canon := name
		if a, ok := gateAliases[name]; ok {
			canon = a
		}
		if g, ok := gateTable[canon]; !ok || !g.effect {
			e.note(ReasonNotModelled, fmt.Sprintf("feature gate %s does not change any value modelled here", name))
		}
	}
	g := func(n string) bool { return e.gates[n] }
	switch p.CgroupVersion {
	case convert.CgroupV1:
	case convert.CgroupV2:
		e.v2 = true
	default:
		return nil, &ProfileError{Field: "cgroupVersion", Err: fmt.Errorf("want v1 or v2")}
	}
	k := p.Kubelet
	switch k.CgroupDriver {
	case cgroupfs.DriverCgroupfs, cgroupfs.DriverSystemd:
		e.driver = k.CgroupDriver
	default:
		return nil, &ProfileError{Field: "kubelet.cgroupDriver", Err: fmt.Errorf("%q: want cgroupfs or systemd", k.CgroupDriver)}
	}
	if k.CgroupsPerQOS && k.CgroupRoot == "" {
		return nil, &ProfileError{Field: "kubelet.cgroupRoot", Err: fmt.Errorf("empty: the kubelet defaults it to \"/\" when cgroupsPerQOS is true")}
	}
	if k.CgroupRoot != "" && !strings.HasPrefix(k.CgroupRoot, "/") {
		return nil, &ProfileError{Field: "kubelet.cgroupRoot", Err: fmt.Errorf("%q: must be an absolute cgroupfs path", k.CgroupRoot)}
	}
	if !k.CgroupsPerQOS && slices.Contains(k.EnforceNodeAllocatable, "pods") {
		return nil, &ProfileError{Field: "kubelet.enforceNodeAllocatable", Err: fmt.Errorf("\"pods\" requires cgroupsPerQOS")}
	}
	for _, key := range k.EnforceNodeAllocatable {
		switch key {
		case "pods", "system-reserved", "kube-reserved", "system-reserved-compressible", "kube-reserved-compressible", "none":
		default:
			return nil, &ProfileError{Field: "kubelet.enforceNodeAllocatable", Err: fmt.Errorf("unknown key %q", key)}
		}
	}
	switch k.CPUManagerPolicy {
	case "none", "":
	case "static":
		e.staticCPU = true
	default:
		return nil, &ProfileError{Field: "kubelet.cpuManagerPolicy", Err: fmt.Errorf("%q: want none or static", k.CPUManagerPolicy)}
	}

	// CPU period (spec §7.1): the configured period needs the gate.
	period := k.CPUCFSQuotaPeriod.Duration
	if period == 0 {
		period = 100 * time.Millisecond
	}
	e.customPeriod = g(GateCPUCFSQuotaPeriod)
	if period != 100*time.Millisecond {
		if !e.customPeriod {
			return nil, &ProfileError{Field: "kubelet.cpuCFSQuotaPeriod", Err: fmt.Errorf("%v requires the CPUCFSQuotaPeriod feature gate (on by default from 1.36; the kubelet refuses to start)", period)}
		}
		if period < time.Millisecond || period > time.Second {
			return nil, &ProfileError{Field: "kubelet.cpuCFSQuotaPeriod", Err: fmt.Errorf("%v: must be between 1ms and 1s", period)}
		}
	}
	e.periodMicros = uint64(period / time.Microsecond)
	e.quotaPeriodMicros = convert.DefaultPeriodMicros
	if e.customPeriod {
		e.quotaPeriodMicros = e.periodMicros
	}

	e.plr = g(GatePodLevelResources)
	e.plrFixQOS = g(GatePodLevelResourcesFixKubeletQOSClass)
	e.plrFixDefaulting = g(GatePodLevelResourcesFixDefaulting)
	e.plrManagers = g(GatePodLevelResourceManagers)
	e.disableQuotaExclusive = g(GateDisableCPUQuotaWithExclusiveCPUs)
	e.nodeSwap = g(GateNodeSwap)
	// The DRA gate exists in 1.36 but the kubelet consumes claims only from 1.37.
	e.dra = g(GateDRANodeAllocatableResources) && minor >= 37
	e.qosReserved = g(GateQOSReserved)

	// MemoryQoS (spec §7.3, §13).
	e.memoryQoS = g(GateMemoryQoS)
	e.enforceMemoryQoS = e.memoryQoS && e.v2
	switch {
	case minor <= 35:
		e.regime = memoryQoSLegacy
	case minor == 36:
		e.regime = memoryQoS136
	default:
		e.regime = memoryQoS137
	}
	switch k.MemoryReservationPolicy {
	case "", "None":
	case "TieredReservation":
		if minor < 36 {
			return nil, &ProfileError{Field: "kubelet.memoryReservationPolicy", Err: fmt.Errorf("TieredReservation does not exist before 1.36")}
		}
		if !e.memoryQoS {
			return nil, &ProfileError{Field: "kubelet.memoryReservationPolicy", Err: fmt.Errorf("TieredReservation requires the MemoryQoS feature gate")}
		}
		e.tiered = true
	default:
		return nil, &ProfileError{Field: "kubelet.memoryReservationPolicy", Err: fmt.Errorf("%q: want None or TieredReservation", k.MemoryReservationPolicy)}
	}
	if f := k.MemoryThrottlingFactor; f != nil {
		if *f <= 0 || *f > 1 {
			return nil, &ProfileError{Field: "kubelet.memoryThrottlingFactor", Err: fmt.Errorf("%v: must be in (0, 1]", *f)}
		}
		if !e.memoryQoS && *f != 0.9 && minor >= 37 {
			return nil, &ProfileError{Field: "kubelet.memoryThrottlingFactor", Err: fmt.Errorf("may only be set while the MemoryQoS feature gate is on")}
		}
		v := *f
		e.factor = &v
	} else if minor <= 36 {
		v := 0.9 // defaulted by the kubelet up to 1.36
		e.factor = &v
	}

	// singleProcessOOMKill (spec §7.5): v1 → true; v2 → configured, default
	// false. Before 1.32 the field does not exist and v2 containers always
	// get memory.oom.group=1.
	switch {
	case !e.v2:
		if k.SingleProcessOOMKill != nil && !*k.SingleProcessOOMKill && minor >= 32 {
			return nil, &ProfileError{Field: "kubelet.singleProcessOOMKill", Err: fmt.Errorf("false is not allowed on cgroup v1")}
		}
		e.singleProcessOOMKill = true
	case minor < 32:
		if k.SingleProcessOOMKill != nil {
			e.note(ReasonNotModelled, fmt.Sprintf("singleProcessOOMKill does not exist in 1.%d; ignored", minor))
		}
	case k.SingleProcessOOMKill != nil:
		e.singleProcessOOMKill = *k.SingleProcessOOMKill
	}

	switch k.SwapBehavior {
	case "", "NoSwap", "LimitedSwap":
	default:
		return nil, &ProfileError{Field: "kubelet.memorySwap.swapBehavior", Err: fmt.Errorf("%q: want NoSwap or LimitedSwap", k.SwapBehavior)}
	}
	if k.PodPidsLimit == 0 || k.PodPidsLimit < -1 {
		// The kubelet defaults nil and any negative value to -1; 0 means unset too.
		e.p.Kubelet.PodPidsLimit = -1
	}
	if len(k.QOSReserved) > 0 && !e.qosReserved {
		e.note(ReasonNotModelled, "qosReserved is ignored without the QOSReserved feature gate")
	}
	for name := range k.QOSReserved {
		if name != "memory" {
			return nil, &ProfileError{Field: "kubelet.qosReserved", Err: fmt.Errorf("only memory can be reserved, not %q", name)}
		}
		if _, err := parsePercent(k.QOSReserved[name]); err != nil {
			return nil, &ProfileError{Field: "kubelet.qosReserved.memory", Err: err}
		}
	}

	// Node.
	n := p.Node
	e.pageSize = n.PageSize
	if e.pageSize == 0 {
		e.pageSize = convert.DefaultPageSize
	}
	if e.pageSize < 0 || e.pageSize&(e.pageSize-1) != 0 {
		return nil, &ProfileError{Field: "node.pageSize", Err: fmt.Errorf("%d: must be a power of two", n.PageSize)}
	}
	capacity := normaliseCapacity(n.Capacity)
	for name, q := range capacity {
		if q.Sign() < 0 {
			return nil, &ProfileError{Field: "node.capacity." + string(name), Err: fmt.Errorf("negative")}
		}
		if isHugePages(name) {
			size, err := convert.ParseHugePageResourceName(string(name))
			if err != nil {
				return nil, &ProfileError{Field: "node.capacity." + string(name), Err: err}
			}
			if _, err := convert.HugePageSizeName(size); err != nil {
				return nil, &ProfileError{Field: "node.capacity." + string(name), Err: err}
			}
			if !slices.Contains(e.hugeSizes, size) {
				e.hugeSizes = append(e.hugeSizes, size)
			}
		}
	}
	slices.Sort(e.hugeSizes)
	for _, size := range e.hugeSizes {
		name, _ := convert.HugePageSizeName(size) // checked above
		v := e.p.CgroupVersion
		e.huge = append(e.huge, hugeSize{
			size: size, name: name, why: "hugetlb:" + name,
			limitFile: convert.HugetlbLimitFile(name, v), rsvdFile: convert.HugetlbRsvdLimitFile(name, v),
			unlimited: convert.HugetlbUnlimited(size, v, e.pageSize),
		})
	}
	mem, ok := capacity[corev1.ResourceMemory]
	if !ok || mem.Value() <= 0 {
		return nil, &ProfileError{Field: "node.capacity.memory", Err: fmt.Errorf("required and positive (the OOM score divides by it)")}
	}
	e.memCapacity = mem.Value()
	cpu, ok := capacity[corev1.ResourceCPU]
	if !ok || cpu.MilliValue() <= 0 {
		return nil, &ProfileError{Field: "node.capacity.cpu", Err: fmt.Errorf("required and positive")}
	}
	e.cpuCapacity = cpu.MilliValue()
	if s, ok := capacity[resourceSwap]; ok {
		e.swapCapacity = s.Value()
	}
	e.p.Node.Capacity = capacity
	e.allocatable = capacity
	if k.CgroupsPerQOS && slices.Contains(k.EnforceNodeAllocatable, "pods") {
		e.allocatable = corev1.ResourceList{}
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
			e.allocatable[name] = v
		}
	}
	for _, r := range []struct {
		field string
		list  corev1.ResourceList
	}{{"kubelet.kubeReserved", k.KubeReserved}, {"kubelet.systemReserved", k.SystemReserved}} {
		for name, q := range r.list {
			if q.Sign() < 0 {
				return nil, &ProfileError{Field: r.field + "." + string(name), Err: fmt.Errorf("negative")}
			}
		}
	}

	// Runtime.
	switch p.Runtime.CRI {
	case CRIContainerd, CRICRIO, CRIDockerd:
	default:
		return nil, &ProfileError{Field: "runtime.cri", Err: fmt.Errorf("%q: want containerd, crio or cri-dockerd", p.Runtime.CRI)}
	}
	switch p.Runtime.OCI.Name {
	case "runc", "crun", "unknown", "":
	default:
		return nil, &ProfileError{Field: "runtime.oci", Err: fmt.Errorf("%q: want runc, crun or unknown", p.Runtime.OCI.Name)}
	}
	e.formula = p.Runtime.OCI.WeightFormula()

	// Profile-level notes.
	if !e.v2 {
		if e.memoryQoS {
			e.note(ReasonCgroupV1Unsupported, "MemoryQoS is on but does nothing on cgroup v1: no memory.min, memory.low or memory.high anywhere")
		}
		if k.SwapBehavior == "LimitedSwap" {
			e.note(ReasonCgroupV1Unsupported, "LimitedSwap needs cgroup v2; on v1 every container gets NoSwap (memsw = memory limit)")
		}
		if minor >= 35 {
			e.note(ReasonCgroupV1Unsupported, fmt.Sprintf("a 1.%d kubelet refuses to start on cgroup v1 unless failCgroupV1 is false", minor))
		}
	}
	if !k.CgroupsPerQOS {
		e.note(ReasonNotModelled, "cgroupsPerQOS is false: the kubelet creates no kubepods, QoS or pod cgroups, and container cgroups land under the runtime's default parent (not modelled)")
	}
	if e.driver == cgroupfs.DriverSystemd {
		e.note(ReasonSystemdQuotaRounding, "systemd driver: CPU quotas are stored per second in 10 ms steps, so both the exact and the rounded-up quota are accepted")
	}
	return e, nil
}

func (e *env) note(reason Reason, msg string) {
	e.notes = append(e.notes, Note{Reason: reason, Message: msg})
}

// normaliseCapacity copies the capacity and renames "pids" to "pid".
func normaliseCapacity(in corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
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
