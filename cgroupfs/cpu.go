package cgroupfs

import "github.com/kubecgroups/kubecgroups/convert"

// Files of the cpu controller this package reads.
var (
	// cpuFilesV1 are cpu.shares (weight, [2, 262144]), cpu.cfs_quota_us
	// (µs per period, -1 for none) and cpu.cfs_period_us (µs).
	cpuFilesV1 = []string{"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us"}
	// cpuFilesV2 are cpu.weight ([1, 10000]) and cpu.max ("$MAX $PERIOD").
	cpuFilesV2 = []string{"cpu.weight", "cpu.max"}
)

// parseCPU parses the cpu.* files with the convert parsers.
func parseCPU(name, raw string) (any, error) {
	switch name {
	case "cpu.shares":
		return nonNil(convert.ParseShares(raw))
	case "cpu.cfs_quota_us":
		return nonNil(convert.ParseCFSQuota(raw))
	case "cpu.cfs_period_us":
		return nonNil(convert.ParseCFSPeriod(raw))
	case "cpu.weight":
		return nonNil(convert.ParseWeight(raw))
	case "cpu.max":
		return nonNil(convert.ParseCPUMax(raw))
	}
	return nil, nil
}

// nonNil turns a parser's (value, error) into (any, error) with a nil
// value on error.
func nonNil[T any](v T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
