package convert

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// CPU constants. The share bounds are the kernel's MIN_SHARES and
// MAX_SHARES (kernel/sched/sched.h, 1UL << 1 and 1UL << 18), which the
// kubelet mirrors as MinShares/MaxShares in pkg/kubelet/cm/helpers_linux.go
// (v1.37.2). The quota and period bounds are the kernel's
// min_cfs_quota_period (1 ms) and max_cfs_quota_period (1 s), checked by
// tg_set_cfs_bandwidth in kernel/sched/core.c (min_bw_quota_period_us and
// max_bw_quota_period_us in newer kernels); the kubelet's MinQuotaPeriod
// (pkg/kubelet/cm/helpers_linux.go) is the same 1000 µs.
const (
	// MinShares is the smallest cpu.shares value the kernel stores.
	MinShares uint64 = 2
	// MaxShares is the largest cpu.shares value the kernel stores.
	MaxShares uint64 = 262144
	// DefaultShares is the kernel's default cpu.shares (one CPU's worth).
	DefaultShares uint64 = 1024
	// SharesPerCPU is the number of shares the kubelet gives one CPU.
	SharesPerCPU = 1024
	// MilliCPUPerCPU is the number of milli-CPU in one CPU.
	MilliCPUPerCPU = 1000

	// DefaultPeriodMicros is the default CFS period (100 ms), used by the
	// kernel for new cgroups and by the kubelet unless a custom period is
	// configured.
	DefaultPeriodMicros uint64 = 100000
	// MinQuotaMicros is the smallest CFS quota the kernel accepts (1 ms);
	// the kubelet raises smaller quotas to it (MinQuotaPeriod in
	// MilliCPUToQuota, pkg/kubelet/cm/helpers_linux.go).
	MinQuotaMicros int64 = 1000
	// MinPeriodMicros is the smallest CFS period the kernel accepts (1 ms).
	MinPeriodMicros uint64 = 1000
	// MaxPeriodMicros is the largest CFS period the kernel accepts (1 s).
	MaxPeriodMicros uint64 = 1000000
	// MinMilliCPULimit is the smallest CPU limit that is not rounded up to
	// MinQuotaMicros at the default period.
	MinMilliCPULimit int64 = 10

	// UnlimitedQuota is the quota value meaning "no limit": cgroup v1
	// cpu.cfs_quota_us reads -1, cgroup v2 cpu.max reads "max".
	UnlimitedQuota int64 = -1
)

// MilliCPUToShares returns the cpu.shares the kubelet derives from a CPU
// request in milli-CPU (MilliCPUToShares in pkg/kubelet/cm): 0 gives
// MinShares; otherwise floor(milliCPU × 1024 / 1000), clamped to
// [MinShares, MaxShares]. Negative requests give MinShares.
//
// Examples: 1m→2, 3m→3, 100m→102, 250m→256, 1000m→1024, 256 CPUs→262144.
func MilliCPUToShares(milliCPU int64) uint64 {
	if milliCPU <= 0 {
		return MinShares
	}
	return clampShares(mulDivFloor(uint64(milliCPU), SharesPerCPU, MilliCPUPerCPU))
}

func clampShares(shares uint64) uint64 {
	switch {
	case shares < MinShares:
		return MinShares
	case shares > MaxShares:
		return MaxShares
	}
	return shares
}

// ClampShares returns shares as the kernel stores it in a cgroup v1
// cpu.shares file: values below MinShares read back as MinShares, values
// above MaxShares as MaxShares (the kernel clamps silently).
func ClampShares(shares uint64) uint64 { return clampShares(shares) }

// SharesToMilliCPU is the kubelet's inverse of [MilliCPUToShares]
// (SharesToMilliCPU in pkg/kubelet/kuberuntime): 0 when shares is below
// MinShares, otherwise ceil(shares × 1000 / 1024). It recovers m exactly
// for every m whose shares are not clamped (2m … 255999m).
func SharesToMilliCPU(shares uint64) int64 {
	if shares < MinShares {
		return 0
	}
	return int64((shares*MilliCPUPerCPU + SharesPerCPU - 1) / SharesPerCPU)
}

// MilliCPUToQuota returns the CFS quota in microseconds the kubelet writes
// for a CPU limit (MilliCPUToQuota in pkg/kubelet/cm): 0 for no limit
// (milliCPU ≤ 0), otherwise floor(milliCPU × period / 1000), raised to
// MinQuotaMicros when smaller. A period of 0 means DefaultPeriodMicros.
//
// The kubelet passes its configured cpuCFSQuotaPeriod only when the
// CustomCPUCFSQuotaPeriod feature gate is on (the default from 1.36);
// otherwise it passes DefaultPeriodMicros. That choice belongs to the
// caller.
//
// Examples at 100000 µs: 5m→1000, 10m→1000, 15m→1500, 200m→20000,
// 1500m→150000. At 5000 µs: 100m→1000 (clamped), 200m→1000.
func MilliCPUToQuota(milliCPU int64, periodMicros uint64) int64 {
	if milliCPU <= 0 {
		return 0
	}
	if periodMicros == 0 {
		periodMicros = DefaultPeriodMicros
	}
	q := mulDivFloor(uint64(milliCPU), periodMicros, MilliCPUPerCPU)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	quota := int64(q)
	if quota < MinQuotaMicros {
		quota = MinQuotaMicros
	}
	return quota
}

// mulDivFloor returns floor(a×b/c) computed with a 128-bit intermediate
// product, saturating at MaxUint64 when the quotient does not fit.
func mulDivFloor(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi == 0 {
		return lo / c
	}
	if hi >= c {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// QuotaToMilliCPU is the kubelet's read-back of a CFS quota as a CPU limit
// (QuotaToMilliCPU in pkg/kubelet/kuberuntime): 0 (no limit) for a
// negative quota or a zero period, otherwise floor(quota × 1000 / period).
//
// Examples at 100000 µs: 5000→50, 75000→750, 150000→1500.
func QuotaToMilliCPU(quotaMicros int64, periodMicros uint64) int64 {
	if quotaMicros < 0 || periodMicros == 0 {
		return 0
	}
	return int64(mulDivFloor(uint64(quotaMicros), MilliCPUPerCPU, periodMicros))
}

// SystemdQuota returns the quota the systemd cgroup driver ends up writing
// for a quota and period (addCPUQuota in opencontainers/cgroups, used by
// runc and by the kubelet for pod cgroups under the systemd driver). The
// quota per second, quota × 1000000 / period (integer division), is rounded
// up to a multiple of 10000 µs (systemd stores CPUQuota= as a percentage),
// and the quota is recomputed as perSecond × period / 1000000.
//
// A quota ≤ 0 is returned unchanged (no limit). A period of 0 means
// DefaultPeriodMicros.
//
// Examples at 100000 µs: 1500→2000, 2000→2000, 409600→410000.
func SystemdQuota(quotaMicros int64, periodMicros uint64) int64 {
	if quotaMicros <= 0 {
		return quotaMicros
	}
	if periodMicros == 0 {
		periodMicros = DefaultPeriodMicros
	}
	perSec := mulDivFloor(uint64(quotaMicros), 1000000, periodMicros)
	if perSec%10000 != 0 {
		perSec = (perSec/10000 + 1) * 10000
	}
	q := mulDivFloor(perSec, periodMicros, 1000000)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// CPUMax is the content of a cgroup v2 cpu.max file: a quota and a period
// in microseconds. A negative QuotaMicros means no limit ("max").
type CPUMax struct {
	// QuotaMicros is the CFS quota; negative means "max" (no limit).
	QuotaMicros int64
	// PeriodMicros is the CFS period.
	PeriodMicros uint64
}

// String renders c as the kernel shows it in cpu.max: "max 100000" or
// "50000 100000".
func (c CPUMax) String() string {
	q := "max"
	if c.QuotaMicros >= 0 {
		q = strconv.FormatInt(c.QuotaMicros, 10)
	}
	return q + " " + strconv.FormatUint(c.PeriodMicros, 10)
}

// Unlimited reports whether c has no quota.
func (c CPUMax) Unlimited() bool { return c.QuotaMicros < 0 }

// MilliCPU returns the CPU limit c represents ([QuotaToMilliCPU]); 0 means
// no limit.
func (c CPUMax) MilliCPU() int64 { return QuotaToMilliCPU(c.QuotaMicros, c.PeriodMicros) }

// ParseCPUMax parses the content of a cgroup v2 cpu.max file: "$MAX
// $PERIOD" where $MAX is "max" or a decimal quota, followed by an optional
// newline. The kernel always prints both fields. Both numbers must be in
// the kernel's accepted ranges (quota ≥ 1000 µs, 1000 ≤ period ≤ 1000000).
func ParseCPUMax(s string) (CPUMax, error) {
	const what = "cpu.max"
	body, ok := trimNewline(s)
	if !ok {
		return CPUMax{}, syntaxError(what, s, "unexpected characters")
	}
	quotaText, periodText, found := strings.Cut(body, " ")
	if !found {
		return CPUMax{}, syntaxError(what, s, `want "<quota|max> <period>"`)
	}
	if !isDecimal(periodText) {
		return CPUMax{}, syntaxError(what, s, "period is not an unsigned integer")
	}
	period, err := strconv.ParseUint(periodText, 10, 64)
	if err != nil { // decimal, so too large
		return CPUMax{}, rangeError(what, s, "period overflows uint64")
	}
	if period < MinPeriodMicros || period > MaxPeriodMicros {
		return CPUMax{}, rangeError(what, s, "period outside [1000, 1000000] µs")
	}
	c := CPUMax{QuotaMicros: UnlimitedQuota, PeriodMicros: period}
	if quotaText == "max" {
		return c, nil
	}
	if !isDecimal(quotaText) {
		return CPUMax{}, syntaxError(what, s, `quota is neither "max" nor an unsigned integer`)
	}
	quota, err := strconv.ParseInt(quotaText, 10, 64)
	if err != nil { // decimal, so too large
		return CPUMax{}, rangeError(what, s, "quota overflows int64")
	}
	if quota < MinQuotaMicros {
		return CPUMax{}, rangeError(what, s, "quota below 1000 µs")
	}
	c.QuotaMicros = quota
	return c, nil
}

// FormatCFSQuota renders a quota as cgroup v1 cpu.cfs_quota_us shows it:
// any negative quota reads back as "-1".
func FormatCFSQuota(quotaMicros int64) string {
	if quotaMicros < 0 {
		return "-1"
	}
	return strconv.FormatInt(quotaMicros, 10)
}

// ParseCFSQuota parses a cgroup v1 cpu.cfs_quota_us file: "-1" (no limit)
// or a quota of at least 1000 µs, with an optional trailing newline.
func ParseCFSQuota(s string) (int64, error) {
	const what = "cpu.cfs_quota_us"
	body, ok := trimNewline(s)
	if !ok || (body != "-1" && !isDecimal(strings.TrimPrefix(body, "-"))) {
		return 0, syntaxError(what, s, "not an integer")
	}
	q, err := strconv.ParseInt(body, 10, 64)
	if err != nil { // an optional minus and digits, so too large
		return 0, rangeError(what, s, "overflows int64")
	}
	if q == -1 {
		return UnlimitedQuota, nil
	}
	if q < MinQuotaMicros {
		return 0, rangeError(what, s, "want -1 or a quota of at least 1000 µs")
	}
	return q, nil
}

// ParseCFSPeriod parses a cgroup v1 cpu.cfs_period_us file: a period in
// [1000, 1000000] µs with an optional trailing newline.
func ParseCFSPeriod(s string) (uint64, error) {
	const what = "cpu.cfs_period_us"
	p, err := parseUintFile(what, s)
	if err != nil {
		return 0, err
	}
	if p < MinPeriodMicros || p > MaxPeriodMicros {
		return 0, rangeError(what, s, "period outside [1000, 1000000] µs")
	}
	return p, nil
}

// ParseShares parses a cgroup v1 cpu.shares file. The kernel only ever
// shows values in [MinShares, MaxShares]; anything else is an ErrRange.
func ParseShares(s string) (uint64, error) {
	const what = "cpu.shares"
	v, err := parseUintFile(what, s)
	if err != nil {
		return 0, err
	}
	if v < MinShares || v > MaxShares {
		return 0, rangeError(what, s, "shares outside [2, 262144]")
	}
	return v, nil
}

// trimNewline removes one trailing "\n" and reports whether what remains
// is free of control characters (the kernel never prints any).
func trimNewline(s string) (string, bool) {
	s = strings.TrimSuffix(s, "\n")
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return s, false
		}
	}
	return s, true
}

// isDecimal reports whether s is a decimal number as the kernel prints
// one: digits only, no sign, no leading zeros (except "0" itself).
func isDecimal(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseUintFile parses a single unsigned decimal followed by an optional
// newline.
func parseUintFile(what, s string) (uint64, error) {
	body, ok := trimNewline(s)
	if !ok || !isDecimal(body) {
		return 0, syntaxError(what, s, "not an unsigned decimal integer")
	}
	v, err := strconv.ParseUint(body, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, rangeError(what, s, "overflows uint64")
		}
		return 0, syntaxError(what, s, "not an unsigned integer")
	}
	return v, nil
}
