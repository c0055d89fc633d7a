package qos

import (
	"fmt"
	"strconv"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// tierSums are the node-level sums over active pods
// (pkg/kubelet/cm/qos_container_manager_linux.go: setCPUCgroupConfig,
// getQoSMemoryRequests, v1.37.2).
type tierSums struct {
	burstableCPUMilli int64
	burstablePods     int
	g, b              int64 // memory requests of Guaranteed and Burstable pods
}

// tierContribution is what one pod adds: the burstable CPU sum
// (setCPUCgroupConfig) and the MemoryQoS/QOSReserved memory sums
// (getQoSMemoryRequests, pod-level values always applied).
//
// It depends only on the pod as allocated and on options every variant of
// a profile shares, so it is computed once per podInfo.
func (e *env) tierContribution(pi *podInfo) TierContribution {
	if pi.tier != nil {
		return *pi.tier
	}
	t := TierContribution{Active: pi.active}
	pi.tier = &t
	if !pi.active || pi.class == corev1.PodQOSBestEffort {
		return t
	}
	if pi.class == corev1.PodQOSBurstable {
		reqs := pi.aggregate(false, e.podResourceOptions())
		if q, ok := reqs[corev1.ResourceCPU]; ok {
			t.CPUMilli = q.MilliValue()
		}
	}
	reqs := pi.aggregate(false, resourcehelper.PodResourcesOptions{UseDRANodeAllocatableResourceClaimStatus: e.dra})
	if q, ok := reqs[corev1.ResourceMemory]; ok {
		t.MemoryBytes = q.Value()
	}
	return t
}

func (e *env) sums(pis []*podInfo) tierSums {
	var s tierSums
	for _, pi := range pis {
		t := e.tierContribution(pi)
		switch {
		case !t.Active:
		case pi.class == corev1.PodQOSBurstable:
			s.burstableCPUMilli += t.CPUMilli
			s.burstablePods++
			s.b += t.MemoryBytes
		case pi.class == corev1.PodQOSGuaranteed:
			s.g += t.MemoryBytes
		}
	}
	return s
}

// unboundedHugetlb is the QoS loop's 2^62 for every host size.
func (e *env) unboundedHugetlb(rc *resourceConfig, level string) {
	rc.hugePages, rc.hugeBy = map[uint64]int64{}, map[uint64]string{}
	for _, s := range e.hugeSizes {
		rc.hugePages[s] = convert.HugetlbUnlimitedTier
		rc.hugeBy[s] = "QoS loop (every minute): 2^62 for every host page size, unbounded at " + level
	}
}

// nodeCgroups returns kubepods and the two tiers.
func (e *env) nodeCgroups(pis []*podInfo) []ExpectedCgroup {
	if !e.p.Kubelet.CgroupsPerQOS {
		return nil
	}
	s := e.sums(pis)
	enforced := e.allocatable
	allocWhat := "allocatable (capacity - kubeReserved - systemReserved)"
	if !contains(e.p.Kubelet.EnforceNodeAllocatable, "pods") {
		allocWhat = "capacity (enforceNodeAllocatable lacks pods)"
	}

	// kubepods.
	kp := &resourceConfig{}
	if q, ok := enforced[corev1.ResourceCPU]; ok {
		sh := convert.MilliCPUToShares(q.MilliValue())
		kp.shares = &sh
		kp.sharesBy = fmt.Sprintf("cpu.shares = %s CPU %dm x 1024 / 1000 = %d", allocWhat, q.MilliValue(), sh)
	}
	kp.quotaBy = "never set: reserved CPU is enforced through weights, not a quota"
	if q, ok := enforced[corev1.ResourceMemory]; ok {
		m := q.Value()
		kp.memory = &m
		kp.memoryBy = fmt.Sprintf("memory = %s memory %d (eviction thresholds are not subtracted)", allocWhat, m)
	}
	if q, ok := enforced[resourcePID]; ok {
		n := q.Value()
		kp.pids = &n
		kp.pidsBy = fmt.Sprintf("pids.max = %s pid %d", allocWhat, n)
	}
	e.unboundedHugetlb(kp, "kubepods (the allocatable value written at startup is overwritten)")
	if !e.staticCPU && e.has(kubepodsCPUSet) {
		n := int(e.cpuCapacity / 1000)
		if n > 0 {
			kp.cpuset = fmt.Sprintf("0-%d", n-1)
			if n == 1 {
				kp.cpuset = "0"
			}
			kp.cpusetBy = fmt.Sprintf("CPU manager policy none: all %d CPUs", n)
		}
	}
	if e.v2 {
		e.kubepodsMemoryQoS(kp, s)
	}

	// Tiers.
	bu := &resourceConfig{}
	bs := convert.MilliCPUToShares(s.burstableCPUMilli)
	bu.shares = &bs
	bu.sharesBy = fmt.Sprintf("cpu.shares = sum of the CPU requests of %d active Burstable pods, %dm x 1024 / 1000 = %d", s.burstablePods, s.burstableCPUMilli, bs)
	if s.burstableCPUMilli == 0 {
		bu.sharesBy = "cpu.shares = 2: no active Burstable pod requests CPU"
	}
	e.unboundedHugetlb(bu, "the burstable tier")
	be := &resourceConfig{}
	two := convert.MinShares
	be.shares = &two
	be.sharesBy = "cpu.shares = 2: always, for the besteffort tier"
	e.unboundedHugetlb(be, "the besteffort tier")
	if e.v2 {
		e.burstableMemoryQoS(bu, s)
	}
	e.qosReservedLimits(bu, be, s)

	out := []ExpectedCgroup{
		{Level: cgroupfs.LevelKubepods, Path: e.nodeAllocatableName().render(e.driver), Files: e.kubeletFiles(kp)},
		{Level: cgroupfs.LevelBurstable, Path: e.qosName(corev1.PodQOSBurstable).render(e.driver), Files: e.kubeletFiles(bu)},
		{Level: cgroupfs.LevelBestEffort, Path: e.qosName(corev1.PodQOSBestEffort).render(e.driver), Files: e.kubeletFiles(be)},
	}
	out[0].Notes = append(out[0].Notes, Note{Reason: ReasonNotModelled, Message: "written once at kubelet start (cgroupfs driver); under systemd, each later update of the slice re-applies the stored unit properties"})
	out[1].Notes = append(out[1].Notes, Note{Reason: ReasonQOSTierLag, Message: "refreshed every minute and before each new pod cgroup: a pod started or stopped in the last minute may not be counted yet"})
	for i := range out {
		e.addPageRounding(out[i].Files)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kubepodsMemoryQoS sets kubepods memory.min/low per release
// (pkg/kubelet/cm/qos_container_manager_linux.go: Start, setMemoryQoS;
// node_container_manager_linux.go: enforceNodeAllocatableCgroups, v1.37.2).
func (e *env) kubepodsMemoryQoS(rc *resourceConfig, s tierSums) {
	gb := s.g + s.b
	switch {
	case !e.has(memoryReservationPolicy):
		if e.memoryQoS && gb > 0 {
			rc.setUnified("memory.min", strconv.FormatInt(gb, 10), fmt.Sprintf("MemoryQoS (1.%d): memory.min = Guaranteed + Burstable memory requests %d + %d", e.minor, s.g, s.b))
		}
	case e.tiered:
		rc.setUnified("memory.min", strconv.FormatInt(gb, 10), fmt.Sprintf("MemoryQoS TieredReservation: memory.min = Guaranteed + Burstable memory requests %d + %d (every minute)", s.g, s.b))
		if e.has(qosMemoryReset) {
			rc.setUnified("memory.low", strconv.FormatInt(s.b, 10), fmt.Sprintf("MemoryQoS TieredReservation: memory.low = Burstable memory requests %d (every minute)", s.b))
		}
	case e.has(qosMemoryReset):
		why := "MemoryQoS with policy None: reset to 0 at QoS-manager start"
		if !e.memoryQoS {
			why = "MemoryQoS off: node-allocatable enforcement writes 0"
		}
		rc.setUnified("memory.min", "0", why)
		rc.setUnified("memory.low", "0", why)
	case e.memoryQoS: // 1.36, policy None
		rc.setUnified("memory.min", "0", "MemoryQoS with policy None (1.36): the QoS loop writes 0 every minute")
	}
}

// burstableMemoryQoS sets the burstable tier's MemoryQoS keys.
func (e *env) burstableMemoryQoS(rc *resourceConfig, s tierSums) {
	switch {
	case !e.has(memoryReservationPolicy):
		if e.memoryQoS && s.b > 0 {
			rc.setUnified("memory.min", strconv.FormatInt(s.b, 10), fmt.Sprintf("MemoryQoS (1.%d): memory.min = Burstable memory requests %d", e.minor, s.b))
		}
	case e.tiered:
		rc.setUnified("memory.low", strconv.FormatInt(s.b, 10), fmt.Sprintf("MemoryQoS TieredReservation: memory.low = Burstable memory requests %d (every minute)", s.b))
	case e.has(qosMemoryReset) || e.memoryQoS:
		rc.setUnified("memory.low", "0", "MemoryQoS without TieredReservation: the kubelet resets memory.low to 0")
	}
}

// qosReservedLimits sets tier memory limits under QOSReserved
// (pkg/kubelet/cm/qos_container_manager_linux.go: setMemoryReserve, v1.37.2).
func (e *env) qosReservedLimits(bu, be *resourceConfig, s tierSums) {
	pct, ok := e.p.Kubelet.QOSReserved["memory"]
	if !e.qosReserved || !ok {
		return
	}
	p, err := parsePercent(pct)
	if err != nil {
		return
	}
	a := e.allocatable[corev1.ResourceMemory]
	alloc := a.Value()
	if alloc <= 0 {
		return
	}
	bl := alloc - s.g*p/100
	bel := bl - s.b*p/100
	bu.memory = &bl
	bu.memoryBy = fmt.Sprintf("QOSReserved memory %d%%: allocatable %d - Guaranteed requests %d x %d%% = %d", p, alloc, s.g, p, bl)
	be.memory = &bel
	be.memoryBy = fmt.Sprintf("QOSReserved memory %d%%: burstable limit %d - Burstable requests %d x %d%% = %d", p, bl, s.b, p, bel)
}
