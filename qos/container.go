package qos

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// criResources mirrors the CRI LinuxContainerResources message the kubelet
// sends (k8s.io/cri-api runtime/v1), with the reason of each field. Zero
// integers mean "not specified", as in the CRI.
type criResources struct {
	cpuPeriod, cpuQuota, cpuShares int64
	memoryLimit, memorySwap        int64
	cpusetCPUs, cpusetMems         string            // only from ContainerRuntimeFiles
	hugepages                      map[uint64]uint64 // one entry per host size
	unified                        map[string]string
	why                            map[string]string // "shares", "quota", "memory", "swap", "hugetlb", unified keys
}

func (r *criResources) setUnified(k, v, why string) {
	if r.unified == nil {
		r.unified = map[string]string{}
	}
	r.unified[k] = v
	r.why[k] = why
}

// containerLimit is getCPULimit/getMemoryLimit of kuberuntime
// (pkg/kubelet/kuberuntime/kuberuntime_container_linux.go, v1.37.2): a container without its own limit inherits the pod-level limit;
// DRA allocations inflate a limit the container declares.
func (e *env) containerLimit(pod *corev1.Pod, c *corev1.Container, name corev1.ResourceName, dra corev1.ResourceList) (resource.Quantity, string) {
	own := c.Resources.Limits[name]
	if e.plr && resourcehelper.IsPodLevelResourcesSet(pod) && own.IsZero() {
		pl := pod.Spec.Resources.Limits[name]
		if !pl.IsZero() {
			return pl, "pod-level limit " + pl.String()
		}
		return pl, ""
	}
	if d, ok := dra[name]; ok && !d.IsZero() && !own.IsZero() {
		q := own.DeepCopy()
		q.Add(d)
		return q, fmt.Sprintf("limit %s + DRA %s", own.String(), d.String())
	}
	if own.IsZero() {
		return own, ""
	}
	return own, "limit " + own.String()
}

// containerCRI computes the CRI LinuxContainerResources the kubelet sends
// for a container (generateLinuxContainerResources in
// pkg/kubelet/kuberuntime/kuberuntime_container_linux.go, v1.37.2), in the
// behaviour of the profile's release.
func (e *env) containerCRI(pi *podInfo, c *corev1.Container) *criResources {
	pod := pi.pod
	r := &criResources{why: map[string]string{}}
	var dra corev1.ResourceList
	if e.dra {
		dra = resourcehelper.GetContainerDRAAllocations(pod, c.Name)
	}
	memLimit, memWhy := e.containerLimit(pod, c, corev1.ResourceMemory, dra)
	cpuLimit, cpuWhy := e.containerLimit(pod, c, corev1.ResourceCPU, dra)

	// Shares: the request if the key exists (even 0), else the limit
	// without DRA (generateLinuxContainerResources).
	req, hasReq := c.Resources.Requests[corev1.ResourceCPU]
	var sharesMilli int64
	how := ""
	if hasReq {
		sharesMilli = req.MilliValue()
	} else {
		var lim resource.Quantity
		lim, how = e.containerLimit(pod, c, corev1.ResourceCPU, nil)
		sharesMilli = lim.MilliValue()
	}
	r.cpuShares = int64(convert.MilliCPUToShares(sharesMilli))
	switch {
	case sharesMilli == 0 && hasReq:
		r.why["shares"] = "cpu request 0: 2 shares (the minimum)"
	case sharesMilli == 0:
		r.why["shares"] = "no cpu request or limit: 2 shares (the minimum)"
	case hasReq:
		r.why["shares"] = fmt.Sprintf("cpu request %s: %dm x 1024 / 1000 = %d shares", req.String(), sharesMilli, r.cpuShares)
	case how != "":
		r.why["shares"] = fmt.Sprintf("no cpu request, so the %s: %dm x 1024 / 1000 = %d shares", how, sharesMilli, r.cpuShares)
	default: // unreachable: no request and no limit gives 0 milli-CPU
		r.why["shares"] = fmt.Sprintf("no cpu request or limit = %d shares", r.cpuShares)
	}

	if v := memLimit.Value(); v != 0 {
		r.memoryLimit = v
		r.why["memory"] = fmt.Sprintf("memory %s = %d bytes", memWhy, v)
	} else {
		r.why["memory"] = "no memory limit"
	}

	exclusive := e.disableQuotaExclusive && pi.exclusive[c.Name]
	if e.p.Kubelet.CPUCFSQuota {
		period := int64(e.quotaPeriodMicros)
		r.cpuPeriod = period
		r.cpuQuota = convert.MilliCPUToQuota(cpuLimit.MilliValue(), uint64(period))
		switch {
		case exclusive:
			r.cpuQuota = -1
			r.why["quota"] = fmt.Sprintf("exclusive CPUs (static CPU manager): quota -1, period %d us", period)
		case r.cpuQuota == 0:
			r.why["quota"] = fmt.Sprintf("no cpu limit: no quota, period %d us", period)
		default:
			r.why["quota"] = fmt.Sprintf("cpu %s: %dm x %d / 1000 = %d us", cpuWhy, cpuLimit.MilliValue(), period, r.cpuQuota)
			if cpuLimit.MilliValue()*period/1000 < convert.MinQuotaMicros {
				r.why["quota"] += " (raised to the 1000 us minimum)"
			}
		}
	} else {
		r.why["quota"] = "cpuCFSQuota is false: the kubelet sends no quota or period"
	}

	if e.v2 && !e.singleProcessOOMKill {
		r.setUnified("memory.oom.group", "1", "kubelet: singleProcessOOMKill is not set, so the container is OOM-killed as a group")
	}

	e.containerHugepages(pod, c, dra, r)
	e.containerSwap(pi, c, r)
	e.containerMemoryQoS(pi, c, memLimit, dra, r)
	return r
}

// containerHugepages is GetHugepageLimitsFromResources: one entry per
// host size, 0 unless the container (or, from 1.34, the pod level) limits
// it; DRA claims as k8s.io/component-helpers resource/helpers.go:
// GetContainerDRAAllocations adds them (v0.37.2).
func (e *env) containerHugepages(pod *corev1.Pod, c *corev1.Container, dra corev1.ResourceList, r *criResources) {
	r.hugepages = map[uint64]uint64{}
	for _, s := range e.hugeSizes {
		r.hugepages[s] = 0
	}
	why := map[uint64]string{}
	set := func(list corev1.ResourceList, what string) {
		for name, q := range list {
			if !isHugePages(name) {
				continue
			}
			size, err := convert.ParseHugePageResourceName(string(name))
			if err != nil {
				continue
			}
			if _, err := convert.HugePageSizeName(size); err != nil {
				continue
			}
			r.hugepages[size] = uint64(q.Value())
			why[size] = fmt.Sprintf("%s %s limit %s", what, name, q.String())
		}
	}
	plrSet := e.plr && resourcehelper.IsPodLevelResourcesSet(pod)
	if plrSet && e.has(podLevelHugepages) {
		set(pod.Spec.Resources.Limits, "pod-level")
	}
	set(c.Resources.Limits, "container")
	for name, q := range dra {
		if !isHugePages(name) {
			continue
		}
		size, err := convert.ParseHugePageResourceName(string(name))
		if err != nil {
			continue
		}
		podSet := false
		if e.plr && pod.Spec.Resources != nil {
			_, podSet = pod.Spec.Resources.Limits[name]
		}
		_, ctrSet := c.Resources.Limits[name]
		switch {
		case ctrSet:
			r.hugepages[size] += uint64(q.Value())
			why[size] += " + DRA " + q.String()
		case !podSet:
			r.hugepages[size] = uint64(q.Value())
			why[size] = "DRA " + string(name) + " " + q.String()
		}
	}
	for _, h := range e.huge {
		if why[h.size] == "" {
			why[h.size] = "kubelet sends 0 for every host size the container does not limit"
		}
		r.why[h.why] = why[h.size]
	}
}

// isCritical is IsCriticalPod in pkg/kubelet/types: static, mirror, or
// priority at least 2000000000.
func isCritical(pod *corev1.Pod) bool {
	if src, ok := pod.Annotations["kubernetes.io/config.source"]; ok && src != "api" {
		return true
	}
	if _, ok := pod.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return true
	}
	return pod.Spec.Priority != nil && *pod.Spec.Priority >= 2000000000
}

// containerSwap is configureContainerSwapResources
// (pkg/kubelet/kuberuntime/kuberuntime_container_linux.go, v1.37.2).
func (e *env) containerSwap(pi *podInfo, c *corev1.Container, r *criResources) {
	if !e.p.Machine.SwapAccounting {
		r.why["swap"] = "no swap accounting on the node: the kubelet sends no swap setting"
		return
	}
	memReq := c.Resources.Requests[corev1.ResourceMemory]
	memLim := c.Resources.Limits[corev1.ResourceMemory]
	limited := e.p.Kubelet.SwapBehavior == "LimitedSwap" && e.nodeSwap && e.v2 &&
		!(e.has(swapSkipsCriticalPods) && isCritical(pi.pod)) && pi.class == corev1.PodQOSBurstable &&
		!(memReq.IsZero() && memLim.IsZero()) && memReq.Cmp(memLim) != 0
	if limited {
		swap, err := convert.LimitedSwap(memReq.Value(), e.memCapacity, e.swapCapacity)
		if err == nil {
			r.setUnified("memory.swap.max", strconv.FormatInt(swap, 10),
				fmt.Sprintf("LimitedSwap: trunc(memory request %d / capacity %d x swap %d) = %d", memReq.Value(), e.memCapacity, e.swapCapacity, swap))
			return
		}
	}
	if !e.v2 {
		r.memorySwap = r.memoryLimit
		r.why["swap"] = "NoSwap: memory+swap = the memory limit"
		return
	}
	why := "NoSwap"
	if e.p.Kubelet.SwapBehavior == "LimitedSwap" {
		why = "LimitedSwap applies only to Burstable, non-critical containers whose memory request differs from the limit; this one gets NoSwap"
	}
	r.setUnified("memory.swap.max", "0", "kubelet: "+why)
}

// containerMemoryQoS sets the MemoryQoS unified keys
// (generateLinuxContainerResources, v1.37.2) in the behaviours of the
// release, or memory.high=max when the gate is off (1.37).
func (e *env) containerMemoryQoS(pi *podInfo, c *corev1.Container, memLimit resource.Quantity, dra corev1.ResourceList, r *criResources) {
	if !e.enforceMemoryQoS {
		if e.v2 && e.has(memoryHighResetWhenOff) {
			r.setUnified("memory.high", "max", "kubelet: MemoryQoS is off, so memory.high is reset to max")
		}
		return
	}
	pod := pi.pod
	req := c.Resources.Requests.Memory().Value()
	limSpec := c.Resources.Limits.Memory().Value()
	switch {
	case !e.has(memoryReservationPolicy):
		if req != 0 {
			r.setUnified("memory.min", strconv.FormatInt(req, 10), fmt.Sprintf("MemoryQoS (1.%d): memory.min = memory request %d", e.minor, req))
		}
	case req != 0 && e.tiered && pi.class == corev1.PodQOSGuaranteed:
		r.setUnified("memory.min", strconv.FormatInt(req, 10), fmt.Sprintf("MemoryQoS TieredReservation, Guaranteed pod: memory.min = memory request %d", req))
	case req != 0 && e.tiered:
		r.setUnified("memory.low", strconv.FormatInt(req, 10), fmt.Sprintf("MemoryQoS TieredReservation, %s pod: memory.low = memory request %d", pi.class, req))
	default:
		why := "MemoryQoS with memoryReservationPolicy None: the kubelet writes 0"
		if e.tiered {
			why = "MemoryQoS TieredReservation, no memory request: the kubelet writes 0"
		}
		r.setUnified("memory.min", "0", why)
		r.setUnified("memory.low", "0", why)
	}
	if e.factor == nil {
		return
	}
	var want bool
	switch {
	case e.has(containerMemoryHighPodAware):
		skip := limSpec == 0 && e.plr && resourcehelper.IsPodLevelResourcesSet(pod) && !pod.Spec.Resources.Limits.Memory().IsZero()
		want = !skip && (req != limSpec || req == 0)
	default:
		want = req != limSpec
	}
	if !want {
		return
	}
	lim := limSpec
	limWhy := "memory limit"
	if _, ok := dra[corev1.ResourceMemory]; ok && limSpec != 0 && e.has(containerMemoryHighPodAware) {
		lim = memLimit.Value()
		limWhy = "memory limit with DRA"
	}
	if lim == 0 {
		a := e.allocatable[corev1.ResourceMemory]
		lim = a.Value()
		limWhy = "node allocatable memory (no limit)"
		if lim <= 0 {
			return
		}
	}
	if h, ok := convert.MemoryHigh(req, lim, *e.factor, e.pageSize); ok {
		r.setUnified("memory.high", strconv.FormatInt(h, 10),
			fmt.Sprintf("MemoryQoS: memory.high = floor((request %d + (%s %d - %d) x %g) / %d) x %d = %d", req, limWhy, lim, req, *e.factor, e.pageSize, e.pageSize, h))
	}
}

// ociResources applies the CRI runtime's behaviour (containerd
// internal/cri/opts/spec_linux_opts.go: WithResources; cri-dockerd
// core/helpers_linux.go: updateCreateConfig) and returns
// the OCI LinuxResources the OCI runtime receives, with notes about what
// the CRI runtime dropped.
func (e *env) ociResources(r *criResources) (*specs.LinuxResources, map[string]string) {
	res := &specs.LinuxResources{CPU: &specs.LinuxCPU{}, Memory: &specs.LinuxMemory{}}
	why := maps.Clone(r.why)
	if r.cpuShares != 0 {
		s := uint64(r.cpuShares)
		res.CPU.Shares = &s
	}
	if r.cpuQuota != 0 {
		q := r.cpuQuota
		res.CPU.Quota = &q
	}
	if r.cpuPeriod != 0 {
		p := uint64(r.cpuPeriod)
		res.CPU.Period = &p
	}
	if r.memoryLimit != 0 {
		l := r.memoryLimit
		res.Memory.Limit = &l
	}
	res.CPU.Cpus, res.CPU.Mems = r.cpusetCPUs, r.cpusetMems
	switch e.p.Runtime.CRI {
	case CRIDockerd:
		// dockerd: memory+swap = memory limit; unified and hugepage limits ignored.
		if r.memoryLimit != 0 && e.p.Machine.SwapAccounting {
			s := r.memoryLimit
			res.Memory.Swap = &s
			why["swap"] = "cri-dockerd: memory+swap = the memory limit"
		}
		for k := range r.unified {
			why[k] = "cri-dockerd ignores the kubelet's unified settings"
		}
		for k, v := range why {
			if len(k) > 8 && k[:8] == "hugetlb:" {
				why[k] = v + "; cri-dockerd ignores hugepage limits"
			}
		}
		return res, why
	default:
		// containerd (and CRI-O): copy non-zero fields; memory+swap =
		// memory limit when the kubelet sends no swap and swap is accounted.
		switch {
		case r.memorySwap != 0:
			s := r.memorySwap
			res.Memory.Swap = &s
		case r.memoryLimit != 0 && e.p.Machine.SwapAccounting:
			s := r.memoryLimit
			res.Memory.Swap = &s
			if e.v2 {
				why["swap"] = fmt.Sprintf("%s: memory+swap = the memory limit (no swap)", e.p.Runtime.CRI)
			} else if why["swap"] == "" {
				why["swap"] = fmt.Sprintf("%s: memory+swap = the memory limit", e.p.Runtime.CRI)
			}
		}
	}
	res.HugepageLimits = hugepageLimits(r)
	if len(r.unified) > 0 {
		res.Unified = maps.Clone(r.unified)
	}
	return res, why
}

// containerdHugetlb explains the unlimited container hugetlb files of
// containerd's default configuration.
const containerdHugetlb = "or unlimited: containerd drops the kubelet's container hugepage limits with its default disable_hugetlb_controller = true (internal/cri/config/config_unix.go, v2.4.2; pkg/cri/config in 1.6), and the pod cgroup holds the limit"

// hugepageLimits are the OCI hugepage limits of the CRI resources.
func hugepageLimits(r *criResources) []specs.LinuxHugepageLimit {
	var out []specs.LinuxHugepageLimit
	for _, s := range sortedSizes(r.hugepages) {
		name, _ := convert.HugePageSizeName(s)
		out = append(out, specs.LinuxHugepageLimit{Pagesize: name, Limit: r.hugepages[s]})
	}
	return out
}

// hugetlbAlternatives also accepts, under containerd, the unlimited
// container hugetlb files of its default configuration: WithResources
// (internal/cri/opts/spec_linux_opts.go) copies the CRI hugepage limits
// only with disable_hugetlb_controller = false, which the profile cannot
// see.
func (e *env) hugetlbAlternatives(files map[string]ExpectedFile) {
	if e.p.Runtime.CRI != CRIContainerd {
		return
	}
	for _, h := range e.huge {
		for _, name := range []string{h.limitFile, h.rsvdFile} {
			f, ok := files[name]
			if !ok || f.Accepts(h.unlimited) {
				continue
			}
			f.Accept = append(slices.Clip(f.Accept), h.unlimited)
			f.Derivation += "; " + containerdHugetlb
			files[name] = f
		}
	}
}

// runtimeFiles turns OCI resources into files (convert.OCIFiles) with the
// kubelet's reasons prefixed, then adds every other file at its kernel
// default. With an unknown weight formula both weights are accepted.
func (e *env) runtimeFiles(res *specs.LinuxResources, why map[string]string, formula convert.WeightFormula) (map[string]ExpectedFile, error) {
	opts := convert.OCIOptions{
		Version:          e.p.CgroupVersion,
		Formula:          formula,
		Runtime:          e.p.Runtime.OCI.oci(),
		PageSize:         e.pageSize,
		HugetlbRsvd:      e.p.Machine.HugetlbRsvd,
		NoSwapAccounting: !e.p.Machine.SwapAccounting,
	}
	formulas := []convert.WeightFormula{formula}
	if formula == convert.WeightUnknown {
		formulas = []convert.WeightFormula{convert.WeightLinear, convert.WeightQuadratic}
	}
	files := e.newFiles()
	for i, f := range formulas {
		opts.Formula = f
		fvs, err := convert.OCIFiles(res, opts)
		if err != nil {
			return nil, err
		}
		for _, fv := range fvs {
			d := fv.Derivation
			if pre := why[e.whyKey(fv.Name)]; pre != "" {
				d = pre + "; " + d
			}
			if i == 0 {
				files[fv.Name] = ExpectedFile{Accept: []string{fv.Value}, Derivation: d}
				continue
			}
			if old, ok := files[fv.Name]; ok && !old.Accepts(fv.Value) {
				old.Accept = append(old.Accept, fv.Value)
				old.Derivation += " (linear); " + fv.Derivation + " (quadratic): the OCI runtime is unknown"
				files[fv.Name] = old
			}
		}
	}
	if f, ok := files["cpu.weight"]; ok && res.CPU != nil && res.CPU.Shares != nil {
		f.Shares = *res.CPU.Shares
		files["cpu.weight"] = f
	}
	e.fillDefaults(files, why)
	e.sized(files)
	return files, nil
}

// whyKey maps a file name to the kubelet reason that produced it.
func (e *env) whyKey(name string) string {
	switch name {
	case "cpu.shares", "cpu.weight":
		return "shares"
	case "cpu.max", "cpu.cfs_quota_us", "cpu.cfs_period_us":
		return "quota"
	case "memory.max", "memory.limit_in_bytes":
		return "memory"
	case "memory.memsw.limit_in_bytes":
		return "swap"
	}
	if s, ok := hugetlbSize(name); ok {
		for _, h := range e.huge {
			if h.name == s {
				return h.why // formatted once
			}
		}
		return "hugetlb:" + s
	}
	return name
}

// hugetlbSize extracts "2MB" from "hugetlb.2MB.max" and friends.
func hugetlbSize(name string) (string, bool) {
	const p = "hugetlb."
	if len(name) <= len(p) || name[:len(p)] != p {
		return "", false
	}
	rest := name[len(p):]
	for i := range len(rest) {
		if rest[i] == '.' {
			return rest[:i], true
		}
	}
	return "", false
}

// fillDefaults adds the kernel default of every file a container cgroup
// has that the runtime did not write (the kernel's defaults of a new
// cgroup: kernel/cgroup/cgroup.c, mm/memcontrol.c, kernel/sched/core.c; v1
// defaults per controller).
func (e *env) fillDefaults(files map[string]ExpectedFile, why map[string]string) {
	def := func(name, value string) {
		if _, ok := files[name]; !ok {
			d := "kernel default: not set for this cgroup"
			if w := why[e.whyKey(name)]; w != "" {
				d = w + "; " + d
			}
			files[name] = file(value, d)
		}
	}
	v := e.p.CgroupVersion
	if e.v2 {
		def("cpu.weight", "100")
		def("cpu.max", "max 100000")
		def("memory.max", "max")
		def("memory.min", "0")
		def("memory.low", "0")
		def("memory.high", "max")
		if e.p.Machine.SwapAccounting {
			def("memory.swap.max", "max")
		}
		def("memory.oom.group", "0")
	} else {
		def("cpu.shares", "1024")
		def("cpu.cfs_quota_us", "-1")
		def("cpu.cfs_period_us", "100000")
		def("memory.limit_in_bytes", convert.FormatMemory(-1, v, e.pageSize))
		if e.p.Machine.SwapAccounting {
			def("memory.memsw.limit_in_bytes", convert.FormatMemory(-1, v, e.pageSize))
		}
	}
	def("pids.max", "max")
	for _, h := range e.huge {
		def(h.limitFile, h.unlimited)
		if e.p.Machine.HugetlbRsvd {
			def(h.rsvdFile, h.unlimited)
		}
	}
}

// containerFiles computes a container cgroup's files and explanations.
func (e *env) containerFiles(pi *podInfo, c *corev1.Container) (map[string]ExpectedFile, error) {
	r := e.containerCRI(pi, c)
	var buf [keyBufSize]byte
	files, err := e.cache.files(r.key(buf[:0], 'c', int(e.formula)), func() (map[string]ExpectedFile, error) {
		res, why := e.ociResources(r)
		files, err := e.runtimeFiles(res, why, e.formula)
		if err != nil {
			return nil, err
		}
		e.hugetlbAlternatives(files)
		e.addWeightFormula(files)
		e.addContainerQuotaRounding(files)
		e.addPageRounding(files)
		return files, nil
	})
	if err != nil {
		return nil, &PodError{Namespace: pi.pod.Namespace, Name: pi.pod.Name, Field: "container " + c.Name, Err: err}
	}
	return files, nil
}

// addWeightFormula explains the other formula's weight (weight-formula).
func (e *env) addWeightFormula(files map[string]ExpectedFile) {
	f, ok := files["cpu.weight"]
	if !ok || f.Shares == 0 || e.formula == convert.WeightUnknown {
		return
	}
	other, otherName, who := convert.WeightLinear, "linear", "runc < 1.3.2 (all 1.2.x) and crun < 1.23"
	if e.formula == convert.WeightLinear {
		other, otherName, who = convert.WeightQuadratic, "quadratic", "runc >= 1.3.2 (and 1.4+) and crun >= 1.23"
	}
	w := strconv.FormatUint(other.Weight(f.Shares), 10)
	if f.Accepts(w) {
		return
	}
	f.Explained = append(f.Explained, ExplainedValue{
		Values: []string{w},
		Reason: ReasonWeightFormula,
		Message: fmt.Sprintf("%s is the %s formula's weight for %d shares, used by %s; the profile says %s. Same request, different runtime version: not drift. Set the node's OCI runtime in the profile (--oci-runtime).",
			w, otherName, f.Shares, who, e.p.Runtime.OCI),
		Shares: f.Shares,
	})
	files["cpu.weight"] = f
}

// addContainerQuotaRounding accepts the systemd-rounded container quota.
func (e *env) addContainerQuotaRounding(files map[string]ExpectedFile) {
	if e.driver != cgroupfs.DriverSystemd {
		return
	}
	if f, ok := files["cpu.max"]; ok {
		if m, err := convert.ParseCPUMax(f.Accept[0]); err == nil && !m.Unlimited() {
			g := e.quotaFile(f.Accept[0], f.Derivation, m.QuotaMicros, m.PeriodMicros, func(q int64) string {
				return convert.CPUMax{QuotaMicros: q, PeriodMicros: m.PeriodMicros}.String()
			})
			f.Accept, f.Explained = g.Accept, append(f.Explained, g.Explained...)
			files["cpu.max"] = f
		}
	}
	if f, ok := files["cpu.cfs_quota_us"]; ok {
		q, err := strconv.ParseInt(f.Accept[0], 10, 64)
		p := convert.DefaultPeriodMicros
		if pf, ok := files["cpu.cfs_period_us"]; ok {
			if n, err := strconv.ParseUint(pf.Accept[0], 10, 64); err == nil {
				p = n
			}
		}
		if err == nil && q > 0 {
			g := e.quotaFile(f.Accept[0], f.Derivation, q, p, convert.FormatCFSQuota)
			f.Accept, f.Explained = g.Accept, append(f.Explained, g.Explained...)
			files["cpu.cfs_quota_us"] = f
		}
	}
}
