package convert

import (
	"fmt"
	"math"
)

// Weight bounds of a cgroup v2 cpu.weight file (CGROUP_WEIGHT_MIN,
// CGROUP_WEIGHT_DFL and CGROUP_WEIGHT_MAX in include/linux/cgroup.h).
// The kernel rejects writes outside [MinWeight, MaxWeight] with ERANGE.
const (
	MinWeight     uint64 = 1
	DefaultWeight uint64 = 100
	MaxWeight     uint64 = 10000
)

// WeightFormula names one of the two shares-to-weight conversions in use.
// The kubelet always uses [WeightLinear] for the cgroups it writes itself
// (kubepods, the QoS tiers and pods); container cgroups get whatever the
// OCI runtime uses, which changed in 2025.
type WeightFormula int

const (
	// WeightUnknown means the formula is not known; callers that need a
	// value should accept both candidates.
	WeightUnknown WeightFormula = iota
	// WeightLinear is 1 + (shares−2)×9999/262142: the kubelet's getCPUWeight
	// for pod, QoS and kubepods cgroups, runc < 1.3.2 (and all 1.2.x),
	// crun < 1.23, containerd/cgroups v3.0.x and opencontainers/cgroups ≤
	// v0.0.2.
	WeightLinear
	// WeightQuadratic is the quadratic-in-log-space curve through (2, 1),
	// (1024, 100) and (262144, 10000): runc ≥ 1.3.2 and 1.4+, crun ≥ 1.23,
	// containerd/cgroups ≥ v3.1.0 and opencontainers/cgroups ≥ v0.0.3.
	WeightQuadratic
)

// String returns "linear", "quadratic" or "unknown".
func (f WeightFormula) String() string {
	switch f {
	case WeightLinear:
		return "linear"
	case WeightQuadratic:
		return "quadratic"
	case WeightUnknown:
		return "unknown"
	}
	return fmt.Sprintf("WeightFormula(%d)", int(f))
}

// MarshalText returns the String form; it fails for values that are not
// one of the constants.
func (f WeightFormula) MarshalText() ([]byte, error) {
	switch f {
	case WeightUnknown, WeightLinear, WeightQuadratic:
		return []byte(f.String()), nil
	}
	return nil, fmt.Errorf("marshal %v: not a weight formula", f)
}

// UnmarshalText parses the String form with [ParseWeightFormula].
func (f *WeightFormula) UnmarshalText(b []byte) error {
	v, err := ParseWeightFormula(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// ParseWeightFormula parses "linear", "quadratic" or "unknown" (also the
// empty string, which means unknown).
func ParseWeightFormula(s string) (WeightFormula, error) {
	switch s {
	case "linear":
		return WeightLinear, nil
	case "quadratic":
		return WeightQuadratic, nil
	case "unknown", "":
		return WeightUnknown, nil
	}
	return WeightUnknown, syntaxError("weight formula", s, `want "linear", "quadratic" or "unknown"`)
}

// SharesToWeightLinear converts cpu.shares to cpu.weight with the linear
// formula: weight = 1 + floor((shares − 2) × 9999 / 262142).
//
// 0 means "unset" and gives 0. Shares are first clamped to [MinShares,
// MaxShares] as the kernel would store them on v1, so 1 gives 1 and
// anything ≥ 262144 gives 10000 (the kubelet's getCPUWeight caps the same
// way). Beware: runc < 1.3.2 does not clamp; given shares 1 or above
// 262144 it computes a weight outside [1, 10000] that the kernel rejects
// with ERANGE, so no cgroup ever shows it.
//
// Examples: 2→1, 28→1, 29→2, 102→4, 256→10, 1024→39, 2048→79, 8192→313.
func SharesToWeightLinear(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	shares = clampShares(shares)
	return 1 + (shares-MinShares)*9999/262142
}

// SharesToWeightQuadratic converts cpu.shares to cpu.weight with the
// formula of opencontainers/cgroups ≥ v0.0.3 (ConvertCPUSharesToCgroupV2Value),
// crun ≥ 1.23 and containerd/cgroups ≥ v3.1.0: with l = log2(shares),
// weight = ceil(10^((l² + 125·l)/612 − 7/34)) in float64.
//
// 0 means "unset" and gives 0; shares ≤ 2 give 1; shares ≥ 262144 give
// 10000.
//
// Examples: 3→2, 10→4, 102→17, 256→35, 512→59, 1024→100, 2048→174,
// 262143→10000.
func SharesToWeightQuadratic(shares uint64) uint64 {
	switch {
	case shares == 0:
		return 0
	case shares <= MinShares:
		return MinWeight
	case shares >= MaxShares:
		return MaxWeight
	}
	l := math.Log2(float64(shares))
	exponent := (l*l+125*l)/612.0 - 7.0/34.0
	return uint64(math.Ceil(math.Pow(10, exponent)))
}

// Weight converts shares to a weight with f. It panics for WeightUnknown,
// which has no single answer; use [Weights] to get the candidates.
func (f WeightFormula) Weight(shares uint64) uint64 {
	switch f {
	case WeightLinear:
		return SharesToWeightLinear(shares)
	case WeightQuadratic:
		return SharesToWeightQuadratic(shares)
	}
	panic(fmt.Sprintf("convert: Weight called on %v", f))
}

// Weights returns the weights shares may become under f: one value for a
// known formula, and the distinct values of both formulas, in ascending
// order, for WeightUnknown.
func Weights(f WeightFormula, shares uint64) []uint64 {
	if f == WeightLinear || f == WeightQuadratic {
		return []uint64{f.Weight(shares)}
	}
	lin, quad := SharesToWeightLinear(shares), SharesToWeightQuadratic(shares)
	switch {
	case lin == quad:
		return []uint64{lin}
	case lin < quad:
		return []uint64{lin, quad}
	}
	return []uint64{quad, lin}
}

// SharesRange is an inclusive range of cpu.shares values. The zero value
// (Min 0, Max 0) is the empty range.
type SharesRange struct {
	// Min and Max are the smallest and largest shares of the range.
	Min, Max uint64
}

// Empty reports whether r holds no value.
func (r SharesRange) Empty() bool { return r.Min == 0 || r.Min > r.Max }

// Contains reports whether shares is in r.
func (r SharesRange) Contains(shares uint64) bool {
	return !r.Empty() && shares >= r.Min && shares <= r.Max
}

// String renders r as "2-28", "1024" or "empty".
func (r SharesRange) String() string {
	switch {
	case r.Empty():
		return "empty"
	case r.Min == r.Max:
		return fmt.Sprint(r.Min)
	}
	return fmt.Sprintf("%d-%d", r.Min, r.Max)
}

// SharesForWeight returns the exact set of shares in [MinShares,
// MaxShares] that f maps to weight. Both formulas are non-decreasing in
// shares, so the set is one contiguous range. It is empty for weights
// outside [1, 10000]; within that range neither formula skips a weight.
// It panics for WeightUnknown.
//
// Examples: linear 1 → 2-28, 4 → 81-106, 39 → 999-1024, 10000 → 262144;
// quadratic 1 → 2, 4 → 10-14, 100 → 1012-1024, 10000 → 262115-262144.
func (f WeightFormula) SharesForWeight(weight uint64) SharesRange {
	if weight < MinWeight || weight > MaxWeight {
		return SharesRange{}
	}
	// Smallest shares with f(shares) >= weight, then smallest with > weight.
	lo := lowerBoundShares(f, weight)
	hi := lowerBoundShares(f, weight+1) - 1
	if lo > MaxShares || f.Weight(lo) != weight {
		return SharesRange{}
	}
	return SharesRange{Min: lo, Max: hi}
}

// lowerBoundShares returns the smallest shares in [MinShares, MaxShares]
// with f(shares) >= weight, or MaxShares+1 when there is none.
func lowerBoundShares(f WeightFormula, weight uint64) uint64 {
	lo, hi := MinShares, MaxShares+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if f.Weight(mid) >= weight {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// KubeletWeightToShares is the kubelet's own read-back of a cgroup v2
// cpu.weight as shares (cpuWeightToCPUShares in
// pkg/kubelet/cm/cgroup_v2_manager_linux.go): floor((weight − 1) × 262142 /
// 9999) + 2. It is not an exact inverse of [SharesToWeightLinear] (that is
// [WeightFormula.SharesForWeight]); the round trip is lossy and may even
// land below the original range: 102 shares → weight 4 → 80 shares, which
// itself converts to weight 3. The kubelet compares resize read-backs with
// this function ([SharesEqualAfterV2RoundTrip]). 0 gives 0.
func KubeletWeightToShares(weight uint64) uint64 {
	if weight == 0 {
		return 0
	}
	return (weight-1)*262142/9999 + MinShares
}

// SharesEqualAfterV2RoundTrip reports whether readback equals what the
// kubelet gets when it writes allocated shares to a cgroup v2 cpu.weight
// with the linear formula and reads them back with [KubeletWeightToShares]
// (CPUSharesEqualAfterV2RoundTrip in pkg/kubelet/cm).
func SharesEqualAfterV2RoundTrip(allocated, readback uint64) bool {
	return KubeletWeightToShares(SharesToWeightLinear(allocated)) == readback
}

// ParseWeight parses a cgroup v2 cpu.weight file: a decimal in [1, 10000]
// with an optional trailing newline.
func ParseWeight(s string) (uint64, error) {
	const what = "cpu.weight"
	v, err := parseUintFile(what, s)
	if err != nil {
		return 0, err
	}
	if v < MinWeight || v > MaxWeight {
		return 0, rangeError(what, s, "weight outside [1, 10000]")
	}
	return v, nil
}

// SharesWeight is one observation of a container cgroup: the cpu.shares a
// runtime was asked for and the cpu.weight it produced.
type SharesWeight struct {
	// Shares is the cpu.shares the runtime was given.
	Shares uint64
	// Weight is the cpu.weight the cgroup holds.
	Weight uint64
}

// Inference is the verdict of [InferWeightFormula].
type Inference int

const (
	// InferBoth means every observation is consistent with both formulas
	// (no observation tells them apart, or there are none).
	InferBoth Inference = iota
	// InferLinear means the observations fit the linear formula only.
	InferLinear
	// InferQuadratic means the observations fit the quadratic formula only.
	InferQuadratic
	// InferNeither means no single formula explains all observations.
	InferNeither
)

// String returns "both", "linear", "quadratic" or "neither".
func (i Inference) String() string {
	switch i {
	case InferBoth:
		return "both"
	case InferLinear:
		return "linear"
	case InferQuadratic:
		return "quadratic"
	case InferNeither:
		return "neither"
	}
	return fmt.Sprintf("Inference(%d)", int(i))
}

// ParseInference parses "both", "linear", "quadratic" or "neither".
func ParseInference(s string) (Inference, error) {
	for _, i := range []Inference{InferBoth, InferLinear, InferQuadratic, InferNeither} {
		if s == i.String() {
			return i, nil
		}
	}
	return InferBoth, syntaxError("weight formula inference", s, `want "both", "linear", "quadratic" or "neither"`)
}

// MarshalText returns the String form; it fails for values that are not
// one of the constants.
func (i Inference) MarshalText() ([]byte, error) {
	switch i {
	case InferBoth, InferLinear, InferQuadratic, InferNeither:
		return []byte(i.String()), nil
	}
	return nil, fmt.Errorf("marshal %v: not a weight formula inference", i)
}

// UnmarshalText parses the String form with [ParseInference].
func (i *Inference) UnmarshalText(b []byte) error {
	v, err := ParseInference(string(b))
	if err != nil {
		return err
	}
	*i = v
	return nil
}

// Formula returns the formula a verdict identifies: WeightLinear or
// WeightQuadratic for a decisive verdict, WeightUnknown otherwise.
func (i Inference) Formula() WeightFormula {
	switch i {
	case InferLinear:
		return WeightLinear
	case InferQuadratic:
		return WeightQuadratic
	}
	return WeightUnknown
}

// InferWeightFormula tells which shares-to-weight formula produced the
// observed (shares, weight) pairs: InferLinear or InferQuadratic when all
// pairs fit exactly one formula, InferBoth when all fit both (for example
// only 2 → 1 pairs, or no pairs), InferNeither when no formula fits them
// all (mixed runtimes, or values changed after creation).
func InferWeightFormula(pairs []SharesWeight) Inference {
	linear, quadratic := true, true
	for _, p := range pairs {
		if SharesToWeightLinear(p.Shares) != p.Weight {
			linear = false
		}
		if SharesToWeightQuadratic(p.Shares) != p.Weight {
			quadratic = false
		}
	}
	switch {
	case linear && quadratic:
		return InferBoth
	case linear:
		return InferLinear
	case quadratic:
		return InferQuadratic
	}
	return InferNeither
}
