package runtimediff

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
)

// This file models the kernel side of a container cgroup on its own,
// from the kernel sources rather than from package convert, so that the
// comparison does not check convert against itself:
//   - mm/page_counter.c page_counter_memparse and mm/memcontrol.c: memory
//     limits are stored in whole pages (rounded down), "max" or "-1" is
//     PAGE_COUNTER_MAX = LONG_MAX / PAGE_SIZE; v1 reads back
//     pages*PAGE_SIZE, v2 reads "max" for PAGE_COUNTER_MAX;
//   - mm/hugetlb_cgroup.c: the same, then rounded down to whole huge
//     pages (hugetlb_cgroup_write); a new cgroup starts at PAGE_COUNTER_MAX
//     rounded down to whole huge pages (hugetlb_cgroup_init, "round
//     limit_in_bytes down to hugepage size", 2016), which v2 shows as
//     "max" (hugetlb_cgroup_read_u64_max);
//   - kernel/sched/core.c: cpu.shares clamps to [2, 262144], cpu.weight
//     refuses values outside [1, 10000], cpu.max and cfs_* refuse a quota
//     below 1000 µs and a period outside 1000..1000000 µs, a negative v1
//     quota reads back -1;
//   - kernel/cgroup/cpuset.c: lists are parsed and shown in ranges.

// PageSize is the simulated host's base page size.
const PageSize = 4096

// pageCounterMax is PAGE_COUNTER_MAX on 64-bit with 4 KiB pages.
const pageCounterMax = math.MaxInt64 / PageSize

// ErrKernel marks a value the kernel would refuse.
var ErrKernel = errors.New("the kernel refuses the value")

// hugeName is the size part of hugetlb file names.
func hugeName(size uint64) string {
	n, err := convert.HugePageSizeName(size)
	if err != nil {
		panic(err) // the two host sizes are fixed
	}
	return n
}

// KernelFiles returns the interface files a kernel presents in a new
// container cgroup, with their initial values, for the controllers this
// test covers. A name absent here does not exist on that host.
func KernelFiles(c Case) map[string]string {
	unlimitedV1 := strconv.FormatInt(pageCounterMax*PageSize, 10)
	f := map[string]string{}
	if c.Version == convert.CgroupV2 {
		f["cgroup.controllers"] = "cpuset cpu io memory hugetlb pids rdma misc"
		f["cpu.weight"] = "100"
		f["cpu.max"] = "max 100000"
		f["cpu.max.burst"] = "0"
		f["cpu.idle"] = "0"
		f["memory.max"] = "max"
		f["memory.high"] = "max"
		f["memory.low"] = "0"
		f["memory.min"] = "0"
		f["memory.oom.group"] = "0"
		if c.SwapAccounting {
			f["memory.swap.max"] = "max"
		}
		f["pids.max"] = "max"
		f["cpuset.cpus"] = ""
		f["cpuset.mems"] = ""
		for _, s := range []uint64{Huge2M, Huge1G} {
			f["hugetlb."+hugeName(s)+".max"] = "max"
			if c.HugetlbRsvd {
				f["hugetlb."+hugeName(s)+".rsvd.max"] = "max"
			}
		}
		return f
	}
	f["cpu.shares"] = "1024"
	f["cpu.cfs_quota_us"] = "-1"
	f["cpu.cfs_period_us"] = "100000"
	f["memory.limit_in_bytes"] = unlimitedV1
	f["memory.soft_limit_in_bytes"] = unlimitedV1
	if c.SwapAccounting {
		f["memory.memsw.limit_in_bytes"] = unlimitedV1
	}
	f["pids.max"] = "max"
	f["cpuset.cpus"] = ""
	f["cpuset.mems"] = ""
	for _, s := range []uint64{Huge2M, Huge1G} {
		u := strconv.FormatInt(hugeUnlimitedPages(s)*PageSize, 10)
		f["hugetlb."+hugeName(s)+".limit_in_bytes"] = u
		if c.HugetlbRsvd {
			f["hugetlb."+hugeName(s)+".rsvd.limit_in_bytes"] = u
		}
	}
	return f
}

// memoryPages is page_counter_memparse: the unlimited word ("-1" on v1,
// "max" on v2; the other one is EINVAL) is PAGE_COUNTER_MAX, a byte count
// is rounded down to pages and capped.
func memoryPages(v convert.CgroupVersion, s string) (int64, error) {
	if (v == convert.CgroupV1 && s == "-1") || (v == convert.CgroupV2 && s == "max") {
		return pageCounterMax, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, ErrKernel)
	}
	return int64(min(n/PageSize, pageCounterMax)), nil
}

func showPages(v convert.CgroupVersion, pages int64) string {
	if v == convert.CgroupV2 && pages == pageCounterMax {
		return "max"
	}
	return strconv.FormatInt(pages*PageSize, 10)
}

// ReadBack returns what reading file name shows after a runtime wrote
// written to it, or an error wrapping ErrKernel when the kernel refuses
// the write.
func ReadBack(v convert.CgroupVersion, name, written string) (string, error) {
	s := strings.TrimSpace(written)
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%s = %q: %s: %w", name, written, why, ErrKernel)
	}
	switch {
	case name == "memory.max", name == "memory.high", name == "memory.low", name == "memory.min",
		name == "memory.swap.max", name == "memory.limit_in_bytes", name == "memory.soft_limit_in_bytes",
		name == "memory.memsw.limit_in_bytes":
		p, err := memoryPages(v, s)
		if err != nil {
			return bad("not a byte count")
		}
		return showPages(v, p), nil
	case strings.HasPrefix(name, "hugetlb."):
		size, err := hugeSizeOf(name)
		if err != nil {
			return bad(err.Error())
		}
		p, err := memoryPages(v, s)
		if err != nil {
			return bad("not a byte count")
		}
		per := int64(size / PageSize)
		p = p / per * per
		if v == convert.CgroupV2 && p == hugeUnlimitedPages(size) {
			return "max", nil
		}
		return strconv.FormatInt(p*PageSize, 10), nil
	case name == "cpu.shares":
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return bad("not a number")
		}
		return strconv.FormatUint(min(max(n, 2), 262144), 10), nil
	case name == "cpu.weight":
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n < 1 || n > 10000 {
			return bad("outside 1..10000 (ERANGE)")
		}
		return strconv.FormatUint(n, 10), nil
	case name == "cpu.max":
		q, p, ok := strings.Cut(s, " ")
		if !ok {
			p = "100000" // the caller merges a single token with the old period
		}
		pn, err := strconv.ParseUint(p, 10, 64)
		if err != nil || pn < 1000 || pn > 1000000 {
			return bad("period outside 1000..1000000")
		}
		if q != "max" {
			qn, err := strconv.ParseInt(q, 10, 64)
			if err != nil || qn < 1000 {
				return bad("quota below 1000")
			}
		}
		return q + " " + p, nil
	case name == "cpu.cfs_quota_us":
		n, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil:
			return bad("not a number")
		case n < 0:
			return "-1", nil
		case n < 1000:
			return bad("quota below 1000")
		}
		return s, nil
	case name == "cpu.cfs_period_us":
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n < 1000 || n > 1000000 {
			return bad("period outside 1000..1000000")
		}
		return s, nil
	case name == "pids.max":
		if s == "max" {
			return s, nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err != nil || n < 0 {
			return bad("not max or a count")
		}
		return s, nil
	case name == "cpuset.cpus", name == "cpuset.mems":
		return cpuList(s, name == "cpuset.cpus")
	case name == "memory.oom.group", name == "cpu.idle":
		if s != "0" && s != "1" {
			return bad("want 0 or 1")
		}
		return s, nil
	}
	return s, nil
}

// hugeUnlimitedPages is a new hugetlb cgroup's limit in base pages.
func hugeUnlimitedPages(size uint64) int64 {
	per := int64(size / PageSize)
	return pageCounterMax / per * per
}

func hugeSizeOf(name string) (uint64, error) {
	rest := strings.TrimPrefix(name, "hugetlb.")
	size, _, _ := strings.Cut(rest, ".")
	return convert.ParseHugePageSizeName(size)
}

// cpuList parses a cpuset list and shows it as the kernel does
// (bitmap_print_to_pagebuf: ascending, ranges joined with "-"), refusing
// CPUs or nodes the host does not have.
func cpuList(s string, cpus bool) (string, error) {
	limit := HostCPUs
	if !cpus {
		limit = 1
	}
	var ids []int
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		b := a
		if isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b >= limit {
			return "", fmt.Errorf("cpuset list %q: %w", s, ErrKernel)
		}
		for i := a; i <= b; i++ {
			ids = append(ids, i)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out []string
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if j > i {
			out = append(out, strconv.Itoa(ids[i])+"-"+strconv.Itoa(ids[j]))
		} else {
			out = append(out, strconv.Itoa(ids[i]))
		}
		i = j + 1
	}
	return strings.Join(out, ","), nil
}
