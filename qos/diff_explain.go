package qos

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
)

// Explanations that need the whole node: the runtime's shares-to-weight
// formula, inferred once from every container, and QoS tier values that
// lag recent pod churn.

// inferFormula looks at every container cgroup with a cpu.weight the
// expectation derived from shares and decides which formula the node's
// runtime uses (cgroup v2 only).
func (d *differ) inferFormula() {
	if d.x.Profile.CgroupVersion != convert.CgroupV2 {
		return
	}
	var pairs []convert.SharesWeight
	decisive, linear, quadratic := 0, 0, 0
	for i := range d.x.Pods {
		pe := &d.x.Pods[i]
		ap := d.actualPods[pe.UID]
		if ap == nil || pe.Resize.State.Active() {
			// A resizing pod's weights may be the old ones: no evidence.
			continue
		}
		for _, ec := range pe.Cgroups {
			ef, ok := ec.Files["cpu.weight"]
			if ec.Level != cgroupfs.LevelContainer || ec.ContainerID == "" || !ok || ef.Shares == 0 {
				continue
			}
			ac := ap.Container(ec.ContainerID)
			if ac == nil {
				continue
			}
			w, ok := ac.Files["cpu.weight"].Value.(uint64)
			if !ok {
				continue
			}
			pairs = append(pairs, convert.SharesWeight{Shares: ef.Shares, Weight: w})
			lw, qw := convert.SharesToWeightLinear(ef.Shares), convert.SharesToWeightQuadratic(ef.Shares)
			if lw != qw {
				decisive++
				switch w {
				case lw:
					linear++
				case qw:
					quadratic++
				}
			}
		}
	}
	profile := d.x.Profile.Runtime.OCI.WeightFormula()
	fi := &FormulaInference{Profile: profile, Containers: len(pairs), Decisive: decisive}
	v := convert.InferWeightFormula(pairs)
	fi.Inferred = v
	d.formula = v.Formula()
	const (
		linearUsers    = "runc before 1.3.2, crun before 1.23, containerd/cgroups v3.0"
		quadraticUsers = "runc 1.3.2 and later (1.4, 1.5), crun 1.23 and later, containerd/cgroups v3.1"
	)
	switch v {
	case convert.InferLinear:
		fi.Message = fmt.Sprintf("The node's containers use the linear shares-to-weight formula (%s), judged from %d containers whose weight tells the formulas apart.", linearUsers, decisive)
	case convert.InferQuadratic:
		fi.Message = fmt.Sprintf("The node's containers use the quadratic shares-to-weight formula (%s), judged from %d containers whose weight tells the formulas apart.", quadraticUsers, decisive)
	case convert.InferBoth:
		fi.Message = fmt.Sprintf("No container tells the two shares-to-weight formulas apart (%d containers, all at the minimum or maximum weight); the runtime's formula is undecided.", len(pairs))
	case convert.InferNeither:
		fi.Message = fmt.Sprintf("Containers disagree on the shares-to-weight formula: %d show the linear one (%s), %d the quadratic one (%s), %d neither. Containers started before a runtime upgrade keep their old weights until they restart.", linear, linearUsers, quadratic, quadraticUsers, decisive-linear-quadratic)
	}
	if d.formula != convert.WeightUnknown && profile != convert.WeightUnknown && d.formula != profile {
		fi.Message += fmt.Sprintf(" The profile assumed %s (OCI runtime %s); set --oci-runtime to match the node.", profile, d.x.Profile.Runtime.OCI.String())
	}
	d.r.Node.WeightFormula = fi
}

// tierItem is a pod that may or may not be counted in a tier value.
type tierItem struct {
	// lo and hi bound the pod's CPU request in milli-CPU (equal when
	// known exactly).
	lo, hi int64
	// add is true for pods counted in the tier but absent from the
	// expectation; false for expected pods the tier may not count yet.
	add bool
	// listed is false for pod cgroups the input did not list.
	listed bool
	label  string
}

// tierCandidates computes burstable tier CPU values that recent pod churn
// or unlisted pods explain.
func (d *differ) tierCandidates() {
	d.tierAlt = map[tierFile][]tierValue{}
	ec := d.x.NodeCgroup(cgroupfs.LevelBurstable)
	if ec == nil || d.node.Burstable == nil {
		return
	}
	file := "cpu.shares"
	if d.x.Profile.CgroupVersion == convert.CgroupV2 {
		file = "cpu.weight"
	}
	if _, ok := ec.Files[file]; !ok {
		return
	}
	var base int64
	var items []tierItem
	uids := make(map[string]bool, len(d.x.Pods))
	for i := range d.x.Pods {
		pe := &d.x.Pods[i]
		uids[pe.UID] = true
		if pe.QOSClass != corev1.PodQOSBurstable || !pe.Tier.Active {
			continue
		}
		base += pe.Tier.CPUMilli
		if d.recent(pe) && pe.Tier.CPUMilli > 0 {
			items = append(items, tierItem{lo: pe.Tier.CPUMilli, hi: pe.Tier.CPUMilli, label: pe.Namespace + "/" + pe.Name})
		}
	}
	for i := range d.node.Pods {
		ap := &d.node.Pods[i]
		if uids[ap.UID] || ap.Tier != cgroupfs.TierBurstable {
			continue
		}
		lo, hi, ok := podMilliFromCgroup(ap, d.x.Profile.CgroupVersion)
		if !ok || hi == 0 {
			continue
		}
		items = append(items, tierItem{lo: lo, hi: hi, add: true, listed: false, label: "uid " + ap.UID})
	}
	if len(items) == 0 {
		return
	}
	value := func(milli int64) string {
		shares := convert.MilliCPUToShares(milli)
		if file == "cpu.weight" {
			return strconv.FormatUint(convert.SharesToWeightLinear(shares), 10)
		}
		return strconv.FormatUint(shares, 10)
	}
	expected := value(base)
	seen := map[string]bool{expected: true}
	for _, subset := range subsets(len(items)) {
		lo, hi := base, base
		var removed, added []string
		for _, i := range subset {
			it := items[i]
			if it.add {
				lo += it.lo
				hi += it.hi
				added = append(added, it.label)
			} else {
				lo -= it.hi
				hi -= it.lo
				removed = append(removed, it.label)
			}
		}
		for _, v := range valuesBetween(lo, hi, value) {
			if seen[v] {
				continue
			}
			seen[v] = true
			d.tierAlt[tierFile{cgroupfs.LevelBurstable, file}] = append(d.tierAlt[tierFile{cgroupfs.LevelBurstable, file}], d.tierExplanation(v, file, removed, added))
		}
	}
}

// tierExplanation words why a tier value lags.
func (d *differ) tierExplanation(v, file string, removed, added []string) tierValue {
	var parts []string
	reason := ReasonQOSTierLag
	if len(removed) > 0 {
		parts = append(parts, fmt.Sprintf("does not count yet %s, started less than a minute ago", strings.Join(removed, ", ")))
	}
	if len(added) > 0 {
		if d.opts.CompletePodList {
			parts = append(parts, fmt.Sprintf("still counts the deleted pod(s) %s whose cgroups remain", strings.Join(added, ", ")))
		} else {
			reason = ReasonPodsNotListed
			parts = append(parts, fmt.Sprintf("also counts pod(s) the input did not list (%s)", strings.Join(added, ", ")))
		}
	}
	msg := fmt.Sprintf("the burstable tier's %s %s. ", file, strings.Join(parts, " and "))
	if reason == ReasonQOSTierLag {
		msg += "The kubelet recomputes tier values once a minute and before it creates each pod cgroup; re-check in a minute."
	} else {
		msg += "Give every pod of the node (the kubelet's /pods, or kubectl get pods -A --field-selector spec.nodeName=NODE) to check the tier exactly."
	}
	return tierValue{value: v, reason: reason, message: msg}
}

// recent reports whether a pod started (or was created) within the tier
// refresh interval before the time of the reading.
func (d *differ) recent(pe *PodExpectation) bool {
	if d.opts.Now.IsZero() {
		return false
	}
	t := pe.StartTime
	if t == nil {
		t = pe.CreationTimestamp
	}
	if t == nil {
		return false
	}
	age := d.opts.Now.Sub(t.Time)
	// A few seconds of slack: the pod object's timestamps and the
	// kubelet's refresh are not taken at the same instant.
	return age >= -5*time.Second && age <= TierRefreshInterval+5*time.Second
}

// podMilliFromCgroup bounds the CPU request of a pod from its own pod
// cgroup: exact from cpu.shares on v1, a range from the lossy linear
// cpu.weight on v2.
func podMilliFromCgroup(p *cgroupfs.Pod, v convert.CgroupVersion) (lo, hi int64, ok bool) {
	if v == convert.CgroupV1 {
		s, ok := p.Files["cpu.shares"].Value.(uint64)
		if !ok {
			return 0, 0, false
		}
		if s <= convert.MinShares {
			return 0, 1, true
		}
		m := convert.SharesToMilliCPU(s)
		return m, m, true
	}
	w, ok := p.Files["cpu.weight"].Value.(uint64)
	if !ok {
		return 0, 0, false
	}
	r := convert.WeightLinear.SharesForWeight(w)
	if r.Empty() {
		return 0, 0, false
	}
	lo = convert.SharesToMilliCPU(r.Min)
	if r.Min <= convert.MinShares {
		lo = 0
	}
	return lo, convert.SharesToMilliCPU(r.Max), true
}

// valuesBetween returns the distinct tier values of CPU sums in [lo, hi].
func valuesBetween(lo, hi int64, value func(int64) string) []string {
	lo = max(lo, 0)
	if hi < lo {
		return nil
	}
	var out []string
	prev := ""
	// Shares grow by about one per milli-CPU, so sampling every milli-CPU
	// up to a bound finds every value; wide ranges only come from v2
	// weights, where consecutive weights are ~26 shares apart.
	step := max((hi-lo)/4096, 1)
	for m := lo; m <= hi; m += step {
		if v := value(m); v != prev {
			out = append(out, v)
			prev = v
		}
	}
	if v := value(hi); v != prev {
		out = append(out, v)
	}
	return out
}

// subsets lists the non-empty subsets of n items to try: all of them up to
// 12 items, otherwise the groups "each single item" and "all items".
func subsets(n int) [][]int {
	var out [][]int
	if n <= 12 {
		for mask := 1; mask < 1<<n; mask++ {
			var s []int
			for i := range n {
				if mask&(1<<i) != 0 {
					s = append(s, i)
				}
			}
			out = append(out, s)
		}
		return out
	}
	all := make([]int, n)
	for i := range n {
		out = append(out, []int{i})
		all[i] = i
	}
	return append(out, all)
}
