//go:build linux

package nodegen

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/kubecgroups/kubecgroups/internal/cgtest"
)

// OrphanTag is the cgtest.ProcessName tag of the cgroupRoots Trees.Real
// creates.
const OrphanTag = "bench"

// Real creates the node for opts on the running kernel once (CreateV1)
// and returns it; Close removes it. opts must be a v1 layout; its
// CgroupRoot, CPUs and NoHugePages are replaced: the root by a unique
// /kcg-test-bench-p<pid>-<hex> cgroup, the CPUs by this machine's (the
// kubepods cpuset lists them), and huge pages are left out when no hugetlb
// controller is mounted. The first call also removes what killed earlier
// runs left behind (cgtest.RemoveOrphans). It returns an error saying why
// when the cgroup v1 hierarchy is missing or not writable.
func (t *Trees) Real(opts Options) (*Node, error) {
	mounts, reason := RealMounts()
	if mounts == nil {
		return nil, fmt.Errorf("no writable cgroup v1 hierarchy: %s", reason)
	}
	if opts.Layout.Version != 1 {
		return nil, fmt.Errorf("real cgroups are cgroup v1 here, not %s", opts.Layout)
	}
	key := opts
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, ok := t.real[key]; ok {
		return n, nil
	}
	if t.real == nil {
		var dirs []string
		for _, d := range mounts {
			dirs = append(dirs, d)
		}
		slices.Sort(dirs)
		if _, err := cgtest.RemoveOrphans(OrphanTag, dirs); err != nil {
			return nil, err
		}
		t.real = map[Options]*Node{}
	}
	opts.CgroupRoot = "/" + cgtest.ProcessName(OrphanTag)
	opts.CPUs = runtime.NumCPU()
	_, hasHugetlb := mounts["hugetlb"]
	opts.NoHugePages = !hasHugetlb
	n, err := Generate(opts)
	if err != nil {
		return nil, err
	}
	remove, err := n.CreateV1(mounts)
	if err != nil {
		return nil, err
	}
	t.removers = append(t.removers, remove)
	t.real[key] = n
	return n, nil
}
