package qos

import (
	"cmp"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Expect computes what the cgroups of a node running pods should hold
// under profile p: kubepods and the QoS tiers (which depend on every
// active pod of the node), and for each pod its pod, sandbox and container
// cgroups, with every file's accepted values, derivation and known
// explanations, plus each container's oom_score_adj.
//
// Pods are taken as the API server stores them; the cgroups follow the
// allocated resources (status.containerStatuses[].allocatedResources)
// when a resize is pending. Plain manifests should go through
// [Profile.DefaultPod] first (see [ReadPods]). The pods are not
// modified, and the result shares no map, slice or pointer with them,
// with p or between its own cgroups: a caller may change it freely.
//
// To compute the expectation of the same node again as its pods change,
// an [Expecter] keeps each pod's part.
func Expect(pods []*corev1.Pod, p Profile) (*Expectation, error) {
	ex, err := NewExpecter(p)
	if err != nil {
		return nil, err
	}
	ex.keep = false // nothing to reuse: no pod keys to compute
	return ex.Expect(pods)
}

// memoryQoSOffPrefix introduces the MemoryQoS-off alternative of a file.
const memoryQoSOffPrefix = "with the MemoryQoS feature gate off (the default before 1.37) the file reads this instead: "

// compute computes the expectation of the pods, sorted, and the node
// levels, reusing the part of each pod whose inputs are those of the
// previous call (when ex.keep). With ex.alt (the profile with MemoryQoS
// off), every cgroup's files also get alt's values as
// memoryqos-disabled explanations, unless alt cannot compute some pod;
// ex.otherCPU is the profile with the other CPU manager policy (see
// expectPod). With ex.share, cgroups computed from equal inputs share
// their file maps (fileCache); the result is not yet owned (see own).
//
// Pods are computed independently, by up to GOMAXPROCS goroutines; the
// result does not depend on how many.
func (ex *Expecter) compute(pods []*corev1.Pod) (*Expectation, error) {
	for _, pod := range pods {
		if err := validatePod(pod); err != nil {
			return nil, err
		}
	}
	e, alt := ex.e, ex.alt
	var cache *fileCache
	if ex.share {
		cache = newFileCache()
	}
	// MemoryQoS changes the inputs (the CRI resources and
	// ResourceConfigs, which are the keys), never how files are built
	// from them, so e and alt share one cache: equal keys give equal sets
	// under both (TestSharedFilesEqualFresh compares with fresh maps).
	e.cache = cache
	if alt != nil {
		alt.cache = cache
	}
	x := &Expectation{APIVersion: APIVersion, Kind: KindExpectation, Node: []ExpectedCgroup{}}
	sorted := slices.Clone(pods)
	slices.SortStableFunc(sorted, func(a, b *corev1.Pod) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name), cmp.Compare(string(a.UID), string(b.UID)))
	})
	entries := make([]*podEntry, len(sorted))
	errs := make([]error, len(sorted))
	var reused atomic.Int64
	forEach(len(sorted), func(i int) {
		pod := sorted[i]
		var key uint64
		if ex.keep {
			key = inputsKey(pod)
			if old := ex.pods[pod.UID]; old != nil && key != 0 && old.key == key {
				entries[i] = old
				reused.Add(1)
				return
			}
		}
		pe, pi, err := e.expectPod(pod, ex.otherCPU)
		if err != nil {
			errs[i] = err
			return
		}
		ent := &podEntry{key: key, pe: *pe}
		if alt != nil && pi.active {
			// The pod as allocated is the same with MemoryQoS off.
			ent.alt, err = alt.podCgroups(pi)
			ent.altFailed = err != nil
		}
		// The node levels need only the pod's class and its tier
		// contribution (computed by expectPod): the entry keeps those and
		// not the pod, which it would otherwise hold until the pod goes.
		ent.info = &podInfo{class: pi.class, active: pi.active, tier: pi.tier}
		if pi.tier == nil {
			ent.info = pi
		}
		entries[i] = ent
	})
	for _, err := range errs {
		if err != nil {
			return nil, err // the first pod's error, in order
		}
	}
	x.Pods = make([]PodExpectation, len(entries))
	infos := make([]*podInfo, len(entries))
	altFailed := false
	for i, ent := range entries {
		x.Pods[i], infos[i] = ent.pe, ent.info
		altFailed = altFailed || ent.altFailed
	}
	if n := e.nodeCgroups(infos); n != nil {
		x.Node = n
	}
	if alt != nil && !altFailed {
		if n := alt.nodeCgroups(infos); n != nil {
			e.mergeExplained(x.Node, n, ReasonMemoryQoSDisabled, memoryQoSOffPrefix)
		}
		for i, ent := range entries {
			// The merge replaces file maps: on a copy of the cgroups, so
			// that the kept entry stays as computed.
			x.Pods[i].Cgroups = slices.Clone(x.Pods[i].Cgroups)
			e.mergeExplained(x.Pods[i].Cgroups, ent.alt, ReasonMemoryQoSDisabled, memoryQoSOffPrefix)
		}
	}
	if ex.keep {
		next := make(map[types.UID]*podEntry, len(entries))
		for i, ent := range entries {
			if _, dup := next[sorted[i].UID]; !dup {
				next[sorted[i].UID] = ent
			}
		}
		ex.pods = next
	}
	n := int64(len(entries))
	ex.stats.Reused += reused.Load()
	ex.stats.Computed += n - reused.Load()
	x.Profile = e.p
	x.Profile.FeatureGates = maps.Clone(e.gates)
	x.Notes = append(x.Notes, e.notes...)
	return x, nil
}

// forEach calls fn(0) ... fn(n-1), spread over up to GOMAXPROCS
// goroutines when n is large enough to pay for them.
func forEach(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/16)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// expectPod computes one pod, with resize and exclusive-CPU alternatives;
// otherCPU (nil: none) is the profile with the other CPU manager policy.
func (e *env) expectPod(pod *corev1.Pod, otherCPU *env) (*PodExpectation, *podInfo, error) {
	alloc, state, specPod, actuated := e.allocated(pod)
	pi := e.newPodInfo(alloc)
	pe := &PodExpectation{
		Namespace: pod.Namespace, Name: pod.Name, UID: string(pod.UID), QOSClass: pi.class,
		OOMScoreAdj: map[string]int{}, Resize: state, Tier: e.tierContribution(pi),
		Cgroups: []ExpectedCgroup{},
	}
	if !pod.CreationTimestamp.IsZero() {
		t := pod.CreationTimestamp
		pe.CreationTimestamp = &t
	}
	pe.StartTime = pod.Status.StartTime
	if !pi.active {
		pe.Notes = append(pe.Notes, Note{Reason: ReasonNotModelled, Message: fmt.Sprintf("phase %s: the pod's cgroups are removed and no tier counts it", pod.Status.Phase)})
		return pe, pi, nil
	}
	if len(pod.Spec.EphemeralContainers) > 0 {
		pe.Notes = append(pe.Notes, Note{Reason: ReasonNotModelled, Message: "ephemeral containers are not listed (shares 2, no limits unless pod-level limits apply)"})
	}
	cgs, err := e.podCgroups(pi)
	if err != nil {
		return nil, nil, err
	}
	pe.Cgroups = cgs
	for _, c := range allContainers(alloc) {
		pe.OOMScoreAdj[c.Name] = e.oomScoreAdj(pi, c)
	}
	if specPod != nil {
		if alt, err := e.podCgroups(e.newPodInfo(specPod)); err == nil {
			e.mergeExplained(pe.Cgroups, alt, ReasonResizePending, "a resize is pending ("+cmp.Or(state.Reason, "not yet allocated")+"): the cgroups keep the allocated values until the kubelet admits it; the spec would give: ")
		}
	}
	if actuated != nil {
		if alt, err := e.podCgroups(e.newPodInfo(actuated)); err == nil {
			e.mergeExplained(pe.Cgroups, alt, ReasonResizeInProgress, "a resize is in progress: the kubelet has not finished moving the cgroups; the last actuated resources (status.resources) give: ")
		}
	}
	// Exclusive CPUs: the quota depends on whether the static CPU manager
	// granted them (1.33+).
	if alt := otherCPU; alt != nil && pi.class == corev1.PodQOSGuaranteed {
		api := alt.newPodInfo(alloc)
		if api.hasExclusive() || pi.hasExclusive() {
			if altCgs, err := alt.podCgroups(api); err == nil {
				prefix := "if the static CPU manager gave this pod no exclusive CPUs (policy none, or its state was reset), the quota stays: "
				if !e.staticCPU {
					prefix = "with CPU manager policy static, Guaranteed containers with integral CPUs hold exclusive CPUs and lose their quota (1.33+): "
				}
				e.mergeExplained(pe.Cgroups, altCgs, ReasonExclusiveCPUs, prefix)
			}
		}
	}
	return pe, pi, nil
}

// podCgroups returns the pod, sandbox and container cgroups of a pod.
func (e *env) podCgroups(pi *podInfo) ([]ExpectedCgroup, error) {
	pod := pi.pod
	uid := string(pod.UID)
	if uid == "" {
		uid = "<uid>"
	}
	containers := allContainers(pod)
	// The pod, the sandbox and the containers: sized once.
	out := make([]ExpectedCgroup, 0, 2+len(containers))
	podPath := ""
	if e.p.Kubelet.CgroupsPerQOS {
		pc := e.podCgroup(pi, uid)
		podPath = pc.Path
		out = append(out, pc)
	}
	sb, err := e.sandboxCgroup(pi, podPath)
	if err != nil {
		return nil, err
	}
	out = append(out, sb)
	for _, c := range containers {
		t := ContainerApp
		if isInitContainer(pod, c.Name) {
			t = ContainerInit
			if isSidecar(c) {
				t = ContainerSidecar
			}
		}
		files, err := e.containerFiles(pi, c)
		if err != nil {
			return nil, err
		}
		id := containerID(pod, c.Name)
		pathID := id
		if pathID == "" {
			pathID = "<" + c.Name + ">"
		}
		cg := ExpectedCgroup{Level: cgroupfs.LevelContainer, Container: c.Name, ContainerType: t, ContainerID: id, Files: files}
		if podPath != "" {
			cg.Path = e.containerPath(podPath, pathID)
		} else {
			cg.Optional = true
		}
		if t == ContainerInit {
			cg.Optional = true
			cg.Notes = append(cg.Notes, Note{Reason: ReasonNotModelled, Message: "a regular init container's cgroup exists only while it runs"})
		}
		if pi.exclusive[c.Name] && e.staticCPU {
			cg.Notes = append(cg.Notes, Note{Reason: ReasonExclusiveCPUs, Message: "cpuset.cpus holds the exclusive CPUs the static CPU manager chose at admission: not predictable"})
		}
		if e.p.Runtime.CRI == CRIDockerd && e.v2 {
			cg.Notes = append(cg.Notes, Note{Reason: ReasonNotModelled, Message: "cri-dockerd ignores the kubelet's unified settings and hugepage limits: no memory.oom.group, MemoryQoS or swap keys"})
		}
		out = append(out, cg)
	}
	return out, nil
}

// containerID returns the bare ID of a container from the pod status.
func containerID(pod *corev1.Pod, name string) string {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, st := range list {
			if st.Name == name && st.ContainerID != "" {
				return bareContainerID(st.ContainerID)
			}
		}
	}
	return ""
}

// sandboxCgroup is the pause container's cgroup. containerd and
// cri-dockerd run it with 2 shares and no limits whatever the kubelet's
// sandbox resources say (containerd's and cri-dockerd's
// defaultSandboxCPUshares); those resources are given as the
// runtime-sandbox-default explanation.
func (e *env) sandboxCgroup(pi *podInfo, podPath string) (ExpectedCgroup, error) {
	// What the kubelet asks for (calculateSandboxResources), given as the
	// explanation of the files the runtime really writes.
	kr := e.sandboxCRI(pi)
	var buf [keyBufSize]byte
	files, err := e.cache.files(kr.key(buf[:0], 's', int(e.formula)), func() (map[string]ExpectedFile, error) {
		// What the runtime writes is the same for every pod.
		files, err := e.cache.files([]byte("pause"), func() (map[string]ExpectedFile, error) {
			res, why := e.pauseResources()
			files, err := e.runtimeFiles(res, why, convert.WeightLinear)
			if err != nil {
				return nil, err
			}
			e.addPageRounding(files)
			return files, nil
		})
		if err != nil {
			return nil, err
		}
		kres, kwhy := e.ociResources(kr)
		if kfiles, err := e.runtimeFiles(kres, kwhy, e.formula); err == nil {
			files = mergeFiles(files, kfiles, ReasonRuntimeSandboxDefault,
				fmt.Sprintf("the kubelet sends the sandbox its pod totals without overhead; %s ignores them for the pause container, a runtime that applies them would show: ", e.p.Runtime.CRI))
		}
		return files, nil
	})
	if err != nil {
		return ExpectedCgroup{}, err
	}
	cg := ExpectedCgroup{Level: cgroupfs.LevelContainer, ContainerType: ContainerSandbox, Files: files}
	if podPath != "" {
		cg.Path = e.containerPath(podPath, "<sandbox>")
	} else {
		cg.Optional = true
	}
	cg.Notes = append(cg.Notes, Note{Reason: ReasonRuntimeSandboxDefault, Message: fmt.Sprintf("the pause process runs with oom_score_adj %d", SandboxOOMScoreAdj)})
	if e.p.Runtime.CRI == CRICRIO {
		cg.Optional = true
		cg.Notes = append(cg.Notes, Note{Reason: ReasonNotModelled, Message: "CRI-O drops the infra container by default (drop_infra_ctr), so this cgroup may not exist; its values are unverified for CRI-O"})
	}
	return cg, nil
}

// pauseResources are the OCI resources the CRI runtime gives the pause
// container whatever the kubelet asks (containerd: WithDefaultSandboxShares
// in internal/cri/server/podsandbox/sandbox_run_linux.go, v2.4.2; the
// kubelet's sandbox resources only become annotations).
func (e *env) pauseResources() (*specs.LinuxResources, map[string]string) {
	two := convert.MinShares
	res := &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: &two}}
	why := map[string]string{"shares": fmt.Sprintf("%s runs the pause container with 2 shares and no limits", e.p.Runtime.CRI)}
	return res, why
}

// sandboxCRI is calculateSandboxResources
// (pkg/kubelet/kuberuntime/kuberuntime_sandbox_linux.go, v1.37.2).
func (e *env) sandboxCRI(pi *podInfo) *criResources {
	opts := e.podResourceOptions()
	opts.ExcludeOverhead = true
	reqs := pi.aggregate(false, opts)
	lims := pi.aggregate(true, opts)
	r := &criResources{why: map[string]string{}}
	cpuLim := lims[corev1.ResourceCPU]
	if q, ok := reqs[corev1.ResourceCPU]; ok {
		r.cpuShares = int64(convert.MilliCPUToShares(q.MilliValue()))
		r.why["shares"] = fmt.Sprintf("pod CPU request %s without overhead", q.String())
	} else {
		r.cpuShares = int64(convert.MilliCPUToShares(cpuLim.MilliValue()))
		r.why["shares"] = "pod CPU limit (no request) without overhead"
	}
	if m := lims[corev1.ResourceMemory]; m.Value() != 0 {
		r.memoryLimit = m.Value()
		r.why["memory"] = fmt.Sprintf("pod memory limit %s without overhead", m.String())
	}
	if e.p.Kubelet.CPUCFSQuota {
		r.cpuPeriod = int64(e.quotaPeriodMicros)
		r.cpuQuota = convert.MilliCPUToQuota(cpuLim.MilliValue(), e.quotaPeriodMicros)
		if e.disableQuotaExclusive && pi.hasExclusive() {
			r.cpuQuota = -1
		}
		r.why["quota"] = "pod CPU limit without overhead"
	}
	if e.v2 && !e.singleProcessOOMKill {
		r.setUnified("memory.oom.group", "1", "kubelet sandbox resources")
	}
	return r
}

// mergeFiles returns a copy of base with the alt values missing from it
// added as explanations; base is not modified (it may be shared, see
// fileCache). Each file is merged on its own, so the order of the files
// does not matter.
func mergeFiles(base, alt map[string]ExpectedFile, reason Reason, prefix string) map[string]ExpectedFile {
	out := maps.Clone(base)
	for name, bf := range base {
		vals := newValues(bf, alt, name, reason)
		if len(vals) == 0 {
			continue
		}
		af := alt[name]
		// Clipped: the copy's slice must not grow into base's array.
		bf.Explained = append(slices.Clip(bf.Explained), ExplainedValue{Values: vals, Reason: reason, Message: prefix + af.Derivation, Shares: af.Shares})
		out[name] = bf
	}
	return out
}

// needsMerge reports whether mergeFiles would add anything to base.
func needsMerge(base, alt map[string]ExpectedFile, reason Reason) bool {
	for name, bf := range base {
		if len(newValues(bf, alt, name, reason)) > 0 {
			return true
		}
	}
	return false
}

// newValues returns alt's values of file name that bf neither accepts
// nor already explains for reason.
func newValues(bf ExpectedFile, alt map[string]ExpectedFile, name string, reason Reason) []string {
	af, ok := alt[name]
	if !ok {
		return nil
	}
	var vals []string
	for _, v := range af.Accept {
		if !bf.Accepts(v) && !explains(bf, reason, v) && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	return vals
}

func explains(f ExpectedFile, reason Reason, v string) bool {
	for _, x := range f.Explained {
		if x.Reason == reason && slices.Contains(x.Values, v) {
			return true
		}
	}
	return false
}

// mergeExplained matches cgroups by level, type and container and merges
// their files (through e's cache: the merged maps are shared too).
func (e *env) mergeExplained(base, alt []ExpectedCgroup, reason Reason, prefix string) {
	for i := range base {
		b := &base[i]
		for j := range alt {
			a := &alt[j]
			if a.Level == b.Level && a.ContainerType == b.ContainerType && a.Container == b.Container {
				b.Files = e.cache.merge(b.Files, a.Files, reason, prefix)
				break
			}
		}
	}
}

// allocated returns the pod the kubelet computes cgroups from
// (pkg/kubelet/allocation/allocation_manager.go: UpdatePodFromAllocation, v1.37.2)
// and the resize state; specPod (the resize target) and actuated (the
// last actuated resources) are the alternatives to explain, when they
// differ.
func (e *env) allocated(pod *corev1.Pod) (alloc *corev1.Pod, state ResizeState, specPod, actuated *corev1.Pod) {
	state = ResizeState{State: ResizeNone}
	pending, inProgress := condition(pod, corev1.PodResizePending), condition(pod, corev1.PodResizeInProgress)
	isPending, isInProgress := pending != nil, inProgress != nil
	if pending != nil {
		state.Reason, state.Message = pending.Reason, pending.Message
	}
	if inProgress != nil {
		if state.Reason == "" {
			state.Reason, state.Message = inProgress.Reason, inProgress.Message
		}
	}
	if !e.gates[GateInPlacePodVerticalScaling] {
		return pod, state, nil, nil
	}
	changed := false
	// apply sets changed when the allocation differs from dst, and with
	// write copies it into dst.
	apply := func(dst *corev1.ResourceRequirements, allocated corev1.ResourceList, status *corev1.ResourceRequirements, limits, write bool) {
		for _, n := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := allocated[n]; ok {
				if cur, ok := dst.Requests[n]; !ok || !cur.Equal(q) {
					changed = true
					if write {
						if dst.Requests == nil {
							dst.Requests = corev1.ResourceList{}
						}
						dst.Requests[n] = q.DeepCopy()
					}
				}
			}
			if limits && status != nil {
				if q, ok := status.Limits[n]; ok {
					if cur, ok := dst.Limits[n]; !ok || !cur.Equal(q) {
						changed = true
						if write {
							if dst.Limits == nil {
								dst.Limits = corev1.ResourceList{}
							}
							dst.Limits[n] = q.DeepCopy()
						}
					}
				}
			}
		}
	}
	applyAll := func(p *corev1.Pod, write bool) {
		for _, c := range allContainers(p) {
			if st := containerStatus(pod, c.Name); st != nil {
				apply(&c.Resources, st.AllocatedResources, st.Resources, pending != nil, write)
			}
		}
		if e.gates[GateInPlacePodLevelResourcesVerticalScaling] && p.Spec.Resources != nil {
			apply(p.Spec.Resources, pod.Status.AllocatedResources, pod.Status.Resources, pending != nil, write)
		}
	}
	// Look first: most pods run what their spec asks for, and need no copy.
	alloc = pod
	applyAll(pod, false)
	if changed || inProgress != nil {
		alloc = pod.DeepCopy()
		applyAll(alloc, true)
	}
	if changed {
		specPod = pod
		if pending == nil {
			isPending = true
			state.Message = cmp.Or(state.Message, "status.allocatedResources differ from the spec")
		}
	}
	if inProgress != nil {
		actuated = alloc.DeepCopy()
		any := false
		for _, c := range allContainers(actuated) {
			st := containerStatus(pod, c.Name)
			if st == nil || st.Resources == nil {
				continue
			}
			for _, n := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				for _, pair := range []struct {
					dst *corev1.ResourceList
					src corev1.ResourceList
				}{{&c.Resources.Requests, st.Resources.Requests}, {&c.Resources.Limits, st.Resources.Limits}} {
					if q, ok := pair.src[n]; ok {
						if *pair.dst == nil {
							*pair.dst = corev1.ResourceList{}
						}
						(*pair.dst)[n] = q.DeepCopy()
						any = true
					}
				}
			}
		}
		if !any {
			actuated = nil
		}
	}
	state.State = resizeStatus(isPending, isInProgress)
	return alloc, state, specPod, actuated
}

func condition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}

func containerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// validatePod rejects pods the API server would refuse in ways that break
// the model, naming the field.
func validatePod(pod *corev1.Pod) error {
	if pod == nil {
		return &PodError{Field: "pod", Err: fmt.Errorf("nil")}
	}
	perr := func(field string, err error) error {
		return &PodError{Namespace: pod.Namespace, Name: pod.Name, Field: field, Err: err}
	}
	if len(pod.Spec.Containers) == 0 {
		return perr("spec.containers", fmt.Errorf("a pod needs at least one container"))
	}
	// Field paths are formatted only for an error: most pods have none.
	check := func(path func() string, r corev1.ResourceRequirements) error {
		for _, l := range []struct {
			name string
			list corev1.ResourceList
		}{{"requests", r.Requests}, {"limits", r.Limits}} {
			for k, q := range l.list {
				if q.Sign() < 0 {
					return perr(fmt.Sprintf("%s.%s.%s", path(), l.name, k), fmt.Errorf("negative quantity %s", q.String()))
				}
				if isHugePages(k) {
					if _, err := convert.ParseHugePageResourceName(string(k)); err != nil {
						return perr(fmt.Sprintf("%s.%s.%s", path(), l.name, k), err)
					}
				}
			}
		}
		for k, req := range r.Requests {
			if lim, ok := r.Limits[k]; ok && req.Cmp(lim) > 0 {
				return perr(fmt.Sprintf("%s.requests.%s", path(), k), fmt.Errorf("request %s is above the limit %s", req.String(), lim.String()))
			}
		}
		return nil
	}
	lists := [2][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers}
	field := func(list, i int) string {
		return fmt.Sprintf("%s[%d]", [2]string{"spec.initContainers", "spec.containers"}[list], i)
	}
	for li, list := range lists {
		for i := range list {
			c := &list[i]
			if c.Name == "" {
				return perr(field(li, i)+".name", fmt.Errorf("required"))
			}
			// The first container of the same name, if any (pods have a
			// few containers: a scan beats a map).
			for pl := 0; pl <= li; pl++ {
				for pi := range lists[pl] {
					if pl == li && pi >= i {
						break
					}
					if lists[pl][pi].Name == c.Name {
						return perr(field(li, i)+".name", fmt.Errorf("%q is also the name of %s", c.Name, field(pl, pi)))
					}
				}
			}
			if err := check(func() string { return field(li, i) + ".resources" }, c.Resources); err != nil {
				return err
			}
		}
	}
	if pod.Spec.Resources != nil {
		if err := check(func() string { return "spec.resources" }, *pod.Spec.Resources); err != nil {
			return err
		}
	}
	for k, q := range pod.Spec.Overhead {
		if q.Sign() < 0 {
			return perr("spec.overhead."+string(k), fmt.Errorf("negative quantity %s", q.String()))
		}
	}
	return nil
}
