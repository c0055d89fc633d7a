package convert

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// OCIRuntime selects the OCI runtime whose conversion quirks [OCIFiles]
// reproduces. The shares-to-weight formula is chosen separately, through
// OCIOptions.Formula, because it depends on the runtime's version.
type OCIRuntime int

const (
	// RuntimeRunc is runc (opencontainers/cgroups): a pids limit of 0 is
	// written as 1, an OCI swap of 0 means "unset", and hugetlb limits are
	// also written to the .rsvd files when the kernel has them.
	RuntimeRunc OCIRuntime = iota
	// RuntimeCrun is crun: a pids limit of 0 is skipped, an explicit OCI
	// swap of 0 is written literally as memory.swap.max "0", and hugetlb
	// .rsvd files are never written.
	RuntimeCrun
)

// String returns "runc" or "crun".
func (r OCIRuntime) String() string {
	switch r {
	case RuntimeRunc:
		return "runc"
	case RuntimeCrun:
		return "crun"
	}
	return fmt.Sprintf("OCIRuntime(%d)", int(r))
}

// OCIOptions describes the host and runtime for [OCIFiles].
type OCIOptions struct {
	// Version is the cgroup version of the host. Required.
	Version CgroupVersion
	// Formula is the runtime's shares-to-weight formula (cgroup v2 only).
	// WeightUnknown is an error when the resources carry CPU shares on v2.
	Formula WeightFormula
	// Runtime selects runc or crun quirks. The zero value is runc.
	Runtime OCIRuntime
	// PageSize is the host's base page size; 0 means DefaultPageSize.
	PageSize int64
	// HugetlbRsvd reports that the kernel has hugetlb .rsvd limit files
	// (Linux 5.7 and later); runc then writes every hugetlb limit there too.
	HugetlbRsvd bool
	// NoSwapAccounting reports that the host has no swap accounting
	// (no memory.memsw.* on v1, no memory.swap.max on v2); runtimes then
	// skip swap settings.
	NoSwapAccounting bool
}

// ErrUnknownFormula is returned by [OCIFiles] when it must convert CPU
// shares to a cgroup v2 weight but OCIOptions.Formula is WeightUnknown.
var ErrUnknownFormula = errors.New("cpu.weight needs a known shares-to-weight formula")

// FileValue is one cgroup file as a runtime leaves it.
type FileValue struct {
	// Name is the file name, such as "cpu.weight" or "memory.limit_in_bytes".
	Name string
	// Value is the content as the kernel shows it when read back, without
	// the trailing newline.
	Value string
	// Derivation explains the value in one line, for example
	// "cpu.weight = quadratic(shares 256) = 35".
	Derivation string
}

// OCIFiles returns the cgroup files, and their values as the kernel then
// shows them, that an OCI runtime writes for res on a host described by
// opts, sorted by file name. It applies the runtime's conversions (shares
// to weight, quota and period to cpu.max, memory+swap to memory.swap.max,
// pids and hugetlb rules) and the kernel's read-back rules (page rounding,
// share clamping, "unlimited" forms).
//
// On cgroup v2 the Unified map is applied last and overrides converted
// values, as runc and crun do; on v1 a non-empty Unified map is
// ErrUnifiedOnV1. Values the kernel would refuse (a quota below 1 ms, a
// period outside 1 ms…1 s, swap below memory) are errors wrapping ErrRange
// or the specific sentinel.
func OCIFiles(res *specs.LinuxResources, opts OCIOptions) ([]FileValue, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.Version != CgroupV1 && opts.Version != CgroupV2 {
		return nil, fmt.Errorf("convert: OCIFiles: cgroup version %v: %w", opts.Version, ErrRange)
	}
	if res == nil {
		return nil, nil
	}
	w := &fileWriter{files: map[string]FileValue{}}
	if err := ociCPU(w, res.CPU, opts); err != nil {
		return nil, err
	}
	if err := ociMemory(w, res.Memory, opts); err != nil {
		return nil, err
	}
	ociPids(w, res.Pids, opts)
	if err := ociHugetlb(w, res.HugepageLimits, opts); err != nil {
		return nil, err
	}
	if len(res.Unified) > 0 {
		if opts.Version == CgroupV1 {
			return nil, fmt.Errorf("convert: OCIFiles: %w", ErrUnifiedOnV1)
		}
		if err := ociUnified(w, res.Unified, opts); err != nil {
			return nil, err
		}
	}
	return w.sorted(), nil
}

type fileWriter struct {
	files map[string]FileValue
}

func (w *fileWriter) set(name, value, format string, args ...any) {
	w.files[name] = FileValue{Name: name, Value: value, Derivation: fmt.Sprintf(format, args...)}
}

func (w *fileWriter) sorted() []FileValue {
	out := make([]FileValue, 0, len(w.files))
	for _, f := range w.files {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b FileValue) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func ociCPU(w *fileWriter, cpu *specs.LinuxCPU, opts OCIOptions) error {
	if cpu == nil {
		return nil
	}
	if cpu.Shares != nil && *cpu.Shares != 0 {
		s := *cpu.Shares
		if opts.Version == CgroupV1 {
			c := ClampShares(s)
			if c != s {
				w.set("cpu.shares", strconv.FormatUint(c, 10), "cpu.shares = OCI shares %d, clamped by the kernel to %d", s, c)
			} else {
				w.set("cpu.shares", strconv.FormatUint(c, 10), "cpu.shares = OCI shares %d", s)
			}
		} else {
			if opts.Formula != WeightLinear && opts.Formula != WeightQuadratic {
				return fmt.Errorf("convert: OCIFiles: shares %d: %w", s, ErrUnknownFormula)
			}
			wt := opts.Formula.Weight(s)
			w.set("cpu.weight", strconv.FormatUint(wt, 10), "cpu.weight = %v(shares %d) = %d", opts.Formula, s, wt)
		}
	}
	var quota int64
	var period uint64
	if cpu.Quota != nil {
		quota = *cpu.Quota
	}
	if cpu.Period != nil {
		period = *cpu.Period
	}
	if period != 0 && (period < MinPeriodMicros || period > MaxPeriodMicros) {
		return rangeError("OCI cpu period", strconv.FormatUint(period, 10), "the kernel accepts 1000…1000000 µs")
	}
	if quota > 0 && quota < MinQuotaMicros {
		return rangeError("OCI cpu quota", strconv.FormatInt(quota, 10), "the kernel refuses quotas below 1000 µs")
	}
	if opts.Version == CgroupV1 {
		if period != 0 {
			w.set("cpu.cfs_period_us", strconv.FormatUint(period, 10), "cpu.cfs_period_us = OCI period %d", period)
		}
		if quota != 0 {
			w.set("cpu.cfs_quota_us", FormatCFSQuota(quota), "cpu.cfs_quota_us = OCI quota %d", quota)
		}
	} else if quota != 0 || period != 0 {
		p := period
		if p == 0 {
			p = DefaultPeriodMicros
		}
		m := CPUMax{QuotaMicros: quota, PeriodMicros: p}
		switch {
		case quota > 0 && period == 0:
			w.set("cpu.max", m.String(), "cpu.max = quota %d µs per default period %d µs", quota, p)
		case quota > 0:
			w.set("cpu.max", m.String(), "cpu.max = quota %d µs per period %d µs", quota, p)
		default:
			m.QuotaMicros = UnlimitedQuota
			w.set("cpu.max", m.String(), "cpu.max = no quota (OCI quota %d), period %d µs", quota, p)
		}
	}
	if cpu.Cpus != "" {
		if err := ociCPUSet(w, "cpuset.cpus", cpu.Cpus); err != nil {
			return err
		}
	}
	if cpu.Mems != "" {
		if err := ociCPUSet(w, "cpuset.mems", cpu.Mems); err != nil {
			return err
		}
	}
	return nil
}

func ociCPUSet(w *fileWriter, name, list string) error {
	set, err := ParseCPUSet(list)
	if err != nil {
		return err
	}
	w.set(name, set.String(), "%s = OCI %q", name, list)
	return nil
}

func ociMemory(w *fileWriter, mem *specs.LinuxMemory, opts OCIOptions) error {
	if mem == nil {
		return nil
	}
	var limit, swap, reservation int64
	if mem.Limit != nil {
		limit = *mem.Limit
	}
	if mem.Swap != nil {
		swap = *mem.Swap
	}
	if mem.Reservation != nil {
		reservation = *mem.Reservation
	}
	for _, v := range []struct {
		what string
		n    int64
	}{{"OCI memory limit", limit}, {"OCI memory+swap", swap}, {"OCI memory reservation", reservation}} {
		if v.n < MemoryUnlimited {
			return rangeError(v.what, strconv.FormatInt(v.n, 10), "negative values other than -1 are invalid")
		}
	}
	ps := opts.PageSize
	if opts.Version == CgroupV1 {
		if limit != 0 {
			w.set("memory.limit_in_bytes", FormatMemory(limit, CgroupV1, ps), "memory.limit_in_bytes = %s", memoryHow(limit, ps))
		}
		if !opts.NoSwapAccounting {
			switch {
			case swap != 0:
				if swap != MemoryUnlimited && limit > 0 && swap < limit {
					return &ValueError{What: "OCI memory+swap", Value: strconv.FormatInt(swap, 10), Err: ErrSwapBelowMemory}
				}
				w.set("memory.memsw.limit_in_bytes", FormatMemory(swap, CgroupV1, ps), "memory.memsw.limit_in_bytes = OCI memory+swap: %s", memoryHow(swap, ps))
			case limit == MemoryUnlimited:
				w.set("memory.memsw.limit_in_bytes", FormatMemory(-1, CgroupV1, ps), "memory.memsw.limit_in_bytes unlimited because the memory limit is -1 and no swap is set")
			}
		}
		if reservation != 0 {
			w.set("memory.soft_limit_in_bytes", FormatMemory(reservation, CgroupV1, ps), "memory.soft_limit_in_bytes = OCI reservation: %s", memoryHow(reservation, ps))
		}
		return nil
	}
	if !opts.NoSwapAccounting && (swap != 0 || limit == MemoryUnlimited || (mem.Swap != nil && opts.Runtime == RuntimeCrun)) {
		v, err := SwapV2(swap, limit)
		if err != nil {
			return err
		}
		switch {
		case v == MemoryUnlimited:
			w.set("memory.swap.max", "max", "memory.swap.max = max (OCI memory+swap %d, memory %d)", swap, limit)
		case v > 0:
			w.set("memory.swap.max", FormatMemory(v, CgroupV2, ps), "memory.swap.max = memory+swap %d − memory %d = %s", swap, limit, memoryHow(v, ps))
		case swap != 0:
			w.set("memory.swap.max", "0", "memory.swap.max = 0: memory+swap equals memory, so no swap")
		case mem.Swap != nil && opts.Runtime == RuntimeCrun:
			w.set("memory.swap.max", "0", "memory.swap.max = 0: crun writes an explicit OCI swap of 0 literally")
		}
	}
	if limit != 0 {
		w.set("memory.max", FormatMemory(limit, CgroupV2, ps), "memory.max = %s", memoryHow(limit, ps))
	}
	if reservation != 0 {
		w.set("memory.low", FormatMemory(reservation, CgroupV2, ps), "memory.low = OCI reservation: %s", memoryHow(reservation, ps))
	}
	return nil
}

// memoryHow explains how a byte value is shown after page rounding.
func memoryHow(n, pageSize int64) string {
	switch {
	case n < 0:
		return "unlimited"
	case n%pageSize == 0:
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%d rounded down to %d-byte pages = %d", n, pageSize, RoundDownToPage(n, pageSize))
}

func ociPids(w *fileWriter, pids *specs.LinuxPids, opts OCIOptions) {
	if pids == nil || pids.Limit == nil {
		return
	}
	n := *pids.Limit
	switch {
	case n < 0:
		w.set("pids.max", "max", "pids.max = max (OCI limit %d)", n)
	case n == 0 && opts.Runtime == RuntimeCrun:
		// crun skips a zero limit.
	case n == 0:
		w.set("pids.max", "1", "pids.max = 1: runc writes an OCI limit of 0 as 1")
	default:
		w.set("pids.max", strconv.FormatInt(n, 10), "pids.max = OCI limit %d", n)
	}
}

func ociHugetlb(w *fileWriter, limits []specs.LinuxHugepageLimit, opts OCIOptions) error {
	for _, l := range limits {
		size, err := ParseHugePageSizeName(l.Pagesize)
		if err != nil {
			return err
		}
		v := FormatHugetlb(clampToInt64(l.Limit), size, opts.Version, opts.PageSize)
		how := fmt.Sprintf("OCI %s limit %d", l.Pagesize, l.Limit)
		if v != strconv.FormatUint(l.Limit, 10) {
			how += ", rounded down to whole huge pages"
		}
		name := HugetlbLimitFile(l.Pagesize, opts.Version)
		w.set(name, v, "%s = %s", name, how)
		if opts.HugetlbRsvd && opts.Runtime == RuntimeRunc {
			rsvd := HugetlbRsvdLimitFile(l.Pagesize, opts.Version)
			w.set(rsvd, v, "%s = %s (runc also writes the reservation limit)", rsvd, how)
		}
	}
	return nil
}

func clampToInt64(n uint64) int64 {
	if n > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(n)
}

// ociUnified applies the Unified map last, normalising the values of files
// whose read-back the kernel changes.
func ociUnified(w *fileWriter, unified map[string]string, opts OCIOptions) error {
	keys := make([]string, 0, len(unified))
	for k := range unified {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "" || strings.Contains(k, "/") {
			return syntaxError("OCI unified key", k, "keys name a file in the cgroup directory and may not contain /")
		}
		raw := unified[k]
		v := strings.TrimSpace(raw)
		how := fmt.Sprintf("%s = unified[%q] = %q, written last", k, k, raw)
		switch {
		case isMemoryFile(k) && v != "max":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				r := RoundDownToPage(n, opts.PageSize)
				if r != n {
					how += fmt.Sprintf(", rounded down to %d-byte pages", opts.PageSize)
				}
				v = strconv.FormatInt(r, 10)
			}
		case k == "cpu.max" && !strings.Contains(v, " "):
			// A single token replaces the quota and keeps the period.
			period := DefaultPeriodMicros
			if prev, ok := w.files["cpu.max"]; ok {
				if m, err := ParseCPUMax(prev.Value); err == nil {
					period = m.PeriodMicros
				}
			}
			v = v + " " + strconv.FormatUint(period, 10)
			how += ", keeping the period"
		}
		w.set(k, v, "%s", how)
	}
	return nil
}

func isMemoryFile(name string) bool {
	switch name {
	case "memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max":
		return true
	}
	return false
}
