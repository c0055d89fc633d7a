package cgroupfs

import (
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
)

// parseHugetlbName recognises a hugetlb limit file name of either version
// (hugetlb.<size>.limit_in_bytes, hugetlb.<size>.rsvd.limit_in_bytes on
// v1; hugetlb.<size>.max, hugetlb.<size>.rsvd.max on v2) and returns the
// huge page size in bytes and the version.
func parseHugetlbName(name string) (size uint64, v convert.CgroupVersion, ok bool) {
	rest, ok := strings.CutPrefix(name, "hugetlb.")
	if !ok {
		return 0, 0, false
	}
	sizeName, suffix, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, 0, false
	}
	switch suffix {
	case "limit_in_bytes", "rsvd.limit_in_bytes":
		v = convert.CgroupV1
	case "max", "rsvd.max":
		v = convert.CgroupV2
	default:
		return 0, 0, false
	}
	size, err := convert.ParseHugePageSizeName(sizeName)
	if err != nil {
		return 0, 0, false
	}
	// Only the kubelet's canonical size name is a real file name.
	if canon, err := convert.HugePageSizeName(size); err != nil || canon != sizeName {
		return 0, 0, false
	}
	return size, v, true
}

// parseHugetlb parses a hugetlb limit: bytes, or "max" on v2
// (convert.MemoryUnlimited).
func parseHugetlb(name, raw string, v convert.CgroupVersion) (any, error) {
	if _, fv, ok := parseHugetlbName(name); !ok || fv != v {
		return nil, nil
	}
	return nonNil(convert.ParseMemory(raw, v))
}

// hugetlbFiles returns the hugetlb limit files of version v among names
// (a directory listing), sorted by page size, the plain limit before the
// reservation limit.
func hugetlbFiles(names []string, v convert.CgroupVersion) []string {
	type hf struct {
		size uint64
		rsvd bool
		name string
	}
	var found []hf
	for _, n := range names {
		if size, fv, ok := parseHugetlbName(n); ok && fv == v {
			found = append(found, hf{size, strings.Contains(n, ".rsvd."), n})
		}
	}
	slices.SortFunc(found, func(a, b hf) int {
		switch {
		case a.size != b.size:
			if a.size < b.size {
				return -1
			}
			return 1
		case a.rsvd != b.rsvd:
			if !a.rsvd {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.name
	}
	return out
}
