package cgroupfs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
)

// Counter files: what the kernel counts in a cgroup, as opposed to the
// limits the kubelet and the runtime write. They are read at every level
// (kubepods, tiers, pods, containers) when NodeOptions.Counters is set;
// never at the root, whose memory.stat and cpu.stat cover the whole host.
var (
	// counterFilesV1 are the cgroup v1 counters: cpu.stat (periods,
	// throttled periods, throttled time in ns), cpuacct.usage (CPU time
	// in ns), the memory usage and its high-water mark, memory.failcnt
	// (times the limit was hit), memory.oom_control (oom_kill, under_oom)
	// and the pids controller's count and events.
	counterFilesV1 = []string{
		"cpu.stat", "cpuacct.usage",
		"memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt", "memory.oom_control",
		"pids.current", "pids.events",
	}
	// counterFilesV2 are the cgroup v2 counters: cpu.stat, memory.events,
	// the memory and swap usage, memory.peak, the pids count and events,
	// and the pressure stall information (PSI) files.
	counterFilesV2 = []string{
		"cpu.stat", "memory.events",
		"memory.current", "memory.peak", "memory.swap.current",
		"pids.current", "pids.events",
		"cpu.pressure", "memory.pressure", "io.pressure",
	}
)

// CounterFiles returns the counter files of a cgroup version, sorted by
// name: the files NodeOptions.Counters adds at every level. Their
// File.Value types are:
//
//	cpu.stat                                      CPUStat
//	memory.events                                 MemoryEvents (v2)
//	memory.oom_control                            OOMControl (v1)
//	pids.events                                   PidsEvents
//	cpu.pressure, memory.pressure, io.pressure    Pressure (v2)
//	cpuacct.usage                                 uint64 nanoseconds (v1)
//	memory.current, memory.peak, memory.swap.current,
//	memory.usage_in_bytes, memory.max_usage_in_bytes  uint64 bytes
//	memory.failcnt, pids.current                  uint64
func CounterFiles(v convert.CgroupVersion) []string {
	out := slices.Clone(counterFilesV1)
	if v == convert.CgroupV2 {
		out = slices.Clone(counterFilesV2)
	}
	slices.Sort(out)
	return out
}

// isCounterFile reports whether name is a counter file of either version.
func isCounterFile(name string) bool {
	return slices.Contains(counterFilesV1, name) || slices.Contains(counterFilesV2, name)
}

// CPUStat is cpu.stat: CPU time used and, where the cpu controller's
// bandwidth (CFS quota) accounting is present, the enforcement periods
// and how many of them were throttled. Times are in microseconds on both
// versions (v1 counts throttled_time and burst_time in nanoseconds; they
// are divided by 1000).
type CPUStat struct {
	// UsageMicros, UserMicros and SystemMicros are usage_usec,
	// user_usec and system_usec (cgroup v2 only; on v1 the usage is
	// cpuacct.usage).
	UsageMicros uint64 `json:"usageMicros,omitempty"`
	// UserMicros: see UsageMicros.
	UserMicros uint64 `json:"userMicros,omitempty"`
	// SystemMicros: see UsageMicros.
	SystemMicros uint64 `json:"systemMicros,omitempty"`
	// Periods is nr_periods: enforcement periods that had runnable tasks.
	Periods uint64 `json:"periods"`
	// ThrottledPeriods is nr_throttled: periods in which the cgroup used
	// its whole quota and its tasks were stopped until the next period.
	ThrottledPeriods uint64 `json:"throttledPeriods"`
	// ThrottledMicros is throttled_usec (v2) or throttled_time / 1000
	// (v1): the total time the tasks stood throttled.
	ThrottledMicros uint64 `json:"throttledMicros"`
	// Bursts and BurstMicros are nr_bursts and burst_usec (burst_time /
	// 1000 on v1), zero on kernels without CFS burst.
	Bursts uint64 `json:"bursts,omitempty"`
	// BurstMicros: see Bursts.
	BurstMicros uint64 `json:"burstMicros,omitempty"`
	// HasUsage reports that usage_usec was present (v2).
	HasUsage bool `json:"hasUsage"`
	// HasBandwidth reports that nr_periods, nr_throttled and the
	// throttled time were present: always on v1; on v2 only when the cpu
	// controller is enabled for the cgroup (the core cpu.stat has only
	// the usage lines).
	HasBandwidth bool `json:"hasBandwidth"`
}

// MemoryEvents is cgroup v2 memory.events: how often the cgroup (and its
// descendants: the file is hierarchical) went over memory.low, over
// memory.high (and was throttled), hit memory.max, ran out of memory,
// and how many processes the OOM killer killed.
type MemoryEvents struct {
	// Low is "low": reclaimed while under memory.low.
	Low uint64 `json:"low"`
	// High is "high": over memory.high, the tasks were throttled and
	// reclaim was forced.
	High uint64 `json:"high"`
	// Max is "max": usage was about to go over memory.max.
	Max uint64 `json:"max"`
	// OOM is "oom": reclaim at memory.max failed, the OOM killer ran.
	OOM uint64 `json:"oom"`
	// OOMKill is "oom_kill": processes killed by the OOM killer.
	OOMKill uint64 `json:"oomKill"`
	// OOMGroupKill is "oom_group_kill" (kernels from 6.2): group kills
	// (memory.oom.group).
	OOMGroupKill uint64 `json:"oomGroupKill,omitempty"`
}

// OOMControl is cgroup v1 memory.oom_control.
type OOMControl struct {
	// KillDisabled is oom_kill_disable: tasks wait instead of being
	// killed.
	KillDisabled bool `json:"killDisabled"`
	// UnderOOM is under_oom: the cgroup is out of memory right now.
	UnderOOM bool `json:"underOOM"`
	// OOMKill is oom_kill (kernels from 4.13): processes killed by the
	// OOM killer in this cgroup.
	OOMKill uint64 `json:"oomKill"`
	// HasOOMKill reports that the oom_kill line was present.
	HasOOMKill bool `json:"hasOOMKill"`
}

// PidsEvents is pids.events (v1 and v2): "max" counts the forks refused
// because pids.max was reached.
type PidsEvents struct {
	// Max is "max".
	Max uint64 `json:"max"`
}

// Pressure is a pressure stall information file (cpu.pressure,
// memory.pressure, io.pressure): the share of wall time in which some
// (or, for Full, all non-idle) tasks of the cgroup were stalled waiting
// for the resource.
type Pressure struct {
	// Some is the "some" line.
	Some PressureLine `json:"some"`
	// Full is the "full" line; nil when the kernel prints none (cpu
	// before 5.13).
	Full *PressureLine `json:"full,omitempty"`
}

// PressureLine is one line of a PSI file.
type PressureLine struct {
	// Avg10, Avg60 and Avg300 are the stalled share of time, in percent
	// (0 to 100), averaged over 10 s, 60 s and 300 s.
	Avg10 float64 `json:"avg10"`
	// Avg60: see Avg10.
	Avg60 float64 `json:"avg60"`
	// Avg300: see Avg10.
	Avg300 float64 `json:"avg300"`
	// TotalMicros is "total": the stalled time in microseconds since the
	// cgroup was created.
	TotalMicros uint64 `json:"totalMicros"`
}

// parseCounter parses a counter file; ok is false for other names.
func parseCounter(name, raw string, v convert.CgroupVersion) (val any, ok bool, err error) {
	if !isCounterFile(name) {
		return nil, false, nil
	}
	switch name {
	case "cpu.stat":
		val, err = nonNil(ParseCPUStat(raw, v))
	case "memory.events":
		val, err = nonNil(ParseMemoryEvents(raw))
	case "memory.oom_control":
		val, err = nonNil(ParseOOMControl(raw))
	case "pids.events":
		val, err = nonNil(ParsePidsEvents(raw))
	case "cpu.pressure", "memory.pressure", "io.pressure":
		val, err = nonNil(ParsePressure(name, raw))
	default:
		val, err = nonNil(ParseCounter(name, raw))
	}
	return val, true, err
}

func counterSyntax(what, value, format string, args ...any) error {
	return &convert.ValueError{What: what, Value: value, Err: fmt.Errorf("%w: %s", convert.ErrSyntax, fmt.Sprintf(format, args...))}
}

// maxCounterLines bounds the lines of a flat-keyed file: the kernel's
// longest (v2 cpu.stat) has a dozen.
const maxCounterLines = 64

// parseUint64 parses an unsigned decimal counter.
func parseUint64(what, whole, s string) (uint64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, counterSyntax(what, whole, "%q is not an unsigned decimal integer", s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, &convert.ValueError{What: what, Value: whole, Err: fmt.Errorf("%w: %s overflows uint64", convert.ErrRange, s)}
	}
	return n, nil
}

// ParseCounter parses a file that holds one unsigned decimal counter
// (memory.current, pids.current, cpuacct.usage...), with an optional
// trailing newline.
func ParseCounter(name, raw string) (uint64, error) {
	return parseUint64(name, raw, strings.TrimSuffix(raw, "\n"))
}

// parseFlatKeyed parses the kernel's flat-keyed format: one "key value"
// line per counter, values unsigned decimals, keys unique. Unknown keys
// are kept: kernels add counters over time.
func parseFlatKeyed(name, raw string) (map[string]uint64, error) {
	body := strings.TrimSuffix(raw, "\n")
	if body == "" {
		return nil, counterSyntax(name, raw, "empty")
	}
	lines := strings.Split(body, "\n")
	if len(lines) > maxCounterLines {
		return nil, counterSyntax(name, raw, "more than %d lines", maxCounterLines)
	}
	out := make(map[string]uint64, len(lines))
	for _, line := range lines {
		k, val, ok := strings.Cut(line, " ")
		if !ok || !validCounterKey(k) {
			return nil, counterSyntax(name, raw, "line %q is not \"key value\"", line)
		}
		if _, dup := out[k]; dup {
			return nil, counterSyntax(name, raw, "key %q appears twice", k)
		}
		n, err := parseUint64(name, raw, val)
		if err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, nil
}

// validCounterKey reports a key of the kernel's flat-keyed files:
// lower-case letters, digits, '_' and '.', starting with a letter.
func validCounterKey(k string) bool {
	if k == "" || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ParseCPUStat parses cpu.stat of a cgroup version. On v2 usage_usec is
// required, and nr_periods, nr_throttled and throttled_usec come
// together or not at all; on v1 nr_periods, nr_throttled and
// throttled_time are required. Other keys are ignored.
func ParseCPUStat(raw string, v convert.CgroupVersion) (CPUStat, error) {
	const name = "cpu.stat"
	kv, err := parseFlatKeyed(name, raw)
	if err != nil {
		return CPUStat{}, err
	}
	var s CPUStat
	bw := []string{"nr_periods", "nr_throttled", "throttled_time"}
	scale := uint64(1000)
	if v == convert.CgroupV2 {
		bw[2] = "throttled_usec"
		scale = 1
		u, ok := kv["usage_usec"]
		if !ok {
			return CPUStat{}, counterSyntax(name, raw, "no usage_usec line")
		}
		s.UsageMicros, s.UserMicros, s.SystemMicros, s.HasUsage = u, kv["user_usec"], kv["system_usec"], true
		s.BurstMicros = kv["burst_usec"]
	} else {
		s.BurstMicros = kv["burst_time"] / 1000
	}
	present := 0
	for _, k := range bw {
		if _, ok := kv[k]; ok {
			present++
		}
	}
	switch {
	case present == len(bw):
		s.HasBandwidth = true
		s.Periods, s.ThrottledPeriods, s.ThrottledMicros = kv[bw[0]], kv[bw[1]], kv[bw[2]]/scale
		s.Bursts = kv["nr_bursts"]
	case present > 0 || v != convert.CgroupV2:
		return CPUStat{}, counterSyntax(name, raw, "want all of %s", strings.Join(bw, ", "))
	}
	if s.ThrottledPeriods > s.Periods {
		return CPUStat{}, &convert.ValueError{What: name, Value: raw, Err: fmt.Errorf("%w: nr_throttled %d is more than nr_periods %d", convert.ErrRange, s.ThrottledPeriods, s.Periods)}
	}
	return s, nil
}

// ParseMemoryEvents parses cgroup v2 memory.events; low, high, max, oom
// and oom_kill are required, oom_group_kill is optional, other keys are
// ignored.
func ParseMemoryEvents(raw string) (MemoryEvents, error) {
	const name = "memory.events"
	kv, err := parseFlatKeyed(name, raw)
	if err != nil {
		return MemoryEvents{}, err
	}
	for _, k := range []string{"low", "high", "max", "oom", "oom_kill"} {
		if _, ok := kv[k]; !ok {
			return MemoryEvents{}, counterSyntax(name, raw, "no %s line", k)
		}
	}
	return MemoryEvents{Low: kv["low"], High: kv["high"], Max: kv["max"], OOM: kv["oom"], OOMKill: kv["oom_kill"], OOMGroupKill: kv["oom_group_kill"]}, nil
}

// ParseOOMControl parses cgroup v1 memory.oom_control: oom_kill_disable
// and under_oom (0 or 1) are required, oom_kill is optional.
func ParseOOMControl(raw string) (OOMControl, error) {
	const name = "memory.oom_control"
	kv, err := parseFlatKeyed(name, raw)
	if err != nil {
		return OOMControl{}, err
	}
	var o OOMControl
	for _, f := range []struct {
		key string
		dst *bool
	}{{"oom_kill_disable", &o.KillDisabled}, {"under_oom", &o.UnderOOM}} {
		n, ok := kv[f.key]
		if !ok {
			return OOMControl{}, counterSyntax(name, raw, "no %s line", f.key)
		}
		if n > 1 {
			return OOMControl{}, &convert.ValueError{What: name, Value: raw, Err: fmt.Errorf("%w: %s is %d, not 0 or 1", convert.ErrRange, f.key, n)}
		}
		*f.dst = n == 1
	}
	o.OOMKill, o.HasOOMKill = kv["oom_kill"]
	return o, nil
}

// ParsePidsEvents parses pids.events: the "max" line is required, other
// keys are ignored.
func ParsePidsEvents(raw string) (PidsEvents, error) {
	const name = "pids.events"
	kv, err := parseFlatKeyed(name, raw)
	if err != nil {
		return PidsEvents{}, err
	}
	m, ok := kv["max"]
	if !ok {
		return PidsEvents{}, counterSyntax(name, raw, "no max line")
	}
	return PidsEvents{Max: m}, nil
}

// ParsePressure parses a PSI file (name is cpu.pressure, memory.pressure
// or io.pressure, for messages): a "some" line and an optional "full"
// line, each "avg10=A avg60=B avg300=C total=T" with percentages of two
// decimals between 0 and 100 and T in microseconds.
func ParsePressure(name, raw string) (Pressure, error) {
	body := strings.TrimSuffix(raw, "\n")
	lines := strings.Split(body, "\n")
	if len(lines) > 2 {
		return Pressure{}, counterSyntax(name, raw, "more than a some and a full line")
	}
	var p Pressure
	for i, line := range lines {
		kind, rest, _ := strings.Cut(line, " ")
		pl, err := parsePressureLine(name, raw, rest)
		if err != nil {
			return Pressure{}, err
		}
		switch {
		case i == 0 && kind == "some":
			p.Some = pl
		case i == 1 && kind == "full":
			p.Full = &pl
		default:
			return Pressure{}, counterSyntax(name, raw, "line %q: want \"some\" first and \"full\" second", line)
		}
	}
	return p, nil
}

func parsePressureLine(name, raw, s string) (PressureLine, error) {
	fields := strings.Split(s, " ")
	keys := []string{"avg10", "avg60", "avg300", "total"}
	if len(fields) != len(keys) {
		return PressureLine{}, counterSyntax(name, raw, "want avg10=, avg60=, avg300= and total=")
	}
	var pl PressureLine
	avgs := []*float64{&pl.Avg10, &pl.Avg60, &pl.Avg300}
	for i, f := range fields {
		k, val, ok := strings.Cut(f, "=")
		if !ok || k != keys[i] {
			return PressureLine{}, counterSyntax(name, raw, "field %q: want %s=", f, keys[i])
		}
		if i == 3 {
			n, err := parseUint64(name, raw, val)
			if err != nil {
				return PressureLine{}, err
			}
			pl.TotalMicros = n
			continue
		}
		x, err := parsePercent(val)
		if err != nil {
			return PressureLine{}, counterSyntax(name, raw, "%s=%q: %v", k, val, err)
		}
		*avgs[i] = x
	}
	return pl, nil
}

// parsePercent parses the kernel's "%lu.%02lu" percentages, 0.00 to
// 100.00.
func parsePercent(s string) (float64, error) {
	whole, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 2 || whole == "" || len(whole) > 3 ||
		strings.TrimLeft(whole, "0123456789") != "" || strings.TrimLeft(frac, "0123456789") != "" {
		return 0, fmt.Errorf("not a percentage with two decimals")
	}
	w, _ := strconv.Atoi(whole)
	f, _ := strconv.Atoi(frac)
	x := float64(w) + float64(f)/100
	if x > 100 {
		return 0, fmt.Errorf("more than 100%%")
	}
	return x, nil
}

// Counters are a cgroup's counters as read, gathered from its Files by
// Cgroup.Counters. A nil field is a file that was not read or has no
// value (missing, not supported, invalid: the File says which).
type Counters struct {
	// CPU is cpu.stat.
	CPU *CPUStat `json:"cpu,omitempty"`
	// CPUUsageNanos is cpuacct.usage (v1).
	CPUUsageNanos *uint64 `json:"cpuUsageNanos,omitempty"`
	// MemoryBytes is memory.current (v2) or memory.usage_in_bytes (v1).
	MemoryBytes *uint64 `json:"memoryBytes,omitempty"`
	// MemoryPeakBytes is memory.peak (v2, kernels from 5.19) or
	// memory.max_usage_in_bytes (v1).
	MemoryPeakBytes *uint64 `json:"memoryPeakBytes,omitempty"`
	// SwapBytes is memory.swap.current (v2).
	SwapBytes *uint64 `json:"swapBytes,omitempty"`
	// MemoryEvents is memory.events (v2).
	MemoryEvents *MemoryEvents `json:"memoryEvents,omitempty"`
	// MemoryFailcnt is memory.failcnt (v1): how often usage hit this
	// cgroup's own memory.limit_in_bytes.
	MemoryFailcnt *uint64 `json:"memoryFailcnt,omitempty"`
	// OOMControl is memory.oom_control (v1).
	OOMControl *OOMControl `json:"oomControl,omitempty"`
	// Pids is pids.current.
	Pids *uint64 `json:"pids,omitempty"`
	// PidsEvents is pids.events.
	PidsEvents *PidsEvents `json:"pidsEvents,omitempty"`
	// CPUPressure, MemoryPressure and IOPressure are the PSI files (v2).
	CPUPressure *Pressure `json:"cpuPressure,omitempty"`
	// MemoryPressure: see CPUPressure.
	MemoryPressure *Pressure `json:"memoryPressure,omitempty"`
	// IOPressure: see CPUPressure.
	IOPressure *Pressure `json:"ioPressure,omitempty"`
}

// Counters gathers the typed counters of the cgroup's Files.
func (cg *Cgroup) Counters() Counters {
	var c Counters
	get := func(name string) any {
		if f, ok := cg.Files[name]; ok && f.Err == nil {
			return f.Value
		}
		return nil
	}
	u64 := func(names ...string) *uint64 {
		for _, n := range names {
			if v, ok := get(n).(uint64); ok {
				return &v
			}
		}
		return nil
	}
	if v, ok := get("cpu.stat").(CPUStat); ok {
		c.CPU = &v
	}
	c.CPUUsageNanos = u64("cpuacct.usage")
	c.MemoryBytes = u64("memory.current", "memory.usage_in_bytes")
	c.MemoryPeakBytes = u64("memory.peak", "memory.max_usage_in_bytes")
	c.SwapBytes = u64("memory.swap.current")
	if v, ok := get("memory.events").(MemoryEvents); ok {
		c.MemoryEvents = &v
	}
	c.MemoryFailcnt = u64("memory.failcnt")
	if v, ok := get("memory.oom_control").(OOMControl); ok {
		c.OOMControl = &v
	}
	c.Pids = u64("pids.current")
	if v, ok := get("pids.events").(PidsEvents); ok {
		c.PidsEvents = &v
	}
	for name, dst := range map[string]**Pressure{"cpu.pressure": &c.CPUPressure, "memory.pressure": &c.MemoryPressure, "io.pressure": &c.IOPressure} {
		if v, ok := get(name).(Pressure); ok {
			*dst = &v
		}
	}
	return c
}

// CPUUsageMicros is the cgroup's CPU time in microseconds: usage_usec of
// cpu.stat (v2) or cpuacct.usage / 1000 (v1).
func (c Counters) CPUUsageMicros() (uint64, bool) {
	switch {
	case c.CPU != nil && c.CPU.HasUsage:
		return c.CPU.UsageMicros, true
	case c.CPUUsageNanos != nil:
		return *c.CPUUsageNanos / 1000, true
	}
	return 0, false
}

// OOMKills is the number of processes the OOM killer killed in the
// cgroup: oom_kill of memory.events (v2, including descendants) or of
// memory.oom_control (v1, kernels from 4.13).
func (c Counters) OOMKills() (uint64, bool) {
	switch {
	case c.MemoryEvents != nil:
		return c.MemoryEvents.OOMKill, true
	case c.OOMControl != nil && c.OOMControl.HasOOMKill:
		return c.OOMControl.OOMKill, true
	}
	return 0, false
}

// withCounters returns names plus the counter files of v that it lacks,
// in a new slice.
func withCounters(names []string, v convert.CgroupVersion) []string {
	out := slices.Clip(names)
	for _, c := range CounterFiles(v) {
		if !slices.Contains(names, c) {
			out = append(out, c)
		}
	}
	return out
}
