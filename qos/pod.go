package qos

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// podInfo is one pod as the kubelet sees it: the allocated pod (spec
// resources replaced by the allocation, UpdatePodFromAllocation in
// pkg/kubelet/allocation/allocation_manager.go, v1.37.2) and derived facts.
type podInfo struct {
	pod       *corev1.Pod
	class     corev1.PodQOSClass
	exclusive map[string]bool // container name → holds exclusive CPUs
	active    bool
	// aggs memoizes the pod's aggregates (see aggregate); tier its tier
	// contribution.
	aggs map[aggKey]corev1.ResourceList
	tier *TierContribution
}

// aggKey is a pod aggregate: requests or limits, and the options of
// resourcehelper.PodResourcesOptions that change the result.
type aggKey struct {
	limits                                                                bool
	status, podLevelStatus, noOverhead, noPodLevel, noContainerLevel, dra bool
}

// aggregate returns resourcehelper.PodLimits (limits) or PodRequests of
// the pod, computed once per options: the cgroups of a pod need the same
// aggregates several times. The result must not be modified.
func (pi *podInfo) aggregate(limits bool, opts resourcehelper.PodResourcesOptions) corev1.ResourceList {
	if opts.Reuse != nil || opts.NonMissingContainerRequests != nil {
		return podAggregate(pi.pod, limits, opts)
	}
	// Options that cannot change this pod's result share one entry: the
	// overhead is added only when the pod has one (spec.overhead set), and
	// pod-level resources count only when spec.resources is set.
	// TestAggregateKeyNormalisation checks both against the helper.
	k := aggKey{limits, opts.UseStatusResources, opts.InPlacePodLevelResourcesVerticalScalingEnabled,
		opts.ExcludeOverhead && pi.pod.Spec.Overhead != nil, opts.SkipPodLevelResources && pi.pod.Spec.Resources != nil,
		opts.SkipContainerLevelResources, opts.UseDRANodeAllocatableResourceClaimStatus}
	if r, ok := pi.aggs[k]; ok {
		return r
	}
	if pi.aggs == nil {
		pi.aggs = make(map[aggKey]corev1.ResourceList, 8)
	}
	r := podAggregate(pi.pod, limits, opts)
	pi.aggs[k] = r
	return r
}

func podAggregate(pod *corev1.Pod, limits bool, opts resourcehelper.PodResourcesOptions) corev1.ResourceList {
	if limits {
		return resourcehelper.PodLimits(pod, opts)
	}
	return resourcehelper.PodRequests(pod, opts)
}

func (e *env) newPodInfo(pod *corev1.Pod) *podInfo {
	pi := &podInfo{pod: pod, active: pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed}
	pi.class = QOSClass(pod, e.classOptions())
	pi.exclusive = map[string]bool{}
	for _, c := range allContainers(pod) {
		if e.hasExclusiveCPUs(pi, c) {
			pi.exclusive[c.Name] = true
		}
	}
	return pi
}

// allContainers returns init containers (in order) then app containers.
func allContainers(pod *corev1.Pod) []*corev1.Container {
	out := make([]*corev1.Container, 0, len(pod.Spec.InitContainers)+len(pod.Spec.Containers))
	for i := range pod.Spec.InitContainers {
		out = append(out, &pod.Spec.InitContainers[i])
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// hasExclusiveCPUs models the static CPU manager (guaranteedCPUs in
// cpumanager/policy_static.go): a Guaranteed pod's container with an
// integral CPU request gets exclusive CPUs.
func (e *env) hasExclusiveCPUs(pi *podInfo, c *corev1.Container) bool {
	if !e.staticCPU || pi.class != corev1.PodQOSGuaranteed {
		return false
	}
	q, ok := c.Resources.Requests[corev1.ResourceCPU]
	if !ok || q.Sign() <= 0 || q.Value()*1000 != q.MilliValue() {
		return false
	}
	if e.plrManagers && resourcehelper.IsPodLevelResourcesSet(pi.pod) {
		for _, n := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			r, l := c.Resources.Requests[n], c.Resources.Limits[n]
			if r.IsZero() || !r.Equal(l) {
				return false
			}
		}
	}
	return true
}

func (pi *podInfo) hasExclusive() bool { return len(pi.exclusive) > 0 }

// podResourceOptions are the aggregation options of ResourceConfigForPod.
func (e *env) podResourceOptions() resourcehelper.PodResourcesOptions {
	return resourcehelper.PodResourcesOptions{
		SkipPodLevelResources:                    !e.plr,
		UseDRANodeAllocatableResourceClaimStatus: e.dra,
	}
}

// declaredLimits returns whether CPU and memory limits are "declared"
// for the pod (ResourceConfigForPod in pkg/kubelet/cm/helpers_linux.go,
// v1.37.2). From 1.37 every init and app container
// must have its own non-zero limit; up to 1.36 init containers were
// judged on their cumulative init-time limits (own plus the sidecars
// before them; behaviour ownLimitsDeclared). A non-zero pod-level limit declares the
// resource with pod-level resources on. It also returns, for each
// resource, the first container that breaks the rule.
func (e *env) declaredLimits(pod *corev1.Pod) (cpu, mem bool, cpuBy, memBy string) {
	cpu, mem = true, true
	var sideCPU, sideMem resource.Quantity
	check := func(c *corev1.Container, cpuLim, memLim resource.Quantity) {
		if cpuLim.IsZero() && cpu {
			cpu, cpuBy = false, c.Name
		}
		if memLim.IsZero() && mem {
			mem, memBy = false, c.Name
		}
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cpuLim, memLim := c.Resources.Limits.Cpu().DeepCopy(), c.Resources.Limits.Memory().DeepCopy()
		if !e.has(ownLimitsDeclared) {
			if isSidecar(c) {
				sideCPU.Add(cpuLim)
				sideMem.Add(memLim)
				cpuLim, memLim = sideCPU.DeepCopy(), sideMem.DeepCopy()
			} else {
				cpuLim.Add(sideCPU)
				memLim.Add(sideMem)
			}
		}
		check(c, cpuLim, memLim)
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		check(c, *c.Resources.Limits.Cpu(), *c.Resources.Limits.Memory())
	}
	if e.plr && resourcehelper.IsPodLevelResourcesSet(pod) {
		if !pod.Spec.Resources.Limits.Cpu().IsZero() {
			cpu, cpuBy = true, ""
		}
		if !pod.Spec.Resources.Limits.Memory().IsZero() {
			mem, memBy = true, ""
		}
	}
	return cpu, mem, cpuBy, memBy
}

// sumTerms describes how a pod aggregate was composed, for derivations:
// "containers 200m + overhead 50m" or "pod-level 1".
func (e *env) sumTerms(pi *podInfo, name corev1.ResourceName, limits bool) string {
	pod := pi.pod
	opts := e.podResourceOptions()
	opts.ExcludeOverhead = true
	var plrSet bool
	if e.plr && pod.Spec.Resources != nil {
		if limits {
			_, plrSet = pod.Spec.Resources.Limits[name]
			plrSet = plrSet && resourcehelper.IsPodLevelResourcesSet(pod)
		} else {
			_, plrSet = pod.Spec.Resources.Requests[name]
			plrSet = plrSet && resourcehelper.IsPodLevelRequestsSet(pod)
		}
	}
	var base string
	if plrSet {
		base = "pod-level"
	} else {
		opts.SkipPodLevelResources = true
		q := pi.aggregate(limits, opts)[name]
		base = "containers " + q.String()
	}
	if oh, ok := pod.Spec.Overhead[name]; ok && !oh.IsZero() {
		return base + " + overhead " + oh.String()
	}
	return base
}

// podConfig computes the pod cgroup's ResourceConfig (ResourceConfigForPod
// in pkg/kubelet/cm/helpers_linux.go and podContainerManagerImpl.EnsureExists
// in pod_container_manager_linux.go, v1.37.2).
func (e *env) podConfig(pi *podInfo) *resourceConfig {
	pod := pi.pod
	opts := e.podResourceOptions()
	reqs := pi.aggregate(false, opts)
	limits := pi.aggregate(true, opts)
	cpuDeclared, memDeclared, cpuBy, memBy := e.declaredLimits(pod)

	var cpuReq, cpuLim, memLim int64
	if q, ok := reqs[corev1.ResourceCPU]; ok {
		cpuReq = q.MilliValue()
	}
	if q, ok := limits[corev1.ResourceCPU]; ok {
		cpuLim = q.MilliValue()
	}
	if q, ok := limits[corev1.ResourceMemory]; ok {
		memLim = q.Value()
	}
	shares := convert.MilliCPUToShares(cpuReq)
	quota := convert.MilliCPUToQuota(cpuLim, e.quotaPeriodMicros)
	period := e.periodMicros
	enforce := e.p.Kubelet.CPUCFSQuota
	quotaWhy := fmt.Sprintf("pod CPU limit %dm (%s) x %d / 1000 = %d us per %d us", cpuLim, e.sumTerms(pi, corev1.ResourceCPU, true), e.quotaPeriodMicros, quota, period)
	if cpuLim > 0 && quota == convert.MinQuotaMicros && cpuLim*int64(e.quotaPeriodMicros)/1000 < convert.MinQuotaMicros {
		quotaWhy += " (raised to the 1000 us minimum)"
	}
	switch {
	case !enforce:
		quota = -1
		quotaWhy = fmt.Sprintf("cpuCFSQuota is false: quota -1 (no limit), period %d us", period)
	case e.disableQuotaExclusive && pi.hasExclusive():
		quota = -1
		quotaWhy = fmt.Sprintf("a container holds exclusive CPUs (static CPU manager): the kubelet removes the pod quota (-1), period %d us", period)
	}

	rc := &resourceConfig{}
	switch pi.class {
	case corev1.PodQOSGuaranteed, corev1.PodQOSBurstable:
		rc.shares = &shares
		rc.sharesBy = fmt.Sprintf("cpu.shares = pod CPU request %dm (%s) x 1024 / 1000 = %d", cpuReq, e.sumTerms(pi, corev1.ResourceCPU, false), shares)
		if cpuReq == 0 {
			rc.sharesBy = "cpu.shares = 2: the pod has no CPU request"
		}
		if pi.class == corev1.PodQOSGuaranteed || cpuDeclared {
			rc.quota, rc.period, rc.quotaBy = &quota, &period, quotaWhy
		} else {
			rc.quotaBy = fmt.Sprintf("no pod quota: container %q has no CPU limit (Burstable pods get a quota only when every container has one)", cpuBy)
		}
		memWhy := fmt.Sprintf("pod memory limit %s = %d bytes", e.sumTerms(pi, corev1.ResourceMemory, true), memLim)
		if pi.class == corev1.PodQOSGuaranteed || memDeclared {
			if memLim != 0 {
				rc.memory, rc.memoryBy = &memLim, memWhy
			}
		} else {
			rc.memoryBy = fmt.Sprintf("no pod memory limit: container %q has no memory limit (Burstable pods get one only when every container has one)", memBy)
		}
	default:
		s := convert.MinShares
		rc.shares = &s
		rc.sharesBy = "cpu.shares = 2: BestEffort pod (requests and overhead ignored)"
		rc.quotaBy = "BestEffort pod: no quota"
		rc.memoryBy = "BestEffort pod: no memory limit"
	}

	// Hugepages: the aggregated requests, 0 for other host sizes.
	rc.hugePages, rc.hugeBy = map[uint64]int64{}, map[uint64]string{}
	for name, q := range reqs {
		if !isHugePages(name) {
			continue
		}
		size, err := convert.ParseHugePageResourceName(string(name))
		if err != nil {
			continue
		}
		rc.hugePages[size] += q.Value()
		rc.hugeBy[size] = fmt.Sprintf("pod %s request = %d bytes", name, rc.hugePages[size])
	}

	// MemoryQoS reservation (v2 only).
	memReq := int64(0)
	if q, ok := reqs[corev1.ResourceMemory]; ok {
		memReq = q.Value()
	}
	if e.enforceMemoryQoS && memReq > 0 {
		switch {
		case !e.has(memoryReservationPolicy):
			rc.setUnified("memory.min", strconv.FormatInt(memReq, 10), fmt.Sprintf("MemoryQoS (1.%d): memory.min = pod memory request %d", e.minor, memReq))
		case e.tiered && pi.class == corev1.PodQOSGuaranteed:
			rc.setUnified("memory.min", strconv.FormatInt(memReq, 10), fmt.Sprintf("MemoryQoS TieredReservation, Guaranteed pod: memory.min = pod memory request %d", memReq))
		case e.tiered:
			rc.setUnified("memory.low", strconv.FormatInt(memReq, 10), fmt.Sprintf("MemoryQoS TieredReservation, %s pod: memory.low = pod memory request %d", pi.class, memReq))
		}
	}

	if n := e.p.Kubelet.PodPidsLimit; n > 0 {
		rc.pids, rc.pidsBy = &n, fmt.Sprintf("pids.max = podPidsLimit %d", n)
	}

	// Pod-level memory.high (1.37, ApplyPodLevelMemoryHigh in
	// pkg/kubelet/cm/helpers_linux.go).
	if e.enforceMemoryQoS && e.has(podLevelMemoryHigh) && e.factor != nil {
		e.podMemoryHigh(pi, rc)
	}
	return rc
}

// podMemoryHigh is ApplyPodLevelMemoryHigh: only with pod-level resources
// and declared memory limits; aggregates include overhead, no DRA.
func (e *env) podMemoryHigh(pi *podInfo, rc *resourceConfig) {
	pod := pi.pod
	if !e.plr || !resourcehelper.IsPodLevelResourcesSet(pod) {
		return
	}
	reqs := pi.aggregate(false, resourcehelper.PodResourcesOptions{})
	limits := pi.aggregate(true, resourcehelper.PodResourcesOptions{})
	declared := true
	for _, c := range allContainers(pod) {
		if c.Resources.Limits.Memory().IsZero() {
			declared = false
		}
	}
	if !pod.Spec.Resources.Limits.Memory().IsZero() {
		declared = true
	}
	if !declared {
		return
	}
	var req, lim int64
	if q, ok := reqs[corev1.ResourceMemory]; ok {
		req = q.Value()
	}
	if q, ok := limits[corev1.ResourceMemory]; ok {
		lim = q.Value()
	}
	if (req == lim && req != 0) || lim == 0 {
		return
	}
	if h, ok := convert.MemoryHigh(req, lim, *e.factor, e.pageSize); ok {
		rc.setUnified("memory.high", strconv.FormatInt(h, 10),
			fmt.Sprintf("pod memory.high = floor((%d + (%d - %d) x %g) / %d) x %d = %d", req, lim, req, *e.factor, e.pageSize, e.pageSize, h))
	}
}

// podCgroup returns the pod cgroup's expectation.
func (e *env) podCgroup(pi *podInfo, uid string) ExpectedCgroup {
	rc := e.podConfig(pi)
	var buf [keyBufSize]byte
	files, _ := e.cache.files(rc.key(buf[:0]), func() (map[string]ExpectedFile, error) {
		files := e.kubeletFiles(rc)
		e.addPageRounding(files)
		return files, nil
	})
	cg := ExpectedCgroup{Level: cgroupfs.LevelPod, Path: e.podPath(pi.class, uid), Files: files}
	if !e.v2 && e.memoryQoS && e.factor != nil && e.plr && resourcehelper.IsPodLevelResourcesSet(pi.pod) {
		cg.Notes = append(cg.Notes, Note{Reason: ReasonCgroupV1Unsupported, Message: "pod-level memory.high (MemoryQoS) does nothing on cgroup v1"})
	}
	if e.staticCPU && pi.hasExclusive() {
		var names []string
		for _, c := range allContainers(pi.pod) {
			if pi.exclusive[c.Name] {
				names = append(names, c.Name)
			}
		}
		cg.Notes = append(cg.Notes, Note{Reason: ReasonExclusiveCPUs, Message: "exclusive CPUs for " + strings.Join(names, ", ") + ": the static CPU manager picks the CPUs at admission, so cpuset.cpus is not predictable"})
	}
	return cg
}
