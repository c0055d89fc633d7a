package cgroupfs

import "github.com/kubecgroups/kubecgroups/convert"

// pidsFiles is pids.max, the same on v1 and v2: a number or "max".
var pidsFiles = []string{"pids.max"}

// parsePids parses pids.max (convert.PidsUnlimited for "max").
func parsePids(name, raw string) (any, error) {
	if name == "pids.max" {
		return nonNil(convert.ParsePidsMax(raw))
	}
	return nil, nil
}
