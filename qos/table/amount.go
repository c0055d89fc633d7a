package table

import (
	"strconv"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
)

// amountOf returns, for a value of a CPU or memory file, the amount in
// the units of a pod spec, as " = 256Mi", " = 200m limit" or " = 200m
// request"; "" for other files and for values that are no amount
// ("max", v1's unlimited, the minimum shares). period is the cgroup's
// cpu.cfs_period_us, which a v1 quota is a share of ("" for the
// default).
func amountOf(file, value, period string) string {
	switch {
	case file == "cpu.max":
		quota, per, ok := strings.Cut(value, " ")
		if !ok {
			return ""
		}
		return cpuLimit(quota, per)
	case file == "cpu.cfs_quota_us":
		if period == "" {
			period = strconv.FormatUint(convert.DefaultPeriodMicros, 10)
		}
		return cpuLimit(value, period)
	case file == "cpu.shares":
		s, err := strconv.ParseUint(value, 10, 64)
		if err != nil || s <= convert.MinShares {
			return ""
		}
		return " = " + convert.FormatMilliCPU(convert.SharesToMilliCPU(s)) + " request"
	case memoryAmount(file):
		b, err := strconv.ParseInt(value, 10, 64)
		// 2^62 and above: v1's and hugetlb's "unlimited" forms.
		if err != nil || b < 1024 || b >= 1<<62 {
			return ""
		}
		return " = " + convert.FormatBytes(b)
	}
	return ""
}

// cpuLimit is the CPU limit a CFS quota and period enforce.
func cpuLimit(quota, period string) string {
	q, err := strconv.ParseInt(quota, 10, 64)
	p, perr := strconv.ParseUint(period, 10, 64)
	if err != nil || perr != nil || q <= 0 || p == 0 {
		return ""
	}
	return " = " + convert.FormatMilliCPU(convert.QuotaToMilliCPU(q, p)) + " limit"
}

// memoryAmount reports whether a file holds a number of bytes.
func memoryAmount(file string) bool {
	switch file {
	case "memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max",
		"memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes":
		return true
	}
	return strings.HasPrefix(file, "hugetlb.") && (strings.HasSuffix(file, ".max") || strings.HasSuffix(file, ".limit_in_bytes"))
}
