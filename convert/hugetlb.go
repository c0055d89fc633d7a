package convert

import (
	"math"
	"strconv"
	"strings"
)

// HugetlbUnlimitedTier is the hugetlb limit the kubelet's QoS loop writes to
// kubepods and the QoS tiers for every host huge page size: 2^62 bytes.
// It is a multiple of every huge page size, so it reads back unchanged.
const HugetlbUnlimitedTier int64 = 1 << 62

var hugeUnits = []string{"B", "KB", "MB", "GB", "TB", "PB"}

// HugePageSizeName returns the page-size string used in hugetlb file names
// and in CRI hugepage_limits for a huge page size in bytes: divide by 1024
// while the size is divisible, then append B, KB, MB, GB, TB or PB
// (HugePageUnitSizeFromByteSize in the kubelet). 2097152 → "2MB",
// 1073741824 → "1GB", 65536 → "64KB". Like the kubelet it refuses (with
// ErrRange) a size that leaves more than 1024 of a unit below PB, such as
// 1536 bytes, and 0.
func HugePageSizeName(sizeBytes uint64) (string, error) {
	if sizeBytes == 0 {
		return "", rangeError("huge page size", "0", "must be positive")
	}
	idx, size := 0, sizeBytes
	for size%1024 == 0 && idx < len(hugeUnits)-1 {
		size /= 1024
		idx++
	}
	if size > 1024 && idx < len(hugeUnits)-1 {
		return "", rangeError("huge page size", strconv.FormatUint(sizeBytes, 10), "not a whole number of the largest unit")
	}
	return strconv.FormatUint(size, 10) + hugeUnits[idx], nil
}

// ParseHugePageSizeName parses a hugetlb page-size string such as "2MB",
// "1GB" or "64KB" (as found in hugetlb.<size>.max file names) into bytes.
func ParseHugePageSizeName(s string) (uint64, error) {
	const what = "huge page size"
	for i := len(hugeUnits) - 1; i >= 0; i-- {
		num, ok := strings.CutSuffix(s, hugeUnits[i])
		if !ok {
			continue
		}
		if num == "" || num[0] == '+' {
			return 0, syntaxError(what, s, "")
		}
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil || n == 0 {
			return 0, syntaxError(what, s, "want a positive number followed by B, KB, MB, GB, TB or PB")
		}
		for range i {
			if n > math.MaxUint64/1024 {
				return 0, rangeError(what, s, "overflows uint64")
			}
			n *= 1024
		}
		return n, nil
	}
	return 0, syntaxError(what, s, "want a number followed by B, KB, MB, GB, TB or PB")
}

var binarySuffixes = []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}

// HugePageResourceName returns the Kubernetes resource name for a huge page
// size in bytes, in the canonical binary-suffix form the API server uses:
// 2097152 → "hugepages-2Mi", 1073741824 → "hugepages-1Gi".
func HugePageResourceName(sizeBytes uint64) string {
	idx, size := 0, sizeBytes
	for size != 0 && size%1024 == 0 && idx < len(binarySuffixes)-1 {
		size /= 1024
		idx++
	}
	return "hugepages-" + strconv.FormatUint(size, 10) + binarySuffixes[idx]
}

// ParseHugePageResourceName parses a Kubernetes huge page resource name
// ("hugepages-2Mi", "hugepages-1Gi", "hugepages-2097152") into the page size
// in bytes. Only plain integers with an optional binary (Ki…Ei) or decimal
// (k, M, G, T, P, E) suffix are accepted. Names without the "hugepages-"
// prefix are a syntax error.
func ParseHugePageResourceName(name string) (uint64, error) {
	const what = "huge page resource"
	q, ok := strings.CutPrefix(name, "hugepages-")
	if !ok {
		return 0, syntaxError(what, name, `want the prefix "hugepages-"`)
	}
	n, err := parseSimpleQuantity(q)
	if err != nil || n == 0 {
		return 0, syntaxError(what, name, "want a positive integer quantity such as 2Mi or 1Gi")
	}
	return n, nil
}

var decimalSuffixes = map[string]uint64{
	"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
}

// parseSimpleQuantity parses an integer with an optional binary or decimal
// SI suffix. It is deliberately small: huge page sizes never need
// fractions or exponents.
func parseSimpleQuantity(s string) (uint64, error) {
	mult := uint64(1)
	for i := len(binarySuffixes) - 1; i > 0; i-- {
		if num, ok := strings.CutSuffix(s, binarySuffixes[i]); ok {
			s, mult = num, 1<<(10*i)
			break
		}
	}
	if mult == 1 && s != "" {
		if m, ok := decimalSuffixes[s[len(s)-1:]]; ok {
			s, mult = s[:len(s)-1], m
		}
	}
	if s == "" || s[0] == '+' {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, err
	}
	hi, lo := mulOverflows(n, mult)
	if hi {
		return 0, strconv.ErrRange
	}
	return lo, nil
}

func mulOverflows(a, b uint64) (bool, uint64) {
	if a != 0 && b > math.MaxUint64/a {
		return true, 0
	}
	return false, a * b
}

// HugetlbLimitFile returns the hugetlb limit file for a page-size string
// ("2MB"): hugetlb.2MB.limit_in_bytes on v1, hugetlb.2MB.max on v2.
func HugetlbLimitFile(sizeName string, v CgroupVersion) string {
	if v == CgroupV1 {
		return "hugetlb." + sizeName + ".limit_in_bytes"
	}
	return "hugetlb." + sizeName + ".max"
}

// HugetlbRsvdLimitFile returns the hugetlb reservation limit file for a
// page-size string: hugetlb.2MB.rsvd.limit_in_bytes on v1,
// hugetlb.2MB.rsvd.max on v2. runc writes it alongside the plain file when
// the kernel has it; crun and containerd/cgroups do not.
func HugetlbRsvdLimitFile(sizeName string, v CgroupVersion) string {
	if v == CgroupV1 {
		return "hugetlb." + sizeName + ".rsvd.limit_in_bytes"
	}
	return "hugetlb." + sizeName + ".rsvd.max"
}

// RoundDownToHugePages returns a hugetlb limit as the kernel reads it back:
// rounded down to base pages, then to whole huge pages
// (hugetlb_cgroup_write). Negative limits and non-positive sizes are
// returned unchanged.
func RoundDownToHugePages(bytes int64, hugePageSize uint64, pageSize int64) int64 {
	if bytes < 0 || hugePageSize == 0 || pageSize <= 0 {
		return bytes
	}
	pages := bytes / pageSize
	perHuge := int64(hugePageSize) / pageSize
	if perHuge <= 0 {
		return bytes
	}
	return pages / perHuge * perHuge * pageSize
}

// HugetlbUnlimited returns what a hugetlb limit file shows when unlimited:
// on v1 the page counter maximum rounded down to whole huge pages
// (9223372036852678656 for 2 MB pages on 4 KiB base pages), on v2 "max".
func HugetlbUnlimited(hugePageSize uint64, v CgroupVersion, pageSize int64) string {
	if v == CgroupV2 {
		return "max"
	}
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	return strconv.FormatInt(RoundDownToHugePages(V1Unlimited(pageSize), hugePageSize, pageSize), 10)
}

// FormatHugetlb renders a hugetlb limit in bytes as the file of the given
// version shows it: negative means unlimited ([HugetlbUnlimited]), others
// are rounded down to whole huge pages. On v2 a limit equal to the
// unlimited value also reads "max".
func FormatHugetlb(bytes int64, hugePageSize uint64, v CgroupVersion, pageSize int64) string {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	if bytes < 0 {
		return HugetlbUnlimited(hugePageSize, v, pageSize)
	}
	r := RoundDownToHugePages(bytes, hugePageSize, pageSize)
	if v == CgroupV2 && r == RoundDownToHugePages(V1Unlimited(pageSize), hugePageSize, pageSize) {
		return "max"
	}
	return strconv.FormatInt(r, 10)
}
