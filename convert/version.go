package convert

import "fmt"

// CgroupVersion is the cgroup hierarchy version whose file names and value
// forms apply.
type CgroupVersion int

const (
	// CgroupV1 is the legacy hierarchy: one tree per controller, files such
	// as cpu.shares and memory.limit_in_bytes.
	CgroupV1 CgroupVersion = 1
	// CgroupV2 is the unified hierarchy: files such as cpu.weight, cpu.max
	// and memory.max.
	CgroupV2 CgroupVersion = 2
)

// String returns "v1" or "v2".
func (v CgroupVersion) String() string {
	switch v {
	case CgroupV1:
		return "v1"
	case CgroupV2:
		return "v2"
	}
	return fmt.Sprintf("CgroupVersion(%d)", int(v))
}

// ParseCgroupVersion parses "v1", "1", "v2" or "2".
func ParseCgroupVersion(s string) (CgroupVersion, error) {
	switch s {
	case "v1", "1":
		return CgroupV1, nil
	case "v2", "2":
		return CgroupV2, nil
	}
	return 0, syntaxError("cgroup version", s, `want "v1" or "v2"`)
}
