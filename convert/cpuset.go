package convert

import (
	"slices"
	"strconv"
	"strings"
)

// maxCPUIndex bounds the CPU and memory-node numbers ParseCPUSet accepts;
// it is far above any real machine (the kernel's NR_CPUS tops out at 8192).
const maxCPUIndex = 1 << 20

// CPURange is an inclusive range of CPU (or NUMA node) numbers.
type CPURange struct {
	// First and Last are the first and last numbers of the range.
	First, Last int
}

// CPUSet is a normalised list of CPU or memory-node numbers, as in
// cpuset.cpus and cpuset.mems: sorted, non-overlapping, non-adjacent
// ranges. The zero value is the empty set.
type CPUSet []CPURange

// ParseCPUSet parses a cpuset list such as "0-3,5,7-8" (with an optional
// trailing newline; an empty list is the empty set) and normalises it, so
// that "3,0-2" and "0-3" compare equal.
func ParseCPUSet(s string) (CPUSet, error) {
	const what = "cpuset"
	body, ok := trimNewline(s)
	if !ok {
		return nil, syntaxError(what, s, "unexpected characters")
	}
	if body == "" {
		return nil, nil
	}
	var set CPUSet
	for part := range strings.SplitSeq(body, ",") {
		firstText, lastText, isRange := strings.Cut(part, "-")
		first, err := parseCPUIndex(firstText)
		if err != nil {
			return nil, syntaxError(what, s, "bad CPU number")
		}
		last := first
		if isRange {
			if last, err = parseCPUIndex(lastText); err != nil {
				return nil, syntaxError(what, s, "bad CPU number")
			}
			if last < first {
				return nil, syntaxError(what, s, "range end before its start")
			}
		}
		set = append(set, CPURange{first, last})
	}
	return set.normalize(), nil
}

func parseCPUIndex(s string) (int, error) {
	if !isDecimal(s) {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, err
	}
	if n > maxCPUIndex {
		return 0, strconv.ErrRange
	}
	return n, nil
}

func (s CPUSet) normalize() CPUSet {
	slices.SortFunc(s, func(a, b CPURange) int { return a.First - b.First })
	out := s[:0]
	for _, r := range s {
		if n := len(out); n > 0 && r.First <= out[n-1].Last+1 {
			out[n-1].Last = max(out[n-1].Last, r.Last)
			continue
		}
		out = append(out, r)
	}
	return out
}

// String renders s in the kernel's canonical form: "0-3,5".
func (s CPUSet) String() string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(r.First))
		if r.Last != r.First {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(r.Last))
		}
	}
	return b.String()
}

// Size returns the number of CPUs in s.
func (s CPUSet) Size() int {
	n := 0
	for _, r := range s {
		n += r.Last - r.First + 1
	}
	return n
}

// Equal reports whether s and t hold the same CPUs.
func (s CPUSet) Equal(t CPUSet) bool { return slices.Equal(s, t) }
