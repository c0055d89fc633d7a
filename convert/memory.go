package convert

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// DefaultPageSize is the base page size of x86_64 and most arm64 hosts.
// The kernel rounds every memory limit down to a multiple of the page size
// of the host it runs on, and the kubelet uses the page size of its host
// in the memory.high formula.
const DefaultPageSize int64 = 4096

// MemoryUnlimited is the value this package uses for an unlimited memory
// setting: "max" in cgroup v2 files, -1 in OCI and CRI fields.
const MemoryUnlimited int64 = -1

// RoundDownToPage returns bytes as the kernel reads a memory limit back:
// rounded down to a multiple of pageSize (page_counter_memparse divides by
// PAGE_SIZE). For example 100M (100000000) reads back as 99999744 with
// 4 KiB pages. Values ≤ 0 and a non-positive pageSize return bytes
// unchanged.
func RoundDownToPage(bytes, pageSize int64) int64 {
	if bytes <= 0 || pageSize <= 0 {
		return bytes
	}
	return bytes / pageSize * pageSize
}

// V1Unlimited returns what a cgroup v1 memory.limit_in_bytes (and memsw,
// soft limit) file shows when no limit is set: PAGE_COUNTER_MAX pages of
// pageSize bytes, that is (2^63 − 1) rounded down to the page size.
// 9223372036854771712 with 4 KiB pages, 9223372036854710272 with 64 KiB
// pages. A non-positive pageSize means DefaultPageSize.
func V1Unlimited(pageSize int64) int64 {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	return math.MaxInt64 / pageSize * pageSize
}

// IsV1Unlimited reports whether a cgroup v1 memory value means "no limit"
// on a host with the given page size.
func IsV1Unlimited(bytes, pageSize int64) bool { return bytes >= V1Unlimited(pageSize) }

// FormatMemory renders a memory limit in bytes as a file of the given
// cgroup version shows it, after the kernel's page rounding: on v2
// MemoryUnlimited (or any negative value) is "max"; on v1 it is
// V1Unlimited(pageSize).
func FormatMemory(bytes int64, v CgroupVersion, pageSize int64) string {
	if bytes < 0 {
		if v == CgroupV1 {
			return strconv.FormatInt(V1Unlimited(pageSize), 10)
		}
		return "max"
	}
	return strconv.FormatInt(RoundDownToPage(bytes, pageSize), 10)
}

// ParseMemory parses a memory file of the given cgroup version
// (memory.max, memory.high, memory.low, memory.min, memory.swap.max on v2;
// memory.limit_in_bytes and friends on v1): a decimal byte count, or on v2
// "max", which gives MemoryUnlimited. The v1 "unlimited" value is returned
// as the number it is; see [IsV1Unlimited].
func ParseMemory(s string, v CgroupVersion) (int64, error) {
	const what = "memory value"
	if v == CgroupV2 {
		if body, ok := trimNewline(s); ok && body == "max" {
			return MemoryUnlimited, nil
		}
	}
	n, err := parseUintFile(what, s)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64 {
		return 0, rangeError(what, s, "above 2^63-1")
	}
	return int64(n), nil
}

// MemoryHigh returns the MemoryQoS memory.high the kubelet computes for a
// memory request and limit in bytes and a throttling factor
// (memoryThrottlingFactor), and whether it is written at all:
//
//	floor((request + (limit − request) × factor) / pageSize) × pageSize
//
// computed in float64. The value is written only when it is non-zero and
// strictly greater than the request. When a container has no memory limit
// the kubelet passes node allocatable memory as limit; that choice belongs
// to the caller. A non-positive pageSize means DefaultPageSize.
//
// Examples (4 KiB pages, factor 0.9): 128Mi/256Mi → 255012864;
// 0/32Gi → 30923763712; factor 1.0, 256Mi/512Mi → 536870912.
func MemoryHigh(request, limit int64, factor float64, pageSize int64) (int64, bool) {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	high := int64(math.Floor((float64(request)+(float64(limit)-float64(request))*factor)/float64(pageSize))) * pageSize
	if high == 0 || high <= request {
		return high, false
	}
	return high, true
}

// ErrSwapWithoutMemoryLimit is wrapped by [SwapV2] when a swap limit is
// requested without a memory limit.
var ErrSwapWithoutMemoryLimit = errors.New("unable to set swap limit without memory limit")

// ErrSwapBelowMemory is wrapped by [SwapV2] when memory+swap is smaller
// than the memory limit.
var ErrSwapBelowMemory = errors.New("memory+swap limit should be >= memory limit")

// SwapV2 converts an OCI memory+swap limit and memory limit (cgroup v1
// semantics, -1 = unlimited, 0 = unset) into the cgroup v2
// memory.swap.max value (swap only), as runc's
// ConvertMemorySwapToCgroupV2Value does:
//
//   - memory −1 and swap unset (0): −1 ("max"; both unlimited);
//   - swap −1: −1; swap 0: 0, meaning "do not write";
//   - memory −1 and swap > 0: swap;
//   - memory 0 (unset) with a swap: error;
//   - swap < memory: error; swap == memory: 0, written as "0" (no swap);
//   - otherwise swap − memory.
//
// Whether a 0 result is written ("0") or skipped depends on why it is 0;
// see [OCIFiles].
func SwapV2(memorySwap, memory int64) (int64, error) {
	if memory == MemoryUnlimited && memorySwap == 0 {
		return MemoryUnlimited, nil
	}
	if memorySwap == MemoryUnlimited || memorySwap == 0 {
		return memorySwap, nil
	}
	if memory == MemoryUnlimited {
		return memorySwap, nil
	}
	what := fmt.Sprintf("memory+swap %d with memory %d", memorySwap, memory)
	switch {
	case memorySwap < MemoryUnlimited:
		return 0, &ValueError{What: "memory+swap", Value: strconv.FormatInt(memorySwap, 10), Err: ErrRange}
	case memory == 0:
		return 0, &ValueError{What: what, Value: strconv.FormatInt(memorySwap, 10), Err: ErrSwapWithoutMemoryLimit}
	case memory < 0:
		return 0, &ValueError{What: "memory", Value: strconv.FormatInt(memory, 10), Err: ErrRange}
	case memorySwap < memory:
		return 0, &ValueError{What: what, Value: strconv.FormatInt(memorySwap, 10), Err: ErrSwapBelowMemory}
	}
	return memorySwap - memory, nil
}

// LimitedSwap returns the swap limit in bytes the kubelet gives a Burstable
// container under swapBehavior LimitedSwap (calcSwapForBurstablePods):
// trunc(request / memoryCapacity × swapCapacity), computed in float64, with
// the node's memory and swap capacity in bytes. It fails when the capacity
// is not positive or the request exceeds it; the kubelet then falls back to
// no swap.
//
// Example: 40 GiB of memory, 5 GiB of swap, a 1 GiB request → 134217728.
func LimitedSwap(request, memoryCapacity, swapCapacity int64) (int64, error) {
	if memoryCapacity <= 0 {
		return 0, rangeError("node memory capacity", strconv.FormatInt(memoryCapacity, 10), "must be positive")
	}
	if request > memoryCapacity {
		return 0, rangeError("container memory request", strconv.FormatInt(request, 10),
			fmt.Sprintf("larger than node memory capacity %d", memoryCapacity))
	}
	proportion := float64(request) / float64(memoryCapacity)
	return int64(proportion * float64(swapCapacity)), nil
}
