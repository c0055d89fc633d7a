package qos

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
)

// KindEffectReport is the Kind of the document Effects returns.
const KindEffectReport = "EffectReport"

// Effect reason codes: what a limit is doing to the workload, as the
// kernel counts it.
const (
	// EffectCPUThrottled: the cgroup's CFS quota ran out in some
	// enforcement periods (cpu.stat nr_throttled), so its tasks were
	// stopped until the next period.
	EffectCPUThrottled Reason = "cpu-throttled"
	// EffectOOMKilled: the OOM killer killed processes of the cgroup
	// (memory.events oom_kill on v2, memory.oom_control oom_kill on v1).
	EffectOOMKilled Reason = "oom-killed"
	// EffectMemoryHighThrottled: usage went over memory.high (MemoryQoS,
	// or a pod-level memory.high) and the tasks were throttled and made
	// to reclaim (memory.events high, v2).
	EffectMemoryHighThrottled Reason = "memory-high-throttled"
	// EffectPidsLimitHit: forks were refused at pids.max (pids.events
	// max).
	EffectPidsLimitHit Reason = "pids-limit-hit"
	// EffectMemoryPressure and EffectCPUPressure: tasks of the cgroup
	// were stalled waiting for memory or CPU for more than
	// EffectsOptions.PressurePercent of the time (PSI "some", v2).
	EffectMemoryPressure Reason = "memory-pressure"
	// EffectCPUPressure: see EffectMemoryPressure.
	EffectCPUPressure Reason = "cpu-pressure"
	// ReasonCounterUnavailable is the reason of a report note about a
	// counter that could not be read (controller off, kernel without
	// PSI, counters not captured), said once per file.
	ReasonCounterUnavailable Reason = "counter-unavailable"
)

// Limit sources: where the limit that caused an effect comes from.
const (
	// SourceContainerLimit: the container's own resources.limits.
	SourceContainerLimit = "container-limit"
	// SourcePodLevelLimit: the pod's spec.resources.limits (pod-level
	// resources), at the pod cgroup or inherited by a container without
	// a limit of its own.
	SourcePodLevelLimit = "pod-level-limit"
	// SourcePodSum: the pod cgroup's limit, the sum of its containers'
	// limits (and overhead).
	SourcePodSum = "pod-sum"
	// SourceMemoryQoS: memory.high set by the MemoryQoS feature.
	SourceMemoryQoS = "memory-qos"
	// SourceNodeAllocatable: the kubepods or QoS-tier limit (node
	// allocatable, QOSReserved).
	SourceNodeAllocatable = "node-allocatable"
	// SourcePodPidsLimit: the kubelet's podPidsLimit.
	SourcePodPidsLimit = "pod-pids-limit"
)

// Defaults of EffectsOptions.
const (
	// DefaultThrottledPercent is the share of enforcement periods
	// throttled, in percent, from which CPU throttling is reported: 1%,
	// so that the throttling of a pod's start-up burst over days of
	// running is not a finding, and any sustained throttling is.
	DefaultThrottledPercent = 1.0
	// DefaultMinThrottledPeriods is the number of throttled periods
	// below which CPU throttling is not reported whatever its share: a
	// container's start can overrun even a generous quota in a period or
	// two (seen on the live-node rig: 1 of 10 periods under a 1 CPU
	// limit), which says nothing about the limit.
	DefaultMinThrottledPeriods = 5
	// DefaultPressurePercent is the PSI "some" share of time, in
	// percent, from which pressure is reported: 10% (the avg10 of a
	// one-off stall stays under it; a workload that waits a tenth of its
	// time for CPU or memory is visibly slowed).
	DefaultPressurePercent = 10.0
)

// Sample is one read of a node's cgroups with their counters
// (cgroupfs.NodeOptions.Counters) and when it was made: time.Now() for a
// live read, SnapshotInfo.CapturedAt for a snapshot.
type Sample struct {
	// Node is the node as read.
	Node *cgroupfs.Node
	// At is when it was read.
	At time.Time
}

// EffectsOptions tune Effects.
type EffectsOptions struct {
	// Before is an earlier read of the same node: the counters are then
	// judged over the window between the two reads (a rate, a share of
	// the periods of the window) rather than since each cgroup started.
	Before *Sample
	// Window, for ReadEffects and Check on a live tree, reads the
	// counters twice, Window apart, and judges them over the time
	// between the two reads (the first read becomes Before). A snapshot
	// is one read: ReadEffects refuses a Window for it.
	Window time.Duration
	// Wait waits the Window between the two reads; nil sleeps. An error
	// (a cancelled context: WaitContext) abandons the read.
	Wait func(time.Duration) error
	// clock tells the time of each read; nil is time.Now. Tests set it
	// (it is not part of the API).
	clock func() time.Time
	// ThrottledPercent is the share of periods throttled, in percent,
	// from which cpu-throttled is reported; 0 is
	// DefaultThrottledPercent.
	ThrottledPercent float64
	// MinThrottledPeriods is the number of throttled periods from which
	// cpu-throttled is reported; 0 is DefaultMinThrottledPeriods.
	MinThrottledPeriods int
	// PressurePercent is the PSI "some" share of time, in percent, from
	// which cpu-pressure and memory-pressure are reported (avg10 since
	// start, the stalled share of the window with Before); 0 is
	// DefaultPressurePercent.
	PressurePercent float64
}

// EffectReport is what the limits are doing to the workload: one Effect
// per cgroup and reason. Its JSON form is a stable contract:
//
//	{"apiVersion": "kubecgroups.io/v1alpha1", "kind": "EffectReport",
//	 "at": RFC 3339 time of the read, "windowSeconds": N (with a window),
//	 "effects": [{
//	   "pod", "uid", "level", "container", "containerType", "containerID",
//	   "path"                       (the cgroup, as in a DiffResult),
//	   "reason": "cpu-throttled" | "oom-killed" | "memory-high-throttled" |
//	             "pids-limit-hit" | "memory-pressure" | "cpu-pressure",
//	   "message": one line for people,
//	   "limitOf": "container" | "pod" | "burstable" | "besteffort" |
//	              "kubepods" (the level whose limit caused it; absent
//	              when none did, e.g. a host-wide OOM),
//	   "limit": {"file", "value" (as read), "source" (container-limit,
//	             pod-level-limit, pod-sum, memory-qos, node-allocatable,
//	             pod-pids-limit), "derivation"},
//	   "figures": {"since": "start" | "window", and the numbers behind
//	             the message: periods, throttledPeriods, throttledPercent,
//	             throttledSeconds, usageCPUs, limitCPUs, oomKills,
//	             limitHits, limitBytes, peakBytes, highEvents,
//	             pidsMaxEvents, pressurePercent}}],
//	 "notes": [{"reason": "counter-unavailable", "message"}]}
//
// Effects are in the order of the node's cgroups: kubepods, the tiers,
// then each pod followed by its containers.
type EffectReport struct {
	// APIVersion is "kubecgroups.io/v1alpha1".
	APIVersion string `json:"apiVersion"`
	// Kind is "EffectReport".
	Kind string `json:"kind"`
	// At is when the (later) read was made; zero when unknown.
	At time.Time `json:"at,omitzero"`
	// WindowSeconds is the time between the two reads; 0 without a
	// window.
	WindowSeconds float64 `json:"windowSeconds,omitempty"`
	// Effects are the findings.
	Effects []Effect `json:"effects"`
	// Notes say which counters could not be read, once per file.
	Notes []Note `json:"notes,omitempty"`
}

// Effect is one finding: what a limit did to one cgroup.
type Effect struct {
	// ResultCgroup is the cgroup, identified as in a diff.
	*ResultCgroup
	// Reason is one of the Effect* codes.
	Reason Reason `json:"reason"`
	// Message says what happened, which limit did it and what to do.
	Message string `json:"message"`
	// LimitOf is the level whose limit caused the effect ("container",
	// "pod", a tier or "kubepods"); empty when no limit did.
	LimitOf cgroupfs.Level `json:"limitOf,omitempty"`
	// Limit is that limit's file, value and origin.
	Limit *EffectLimit `json:"limit,omitempty"`
	// Figures are the numbers behind the message.
	Figures EffectFigures `json:"figures"`
}

// EffectLimit is the cgroup file whose value caused an effect.
type EffectLimit struct {
	// File is the file name ("cpu.max", "memory.limit_in_bytes").
	File string `json:"file"`
	// Value is the file's value as read (or as expected when it was not
	// read).
	Value string `json:"value"`
	// Source is one of the Source* codes; empty when not known (no
	// expectation for the cgroup).
	Source string `json:"source,omitempty"`
	// Derivation is how the expectation computed the value.
	Derivation string `json:"derivation,omitempty"`
}

// EffectFigures are the numbers of an effect; zero fields do not apply.
type EffectFigures struct {
	// Since is "start" (counters since the cgroup was created) or
	// "window" (between the two reads).
	Since string `json:"since"`
	// Periods and ThrottledPeriods are CFS enforcement periods and those
	// throttled.
	Periods uint64 `json:"periods,omitempty"`
	// ThrottledPeriods: see Periods.
	ThrottledPeriods uint64 `json:"throttledPeriods,omitempty"`
	// ThrottledPercent is ThrottledPeriods / Periods in percent.
	ThrottledPercent float64 `json:"throttledPercent,omitempty"`
	// ThrottledSeconds is the throttled time (summed over CPUs).
	ThrottledSeconds float64 `json:"throttledSeconds,omitempty"`
	// UsageCPUs is the CPU used over the window, in CPUs.
	UsageCPUs float64 `json:"usageCPUs,omitempty"`
	// LimitCPUs is quota / period, in CPUs.
	LimitCPUs float64 `json:"limitCPUs,omitempty"`
	// OOMKills is the number of processes killed.
	OOMKills uint64 `json:"oomKills,omitempty"`
	// LimitHits is how often the limit was hit (memory.failcnt on v1,
	// memory.events max or oom on v2).
	LimitHits uint64 `json:"limitHits,omitempty"`
	// LimitBytes is the memory limit in bytes.
	LimitBytes int64 `json:"limitBytes,omitempty"`
	// PeakBytes is the memory high-water mark.
	PeakBytes uint64 `json:"peakBytes,omitempty"`
	// HighEvents is memory.events high.
	HighEvents uint64 `json:"highEvents,omitempty"`
	// PidsMaxEvents is pids.events max.
	PidsMaxEvents uint64 `json:"pidsMaxEvents,omitempty"`
	// PressurePercent is the PSI "some" share of time, in percent.
	PressurePercent float64 `json:"pressurePercent,omitempty"`
}

// EffectCodes lists the effect reason codes, sorted.
func EffectCodes() []Reason {
	return []Reason{EffectCPUPressure, EffectCPUThrottled, EffectMemoryHighThrottled, EffectMemoryPressure, EffectOOMKilled, EffectPidsLimitHit}
}

// Effects reads what the limits do to the workload from the kernel's
// counters of a node read with cgroupfs.NodeOptions.Counters, and ties
// each finding to the limit that causes it and, through the expectation
// (which may be nil), to the spec value and formula behind that limit.
// Cgroups the expectation does not cover are judged on their own files.
// A Sample without a Node gives an empty report.
func Effects(x *Expectation, now Sample, opts EffectsOptions) *EffectReport {
	if opts.ThrottledPercent <= 0 {
		opts.ThrottledPercent = DefaultThrottledPercent
	}
	if opts.MinThrottledPeriods <= 0 {
		opts.MinThrottledPeriods = DefaultMinThrottledPeriods
	}
	if opts.PressurePercent <= 0 {
		opts.PressurePercent = DefaultPressurePercent
	}
	r := &EffectReport{APIVersion: APIVersion, Kind: KindEffectReport, At: now.At, Effects: []Effect{}}
	if now.Node == nil {
		return r
	}
	e := &effects{x: x, now: now, opts: opts, v: now.Node.Mode.Version(), missing: map[string]*counterGap{}, r: r}
	if b := opts.Before; b != nil && b.Node != nil && !b.At.IsZero() && now.At.After(b.At) {
		e.window = now.At.Sub(b.At)
		e.r.WindowSeconds = round2(e.window.Seconds())
		e.before = map[string]*cgroupfs.Cgroup{}
		for cg := range b.Node.Cgroups() {
			e.before[cg.Path] = cg
		}
	}
	e.index()
	n := now.Node
	for _, t := range []struct {
		cg    *cgroupfs.Cgroup
		level cgroupfs.Level
	}{{n.Kubepods, cgroupfs.LevelKubepods}, {n.Burstable, cgroupfs.LevelBurstable}, {n.BestEffort, cgroupfs.LevelBestEffort}} {
		if t.cg == nil {
			continue
		}
		var ec *ExpectedCgroup
		if x != nil {
			ec = x.NodeCgroup(t.level)
		}
		e.cgroup(target{cg: t.cg, level: t.level, ec: ec, children: e.nodeChildren(t.level)})
	}
	for i := range n.Pods {
		p := &n.Pods[i]
		var pe *PodExpectation
		if x != nil {
			pe = x.Pod(p.UID)
		}
		var ec *ExpectedCgroup
		if pe != nil {
			ec = pe.Cgroup(cgroupfs.LevelPod, "", "")
		}
		kids := make([]*cgroupfs.Cgroup, len(p.Containers))
		for j := range p.Containers {
			kids[j] = &p.Containers[j].Cgroup
		}
		pt := target{cg: &p.Cgroup, level: cgroupfs.LevelPod, uid: p.UID, pe: pe, ec: ec, children: kids}
		e.cgroup(pt)
		for j := range p.Containers {
			c := &p.Containers[j]
			ct := target{cg: &c.Cgroup, level: cgroupfs.LevelContainer, uid: p.UID, id: c.ID, pe: pe, parent: &pt}
			if pe != nil {
				ct.ec = e.byID[c.ID]
			}
			e.cgroup(ct)
		}
	}
	e.notes()
	return e.r
}

type effects struct {
	x      *Expectation
	now    Sample
	opts   EffectsOptions
	v      convert.CgroupVersion
	r      *EffectReport
	window time.Duration
	before map[string]*cgroupfs.Cgroup
	byID   map[string]*ExpectedCgroup
	// missing collects, per counter file, the cgroups that lack it.
	missing map[string]*counterGap
	order   []string
}

type counterGap struct {
	count  int
	status string
	err    error
}

// target is one cgroup being judged.
type target struct {
	cg       *cgroupfs.Cgroup
	level    cgroupfs.Level
	uid, id  string
	pe       *PodExpectation
	ec       *ExpectedCgroup
	children []*cgroupfs.Cgroup
	parent   *target
}

func (e *effects) index() {
	e.byID = map[string]*ExpectedCgroup{}
	if e.x == nil {
		return
	}
	for i := range e.x.Pods {
		for j := range e.x.Pods[i].Cgroups {
			ec := &e.x.Pods[i].Cgroups[j]
			if ec.ContainerID != "" {
				e.byID[ec.ContainerID] = ec
			}
		}
	}
}

// nodeChildren returns the cgroups directly below a node level.
func (e *effects) nodeChildren(level cgroupfs.Level) []*cgroupfs.Cgroup {
	n := e.now.Node
	var out []*cgroupfs.Cgroup
	for i := range n.Pods {
		p := &n.Pods[i]
		switch {
		case level == cgroupfs.LevelBurstable && p.Tier == cgroupfs.TierBurstable,
			level == cgroupfs.LevelBestEffort && p.Tier == cgroupfs.TierBestEffort,
			level == cgroupfs.LevelKubepods && p.Tier == cgroupfs.TierGuaranteed:
			out = append(out, &p.Cgroup)
		}
	}
	if level == cgroupfs.LevelKubepods {
		for _, t := range []*cgroupfs.Cgroup{n.Burstable, n.BestEffort} {
			if t != nil {
				out = append(out, t)
			}
		}
	}
	return out
}

func (t *target) ref() *ResultCgroup {
	r := &ResultCgroup{Level: t.level, Path: t.cg.Path, UID: t.uid, ContainerID: t.id}
	if t.pe != nil {
		r.Pod = t.pe.Namespace + "/" + t.pe.Name
	}
	if t.ec != nil {
		r.Container, r.ContainerType = t.ec.Container, t.ec.ContainerType
	}
	return r
}

// name is how messages call the cgroup.
func (t *target) name() string {
	switch {
	case t.level == cgroupfs.LevelContainer && t.ec != nil && t.ec.Container != "":
		return fmt.Sprintf("container %q", t.ec.Container)
	case t.level == cgroupfs.LevelContainer:
		return "container " + t.id[:min(13, len(t.id))]
	case t.level == cgroupfs.LevelPod && t.pe != nil:
		return "pod " + t.pe.Namespace + "/" + t.pe.Name
	case t.level == cgroupfs.LevelPod:
		return "pod " + t.uid
	}
	return "the " + string(t.level) + " cgroup"
}

// counters returns the cgroup's counters now and, with a window, before
// (nil when the cgroup was not there).
func (e *effects) counters(cg *cgroupfs.Cgroup) (now cgroupfs.Counters, before *cgroupfs.Counters) {
	now = cg.Counters()
	if e.before != nil {
		if b, ok := e.before[cg.Path]; ok {
			c := b.Counters()
			before = &c
		}
	}
	return now, before
}

// delta is now - before, or now when there is no before or the counter
// went back (the cgroup was recreated).
func delta(now, before uint64, hasBefore bool) uint64 {
	if !hasBefore || before > now {
		return now
	}
	return now - before
}

func (e *effects) since(hasBefore bool) string {
	if hasBefore {
		return "window"
	}
	return "start"
}

func (e *effects) sinceText(hasBefore bool) string {
	if hasBefore {
		return "over " + seconds(e.window.Seconds())
	}
	return "since the cgroup started"
}

// gap records a counter file the cgroup lacks; it is said once per
// file, in notes.
func (e *effects) gap(cg *cgroupfs.Cgroup, file string) {
	f, ok := cg.Files[file]
	switch {
	case ok && f.Err == nil:
	case ok:
		e.gapOf(file, f.Status(), f.Err)
	default:
		e.gapOf(file, "not read", nil)
	}
}

// gapOf counts one cgroup without a counter; the first one's status and
// error say why in the note.
func (e *effects) gapOf(key, status string, err error) {
	g := e.missing[key]
	if g == nil {
		g = &counterGap{status: status, err: err}
		e.missing[key] = g
		e.order = append(e.order, key)
	}
	g.count++
}

func (e *effects) notes() {
	for _, file := range e.order {
		g := e.missing[file]
		why := map[string]string{
			"not read":      "it was not read (read the node with its counters)",
			"missing":       "the kernel does not provide it there",
			"not-supported": "its controller is not available",
		}[g.status]
		if why == "" && g.err != nil {
			why = g.err.Error()
		}
		if g.status == "no-bandwidth" {
			why = "cpu.stat has no nr_periods/nr_throttled: the cpu controller is not enabled for the cgroup"
		}
		if strings.HasSuffix(file, ".pressure") && g.status == "missing" {
			why = "the kernel has no pressure stall information (CONFIG_PSI, psi=1)"
		}
		tail := fmt.Sprintf(": unavailable in %d cgroup%s: %s", g.count, plural(g.count), why)
		// Files missing for the same reason in as many cgroups (a
		// kernel without PSI, counters not read) share one note.
		if i := slices.IndexFunc(e.r.Notes, func(n Note) bool { return strings.HasSuffix(n.Message, tail) }); i >= 0 {
			e.r.Notes[i].Message = strings.TrimSuffix(e.r.Notes[i].Message, tail) + ", " + file + tail
			continue
		}
		e.r.Notes = append(e.r.Notes, Note{Reason: ReasonCounterUnavailable, Message: file + tail})
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (e *effects) add(t *target, reason Reason, msg string, limitOf cgroupfs.Level, lim *EffectLimit, fig EffectFigures) {
	e.r.Effects = append(e.r.Effects, Effect{ResultCgroup: t.ref(), Reason: reason, Message: msg, LimitOf: limitOf, Limit: lim, Figures: fig})
}

func (e *effects) cgroup(t target) {
	e.cpuThrottled(&t)
	e.oomKilled(&t)
	if e.v == convert.CgroupV2 {
		e.memoryHigh(&t)
		e.pressure(&t, "cpu.pressure", EffectCPUPressure)
		e.pressure(&t, "memory.pressure", EffectMemoryPressure)
	}
	e.pidsLimit(&t)
}

// limitFile returns a limit file of the cgroup, as read or else as
// expected, with its origin.
func (e *effects) limitFile(t *target, file string) *EffectLimit {
	l := &EffectLimit{File: file}
	var ef ExpectedFile
	var hasExp bool
	if t.ec != nil {
		ef, hasExp = t.ec.Files[file]
	}
	if f, ok := t.cg.Files[file]; ok && f.Err == nil {
		l.Value = f.Raw
	} else if hasExp && len(ef.Accept) > 0 {
		l.Value = ef.Accept[0]
	} else {
		return nil
	}
	if hasExp {
		l.Derivation = ef.Derivation
		l.Source = limitSource(t.level, file, ef.Derivation)
	}
	return l
}

// limitSource tells where a limit comes from by the level and the
// expectation's derivation (qos/pod.go podConfig, qos/container.go):
// pod-level resources say "pod-level", a pod sum names its "containers".
func limitSource(level cgroupfs.Level, file, derivation string) string {
	if strings.HasPrefix(derivation, "kernel default") || derivation == "" {
		return ""
	}
	switch {
	case file == "memory.high":
		return SourceMemoryQoS
	case file == "pids.max" && strings.Contains(derivation, "podPidsLimit"):
		return SourcePodPidsLimit
	case level == cgroupfs.LevelKubepods || level == cgroupfs.LevelBurstable || level == cgroupfs.LevelBestEffort:
		return SourceNodeAllocatable
	case strings.Contains(derivation, "pod-level"):
		return SourcePodLevelLimit
	case level == cgroupfs.LevelPod:
		return SourcePodSum
	}
	return SourceContainerLimit
}

// cpuLimit returns the cgroup's quota and period in microseconds
// (quota < 0: none).
func (e *effects) cpuLimit(t *target) (lim *EffectLimit, quota int64, period uint64) {
	if e.v == convert.CgroupV2 {
		lim = e.limitFile(t, "cpu.max")
		if lim == nil {
			return nil, -1, 0
		}
		m, err := convert.ParseCPUMax(lim.Value)
		if err != nil {
			return nil, -1, 0
		}
		return lim, m.QuotaMicros, m.PeriodMicros
	}
	lim = e.limitFile(t, "cpu.cfs_quota_us")
	if lim == nil {
		return nil, -1, 0
	}
	q, err := convert.ParseCFSQuota(lim.Value)
	if err != nil {
		return nil, -1, 0
	}
	period = convert.DefaultPeriodMicros
	if p := e.limitFile(t, "cpu.cfs_period_us"); p != nil {
		if v, err := convert.ParseCFSPeriod(p.Value); err == nil {
			period = v
		}
	}
	return lim, q, period
}

// throttling is a cgroup's CFS throttling, over the window or since it
// started.
type throttling struct {
	periods, throttled, micros uint64
	// pct is throttled / periods in percent.
	pct float64
	// hasBefore says the figures are over the window.
	hasBefore bool
}

// throttlingOf returns a cgroup's throttling; ok is false without
// cpu.stat bandwidth figures or periods.
func (e *effects) throttlingOf(cg *cgroupfs.Cgroup) (th throttling, ok bool) {
	now, before := e.counters(cg)
	if now.CPU == nil || !now.CPU.HasBandwidth {
		return throttling{}, false
	}
	hb := before != nil && before.CPU != nil && before.CPU.HasBandwidth
	var b cgroupfs.CPUStat
	if hb {
		b = *before.CPU
	}
	th = throttling{hasBefore: hb,
		periods:   delta(now.CPU.Periods, b.Periods, hb),
		throttled: delta(now.CPU.ThrottledPeriods, b.ThrottledPeriods, hb),
		micros:    delta(now.CPU.ThrottledMicros, b.ThrottledMicros, hb)}
	if th.periods == 0 {
		return throttling{}, false
	}
	th.pct = 100 * float64(th.throttled) / float64(th.periods)
	return th, true
}

// throttled reports whether a cgroup's throttling is a finding.
func (e *effects) throttled(cg *cgroupfs.Cgroup) bool {
	th, ok := e.throttlingOf(cg)
	return ok && e.isFinding(th)
}

// isFinding reports whether throttling is enough to report: at least
// MinThrottledPeriods periods and ThrottledPercent of them.
func (e *effects) isFinding(th throttling) bool {
	return th.throttled > 0 && th.throttled >= uint64(e.opts.MinThrottledPeriods) && th.pct >= e.opts.ThrottledPercent
}

// quotaIsSum reports whether a pod's CPU quota is the sum of its
// containers' quotas, as the kubelet sets it without a pod-level CPU
// limit (pkg/kubelet/cm/helpers_linux.go: ResourceConfigForPod,
// v1.37.2): the pod's throttling then follows its containers' limits,
// and it is theirs to report.
func (e *effects) quotaIsSum(pt *target) bool {
	if pt == nil || pt.level != cgroupfs.LevelPod {
		return false
	}
	lim, q, p := e.cpuLimit(pt)
	if lim == nil || q <= 0 || p == 0 || lim.Source == SourcePodLevelLimit {
		return false
	}
	var sum float64
	n := 0
	for _, k := range pt.children {
		if _, kq, kp := e.cpuLimit(&target{cg: k, level: cgroupfs.LevelContainer}); kq > 0 && kp > 0 {
			sum += float64(kq) / float64(kp)
			n++
		}
	}
	// The kubelet rounds each quota to whole microseconds.
	return n > 0 && math.Abs(sum-float64(q)/float64(p)) <= 0.001*float64(n)
}

func (e *effects) cpuThrottled(t *target) {
	now := t.cg.Counters()
	e.gap(t.cg, "cpu.stat")
	if now.CPU == nil {
		return
	}
	if !now.CPU.HasBandwidth {
		e.gapOf("cpu.stat (bandwidth)", "no-bandwidth", nil)
		return
	}
	th, ok := e.throttlingOf(t.cg)
	if !ok || !e.isFinding(th) {
		return
	}
	if e.quotaIsSum(t) && slices.ContainsFunc(t.children, e.throttled) {
		// The same throttling as a container's, whose finding names
		// the pod's quota too: not reported twice.
		return
	}
	hb := th.hasBefore
	_, before := e.counters(t.cg)
	pct, periods := th.pct, th.periods
	fig := EffectFigures{Since: e.since(hb), Periods: periods, ThrottledPeriods: th.throttled, ThrottledPercent: round2(pct),
		ThrottledSeconds: round2(float64(th.micros) / 1e6)}
	lim, quota, period := e.cpuLimit(t)
	var parts []string
	if quota > 0 && period > 0 {
		fig.LimitCPUs = round2(float64(quota) / float64(period))
		parts = append(parts, fmt.Sprintf("limit %s = %d us per %d us period", milliCPU(quota, period), quota, period))
	} else {
		parts = append(parts, "no CPU quota on this cgroup")
		lim = nil
	}
	parts = append(parts, fmt.Sprintf("throttled in %s of %d periods %s (%s throttled, summed over CPUs)", percent(pct), periods, e.sinceText(hb), seconds(fig.ThrottledSeconds)))
	if hb {
		un, ok1 := now.CPUUsageMicros()
		ub, ok2 := before.CPUUsageMicros()
		if ok1 && ok2 && e.window > 0 {
			used := float64(delta(un, ub, true)) / float64(e.window.Microseconds())
			fig.UsageCPUs = round2(used)
			u := fmt.Sprintf("usage %.2f CPU", used)
			if fig.LimitCPUs > 0 && used >= 0.9*fig.LimitCPUs {
				u += " is at the limit"
			}
			parts = append(parts, u)
		}
	}
	msg := strings.Join(parts, "; ")
	var limitOf cgroupfs.Level
	if lim != nil {
		limitOf = t.level
		msg += ". " + cpuAdvice(t, lim)
	}
	if t.level == cgroupfs.LevelContainer && e.quotaIsSum(t.parent) {
		if pth, ok := e.throttlingOf(t.parent.cg); ok && e.isFinding(pth) {
			msg += fmt.Sprintf(" The pod's quota, the sum of its containers', was throttled with it (%s of %d periods): the container's limit is the one that bit.", percent(pth.pct), pth.periods)
		}
	}
	e.add(t, EffectCPUThrottled, msg, limitOf, lim, fig)
}

func cpuAdvice(t *target, lim *EffectLimit) string {
	from := ""
	if lim.Derivation != "" {
		from = " (" + lim.Derivation + ")"
	}
	switch lim.Source {
	case SourcePodLevelLimit:
		return "The pod-level CPU limit sets this quota" + from + ": raise spec.resources.limits.cpu, or remove it."
	case SourcePodSum:
		return "The pod's quota is the sum of its containers' CPU limits" + from + ": raise the limit of the container that needs more."
	case SourceNodeAllocatable:
		return "This is node allocatable CPU" + from + ": the node's pods together are at its capacity."
	case SourceContainerLimit:
		return "The container's CPU limit sets this quota" + from + ": raise resources.limits.cpu, or remove the limit (keep the request)."
	}
	return "Raise or remove the CPU limit that sets this quota."
}

// memLimitFile is the memory limit file of the version.
func (e *effects) memLimitFile() string {
	if e.v == convert.CgroupV2 {
		return "memory.max"
	}
	return "memory.limit_in_bytes"
}

// memLimit returns the cgroup's memory limit, or nil when it has none.
func (e *effects) memLimit(t *target) (*EffectLimit, int64) {
	lim := e.limitFile(t, e.memLimitFile())
	if lim == nil {
		return nil, 0
	}
	b, err := convert.ParseMemory(lim.Value, e.v)
	if err != nil || b == convert.MemoryUnlimited || (e.v == convert.CgroupV1 && b >= convert.V1Unlimited(e.now.Node.PageSizeBytes)) {
		return nil, 0
	}
	return lim, b
}

// limitHits is how often usage reached the cgroup's own limit: v1
// memory.failcnt counts the failed charges at the level whose limit
// refused them (mm/page_counter.c); v2 memory.events "oom" counts the
// OOMs of the cgroup and its descendants, so the cgroup's own are its
// count minus its children's.
func (e *effects) limitHits(cg *cgroupfs.Cgroup, children []*cgroupfs.Cgroup) (hits uint64, ok bool) {
	now, before := e.counters(cg)
	if e.v == convert.CgroupV1 {
		if now.MemoryFailcnt == nil {
			return 0, false
		}
		hb := before != nil && before.MemoryFailcnt != nil
		var b uint64
		if hb {
			b = *before.MemoryFailcnt
		}
		return delta(*now.MemoryFailcnt, b, hb), true
	}
	own := func(c cgroupfs.Counters) (uint64, bool) {
		if c.MemoryEvents == nil {
			return 0, false
		}
		return c.MemoryEvents.OOM, true
	}
	n, ok := own(now)
	if !ok {
		return 0, false
	}
	var b uint64
	hb := false
	if before != nil {
		b, hb = own(*before)
	}
	hits = delta(n, b, hb)
	for _, k := range children {
		kn, kb := e.counters(k)
		if c, ok := own(kn); ok {
			var cb uint64
			var chb bool
			if kb != nil {
				cb, chb = own(*kb)
			}
			d := delta(c, cb, chb)
			if d >= hits {
				return 0, true
			}
			hits -= d
		}
	}
	return hits, true
}

// oomKills is the number of processes killed in a cgroup (and, on v2,
// below it).
func (e *effects) oomKills(cg *cgroupfs.Cgroup) (uint64, bool) {
	now, before := e.counters(cg)
	k, ok := now.OOMKills()
	if !ok {
		return 0, false
	}
	var b uint64
	hb := false
	if before != nil {
		b, hb = before.OOMKills()
	}
	return delta(k, b, hb), true
}

func (e *effects) oomKilled(t *target) {
	killFile := "memory.events"
	if e.v == convert.CgroupV1 {
		killFile = "memory.oom_control"
	}
	e.gap(t.cg, killFile)
	kills, ok := e.oomKills(t.cg)
	if !ok {
		return
	}
	switch {
	case t.level == cgroupfs.LevelPod:
		// A kill in one of the pod's containers is that container's
		// finding, which says whether the container's limit or the
		// pod's bit: the pod reports only the processes in none of its
		// containers (v2 counts every kill below the pod at the pod, v1
		// only the pod cgroup's own).
		if e.v == convert.CgroupV2 {
			for _, k := range t.children {
				if n, ok := e.oomKills(k); ok {
					kills -= min(n, kills)
				}
			}
		}
	case e.v == convert.CgroupV1 && t.level != cgroupfs.LevelContainer:
		// v1 counts a kill only in the victim's own cgroup: a tier's
		// count is the sum of the cgroups below it.
		for _, k := range e.descendants(t) {
			if n, ok := e.oomKills(k); ok {
				kills += n
			}
		}
	}
	if kills == 0 {
		return
	}
	hb := e.before != nil && e.before[t.cg.Path] != nil
	fig := EffectFigures{Since: e.since(hb), OOMKills: kills}
	if now := t.cg.Counters(); now.MemoryPeakBytes != nil {
		fig.PeakBytes = *now.MemoryPeakBytes
	}
	// Which limit bit: the innermost level, from this cgroup up, whose
	// own limit was hit.
	chain := []*target{t}
	if t.parent != nil {
		chain = append(chain, t.parent)
	}
	var bit *target
	var hits uint64
	for _, c := range chain {
		h, ok := e.limitHits(c.cg, c.children)
		if ok && h > 0 {
			if l, _ := e.memLimit(c); l != nil {
				bit, hits = c, h
				break
			}
		}
	}
	if t.level != cgroupfs.LevelContainer && bit == nil {
		// A pod or tier: report it only when its own limit bit; kills
		// at the containers' limits are the containers' findings.
		return
	}
	what := fmt.Sprintf("%d process%s OOM-killed in %s %s", kills, plural2(kills), t.name(), e.sinceText(hb))
	if fig.PeakBytes > 0 {
		what += fmt.Sprintf(" (peak usage %s)", bytesText(int64(fig.PeakBytes)))
	}
	if bit == nil {
		e.add(t, EffectOOMKilled, what+"; no cgroup limit of the pod was hit: the node ran out of memory (or a higher level's limit), and the kernel chose this process.", "", nil, fig)
		return
	}
	lim, b := e.memLimit(bit)
	fig.LimitBytes, fig.LimitHits = b, hits
	whose := "its own"
	if bit != t {
		whose = "the " + string(bit.level) + "'s"
	}
	msg := fmt.Sprintf("%s; %s memory limit %s = %s (%s) was hit %d time%s", what, whose, bytesText(b), lim.Value, lim.File, hits, pluralN(hits))
	if src := sourceText(lim.Source); src != "" {
		msg += "; it is " + src
	}
	if lim.Derivation != "" {
		msg += " (" + lim.Derivation + ")"
	}
	advice := memAdvice(lim.Source)
	if own, ob := e.memLimit(t); bit != t && own != nil && ob == b {
		// A single-container pod: the pod's limit is the container's,
		// and the pod also holds the sandbox's processes.
		advice = fmt.Sprintf("The container's own limit is the same %s: the pod's processes outside it (the sandbox's) count against the pod's too, so the pod's bit first; raise the container's memory limit.", bytesText(b))
	}
	msg += ". " + advice
	e.add(t, EffectOOMKilled, msg, bit.level, lim, fig)
}

// descendants returns the cgroups below a pod or tier that the node
// holds.
func (e *effects) descendants(t *target) []*cgroupfs.Cgroup {
	n := e.now.Node
	var out []*cgroupfs.Cgroup
	for i := range n.Pods {
		p := &n.Pods[i]
		in := t.level == cgroupfs.LevelKubepods ||
			(t.level == cgroupfs.LevelPod && p.UID == t.uid) ||
			(t.level == cgroupfs.LevelBurstable && p.Tier == cgroupfs.TierBurstable) ||
			(t.level == cgroupfs.LevelBestEffort && p.Tier == cgroupfs.TierBestEffort)
		if !in {
			continue
		}
		if t.level != cgroupfs.LevelPod {
			out = append(out, &p.Cgroup)
		}
		for j := range p.Containers {
			out = append(out, &p.Containers[j].Cgroup)
		}
	}
	return out
}

func sourceText(src string) string {
	return map[string]string{
		SourceContainerLimit:  "the container's resources.limits.memory",
		SourcePodLevelLimit:   "the pod-level spec.resources.limits.memory",
		SourcePodSum:          "the pod cgroup's sum of its containers' memory limits",
		SourceNodeAllocatable: "node allocatable memory",
		SourceMemoryQoS:       "set by MemoryQoS",
	}[src]
}

func memAdvice(src string) string {
	switch src {
	case SourceContainerLimit:
		return "Raise the container's memory limit, or find what grows in it."
	case SourcePodLevelLimit:
		return "Raise the pod-level memory limit, or the container using the most memory must use less."
	case SourcePodSum:
		return "The pod's containers together reached their summed limits; raise the limit of the container that grows."
	case SourceNodeAllocatable:
		return "The node's pods together reached allocatable memory; the pods' requests overcommit the node."
	}
	return "Raise the memory limit that was hit."
}

func (e *effects) memoryHigh(t *target) {
	now, before := e.counters(t.cg)
	if now.MemoryEvents == nil {
		return
	}
	hb := before != nil && before.MemoryEvents != nil
	var b uint64
	if hb {
		b = before.MemoryEvents.High
	}
	high := delta(now.MemoryEvents.High, b, hb)
	// memory.events is hierarchical: a pod's count includes its
	// containers'; report it where memory.high is set.
	lim := e.limitFile(t, "memory.high")
	if high == 0 || lim == nil || lim.Value == "max" {
		return
	}
	fig := EffectFigures{Since: e.since(hb), HighEvents: high}
	if v, err := convert.ParseMemory(lim.Value, e.v); err == nil {
		fig.LimitBytes = v
	}
	msg := fmt.Sprintf("usage of %s went over memory.high %s %d time%s %s: its tasks were throttled and made to reclaim", t.name(), bytesText(fig.LimitBytes), high, pluralN(high), e.sinceText(hb))
	if lim.Derivation != "" {
		msg += " (memory.high = " + lim.Derivation + ")"
	}
	msg += ". Raise the memory limit (memory.high follows it), or the request under MemoryQoS's memoryReservationPolicy."
	e.add(t, EffectMemoryHighThrottled, msg, t.level, lim, fig)
}

func (e *effects) pidsLimit(t *target) {
	e.gap(t.cg, "pids.events")
	now, before := e.counters(t.cg)
	if now.PidsEvents == nil {
		return
	}
	hb := before != nil && before.PidsEvents != nil
	var b uint64
	if hb {
		b = before.PidsEvents.Max
	}
	n := delta(now.PidsEvents.Max, b, hb)
	if n == 0 {
		return
	}
	fig := EffectFigures{Since: e.since(hb), PidsMaxEvents: n}
	lim := e.limitFile(t, "pids.max")
	var limitOf cgroupfs.Level
	if lim != nil && lim.Value != "max" {
		limitOf = t.level
	} else if t.parent != nil {
		// A container has no pids.max of its own; the pod's
		// (podPidsLimit) is the one that refuses.
		if pl := e.limitFile(t.parent, "pids.max"); pl != nil && pl.Value != "max" {
			lim, limitOf = pl, cgroupfs.LevelPod
		}
	}
	msg := fmt.Sprintf("%d fork%s refused in %s %s", n, pluralN(n), t.name(), e.sinceText(hb))
	if limitOf != "" {
		msg += fmt.Sprintf(": pids.max %s of the %s", lim.Value, limitOf)
		if lim.Derivation != "" {
			msg += " (" + lim.Derivation + ")"
		}
		msg += ". Raise the kubelet's podPidsLimit, or find what forks."
	}
	e.add(t, EffectPidsLimitHit, msg, limitOf, lim, fig)
}

func (e *effects) pressure(t *target, file string, reason Reason) {
	e.gap(t.cg, file)
	f, ok := t.cg.Files[file]
	if !ok || f.Err != nil {
		return
	}
	p, ok := f.Value.(cgroupfs.Pressure)
	if !ok {
		return
	}
	pct := p.Some.Avg10
	hb := false
	if e.before != nil {
		if b, ok := e.before[t.cg.Path]; ok {
			if bp, ok := b.Files[file].Value.(cgroupfs.Pressure); ok && p.Some.TotalMicros >= bp.Some.TotalMicros && e.window > 0 {
				pct = 100 * float64(p.Some.TotalMicros-bp.Some.TotalMicros) / float64(e.window.Microseconds())
				hb = true
			}
		}
	}
	if pct < e.opts.PressurePercent {
		return
	}
	res := strings.TrimSuffix(file, ".pressure")
	when := "over the last 10 s (avg10)"
	if hb {
		when = "over " + seconds(e.window.Seconds())
	}
	fig := EffectFigures{Since: e.since(hb), PressurePercent: round2(pct)}
	msg := fmt.Sprintf("tasks of %s were stalled waiting for %s %s of the time %s (threshold %s)", t.name(), res, percent(pct), when, percent(e.opts.PressurePercent))
	var lim *EffectLimit
	var limitOf cgroupfs.Level
	if reason == EffectCPUPressure {
		if l, q, _ := e.cpuLimit(t); l != nil && q > 0 {
			lim, limitOf = l, t.level
			msg += fmt.Sprintf("; its CPU quota %s", l.Value)
		}
	} else if l, _ := e.memLimit(t); l != nil {
		lim, limitOf = l, t.level
		msg += fmt.Sprintf("; its memory limit %s", l.Value)
	}
	e.add(t, reason, msg, limitOf, lim, fig)
}

func pluralN(n uint64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func plural2(n uint64) string {
	if n == 1 {
		return ""
	}
	return "es"
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func percent(x float64) string {
	return strconv.FormatFloat(math.Round(x), 'f', -1, 64) + "%"
}

func seconds(s float64) string {
	return strconv.FormatFloat(math.Round(s*10)/10, 'f', -1, 64) + " s"
}

// milliCPU renders quota/period as a CPU quantity ("500m", "2").
func milliCPU(quota int64, period uint64) string {
	m := quota * 1000 / int64(period)
	if m%1000 == 0 {
		return strconv.FormatInt(m/1000, 10)
	}
	return strconv.FormatInt(m, 10) + "m"
}

// bytesText renders a byte count in binary units when exact ("32Mi").
func bytesText(b int64) string {
	for _, u := range []struct {
		s string
		n int64
	}{{"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if b >= u.n && b%u.n == 0 {
			return strconv.FormatInt(b/u.n, 10) + u.s
		}
	}
	return strconv.FormatInt(b, 10) + " bytes"
}
