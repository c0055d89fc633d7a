//go:build linux

package nodegen

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/internal/cgtest"
)

// RealControllers are the cgroup v1 controllers CreateV1 needs; hugetlb
// is used too when it is mounted.
var RealControllers = []string{"cpu", "cpuset", "memory", "pids"}

// RealMounts returns the writable v1 mounts of RealControllers (and
// hugetlb when mounted), or nil and the reason there are none.
func RealMounts() (map[string]string, string) {
	m, reason := cgtest.V1Mounts(RealControllers...)
	if m == nil {
		return nil, reason
	}
	if dir, _ := cgtest.LookupV1Controller("hugetlb"); dir != "" {
		m["hugetlb"] = dir
	}
	return m, ""
}

// CreateV1 creates the node's cgroups on the running kernel, in each given
// cgroup v1 controller mount (RealMounts), and writes the values the
// kubelet and the runtime would have written, through the kernel. The
// node must be a v1 layout whose cgroupRoot is a fresh "/kcg-test-..."
// cgroup (cgtest.ProcessName; under the systemd driver the kubelet's
// rendering of it, "/kcg_test_....slice/kcg_test_...-kubepods.slice", is
// made), and its files must be ones the kernel keeps
// as written (the generated values are: whole pages, shares in range,
// cpus of this machine). Files of controllers that are not mounted are
// skipped.
//
// It returns a function that removes every cgroup it created, leaf first;
// on error it removes them itself.
func (n *Node) CreateV1(mounts map[string]string) (remove func() error, err error) {
	root := n.Profile.Kubelet.CgroupRoot
	if n.Options.Layout.Version != 1 {
		return nil, errors.New("nodegen: CreateV1 needs a cgroup v1 layout")
	}
	if !strings.HasPrefix(root, "/kcg-test-") || strings.Count(root, "/") != 1 {
		return nil, fmt.Errorf("nodegen: cgroupRoot %s is not a throwaway /kcg-test-... cgroup", root)
	}
	// The top directory: the root itself, or its systemd slice
	// (kcg_test_....slice) under the systemd driver.
	top := strings.SplitN(strings.TrimPrefix(n.kubepodsPath(), "/"), "/", 2)[0]
	if !strings.HasPrefix(top, "kcg-test-") && !strings.HasPrefix(top, "kcg_test_") {
		return nil, fmt.Errorf("nodegen: kubepods %s is not below the cgroupRoot %s", n.kubepodsPath(), root)
	}
	ctrls := slices.Sorted(func(yield func(string) bool) {
		for c := range mounts {
			if !yield(c) {
				return
			}
		}
	})
	var created []string // every directory made, parents first
	remove = func() error {
		var first error
		for i := len(created) - 1; i >= 0; i-- {
			if err := cgtest.RemoveAll(created[i]); err != nil && first == nil {
				first = err
			}
		}
		created = nil
		return first
	}
	defer func() {
		if err != nil {
			remove()
			remove = nil
		}
	}()
	for _, c := range ctrls {
		if _, err := os.Stat(filepath.Join(mounts[c], top)); err == nil {
			return nil, fmt.Errorf("nodegen: %s already exists", filepath.Join(mounts[c], top))
		}
	}
	mkdir := func(c, p string) error {
		dir := filepath.Join(mounts[c], filepath.FromSlash(p))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		created = append(created, dir)
		if c == "cpuset" {
			// A new v1 cpuset has no CPUs and no memory nodes; runc and the
			// kubelet give it its parent's.
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				b, err := os.ReadFile(filepath.Join(filepath.Dir(dir), f))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dir, f), b, 0); err != nil {
					return fmt.Errorf("%s/%s: %w", dir, f, err)
				}
			}
		}
		return nil
	}
	// The cgroupRoot's own directories, then every cgroup, parents first.
	var above []string
	for d := path.Dir(n.kubepodsPath()); d != "/"; d = path.Dir(d) {
		above = append(above, d)
	}
	slices.Reverse(above)
	for _, d := range above {
		for _, c := range ctrls {
			if err := mkdir(c, d); err != nil {
				return nil, fmt.Errorf("nodegen: %w", err)
			}
		}
	}
	for _, cg := range n.Cgroups {
		for _, c := range ctrls {
			if err := mkdir(c, cg.Path); err != nil {
				return nil, fmt.Errorf("nodegen: %w", err)
			}
		}
		for _, name := range writeOrder(cg.Set) {
			mnt, ok := mounts[controllerOf(name)]
			if !ok {
				continue
			}
			v := cg.Files[name]
			if v == defaultValue(name, 1, n.Profile.Machine.PageSize, nil) {
				continue // the kernel's default already
			}
			p := filepath.Join(mnt, filepath.FromSlash(cg.Path), name)
			if err := os.WriteFile(p, []byte(v), 0); err != nil {
				return nil, fmt.Errorf("nodegen: write %q to %s: %w", v, p, err)
			}
		}
	}
	return remove, nil
}

// writeOrder orders a cgroup's files as the kernel needs them written:
// the period before the quota, the memory limit before memory+swap.
func writeOrder(names []string) []string {
	rank := func(n string) int {
		switch n {
		case "cpu.cfs_period_us", "memory.limit_in_bytes":
			return 0
		case "cpu.cfs_quota_us", "memory.memsw.limit_in_bytes":
			return 2
		}
		return 1
	}
	out := slices.Clone(names)
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}
