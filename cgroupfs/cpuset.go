package cgroupfs

import "github.com/kubecgroups/kubecgroups/convert"

// Files of the cpuset controller this package reads.
var (
	// cpusetFiles are the CPU and memory-node lists ("0-3,5"); on v2 an
	// empty list means "inherit the parent's".
	cpusetFiles = []string{"cpuset.cpus", "cpuset.mems"}
	// cpusetEffectiveFiles are the v2 lists in effect; read on request.
	cpusetEffectiveFiles = []string{"cpuset.cpus.effective", "cpuset.mems.effective"}
)

// parseCPUSet parses the cpuset lists with convert.ParseCPUSet, which
// normalises them so that they compare as sets.
func parseCPUSet(name, raw string) (any, error) {
	switch name {
	case "cpuset.cpus", "cpuset.mems", "cpuset.cpus.effective", "cpuset.mems.effective":
		return nonNil(convert.ParseCPUSet(raw))
	}
	return nil, nil
}
