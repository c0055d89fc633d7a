package cgroupfs

import "github.com/kubecgroups/kubecgroups/convert"

// Files of the memory controller this package reads.
var (
	// memoryFilesV1 are the memory limit and the memory+swap limit (present
	// only with swap accounting), in bytes; no limit reads as
	// convert.V1Unlimited of the page size.
	memoryFilesV1 = []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"}
	// memoryFilesV2 are the limits and protections in bytes or "max",
	// memory.swap.max (swap only) and the memory.oom.group flag.
	memoryFilesV2 = []string{"memory.max", "memory.min", "memory.low", "memory.high", "memory.swap.max", "memory.oom.group"}
)

// parseMemory parses the memory.* files: byte counts with
// convert.ParseMemory ("max" is convert.MemoryUnlimited on v2) and the
// memory.oom.group flag.
func parseMemory(name, raw string, v convert.CgroupVersion) (any, error) {
	switch name {
	case "memory.oom.group":
		return nonNil(convert.ParseFlag(raw))
	case "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
		"memory.max", "memory.min", "memory.low", "memory.high", "memory.swap.max":
		return nonNil(convert.ParseMemory(raw, v))
	}
	return nil, nil
}
