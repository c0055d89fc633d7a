//go:build linux

package nodegen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
)

// TestRealV1 creates generated nodes of both drivers as throwaway cgroups
// on the kernel, checks that a live read diffs clean (the kernel kept
// every value), and that closing the cache removes every cgroup.
func TestRealV1(t *testing.T) {
	if mounts, reason := RealMounts(); mounts == nil {
		t.Skipf("no writable cgroup v1 hierarchy: %s", reason)
	}
	trees := &Trees{}
	defer trees.Close()
	var tops []string
	for _, d := range []cgroupfs.Driver{cgroupfs.DriverCgroupfs, cgroupfs.DriverSystemd} {
		n, err := trees.Real(Options{Pods: 6, Layout: Layout{convert.CgroupV1, d}})
		if err != nil {
			t.Fatal(err)
		}
		fsys, err := cgroupfs.NewDefaultFS()
		if err != nil {
			t.Fatal(err)
		}
		diffClean(t, n, fsys, cgroupfs.NodeOptions{CgroupRoot: n.Profile.Kubelet.CgroupRoot, Driver: cgroupfs.Driver(d)})
		fsys.Close()
		top := strings.SplitN(n.Cgroups[0].Path[1:], "/", 2)[0]
		tops = append(tops, top)
		if again, err := trees.Real(Options{Pods: 6, Layout: Layout{convert.CgroupV1, d}}); err != nil || again != n {
			t.Errorf("a second Real call made another tree (%v)", err)
		}
	}
	if err := trees.Close(); err != nil {
		t.Fatal(err)
	}
	mounts, _ := RealMounts()
	for _, m := range mounts {
		for _, top := range tops {
			if _, err := os.Stat(filepath.Join(m, top)); !os.IsNotExist(err) {
				t.Errorf("%s is still there after Close (%v)", filepath.Join(m, top), err)
			}
		}
	}
}
