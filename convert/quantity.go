package convert

import "strconv"

// FormatBytes renders a byte count as a pod spec would write it: with the
// largest binary suffix (Ki, Mi, Gi, Ti, Pi, Ei) that divides it exactly,
// else the largest decimal suffix (k, M, G, T, P, E) that does, else as a
// plain number. It is the inverse of a quantity's Value for exact
// amounts: 268435456 is "256Mi", 100000000 "100M", 99999744 (100M after
// page rounding) "97656Ki". Zero and negative values are plain numbers.
func FormatBytes(b int64) string {
	if b <= 0 {
		return strconv.FormatInt(b, 10)
	}
	for i, s := range []string{"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"} {
		unit := int64(1) << (10 * (6 - i))
		if b%unit == 0 {
			return strconv.FormatInt(b/unit, 10) + s
		}
	}
	unit := int64(1_000_000_000_000_000_000)
	for _, s := range []string{"E", "P", "T", "G", "M", "k"} {
		if b%unit == 0 {
			return strconv.FormatInt(b/unit, 10) + s
		}
		unit /= 1000
	}
	return strconv.FormatInt(b, 10)
}

// FormatMilliCPU renders a CPU amount in milli-CPU as a pod spec would
// write it: whole CPUs as a plain number ("2"), anything else in milli-CPU
// ("250m", "1500m"), the canonical form of a Kubernetes CPU quantity.
func FormatMilliCPU(milliCPU int64) string {
	if milliCPU%MilliCPUPerCPU == 0 {
		return strconv.FormatInt(milliCPU/MilliCPUPerCPU, 10)
	}
	return strconv.FormatInt(milliCPU, 10) + "m"
}
