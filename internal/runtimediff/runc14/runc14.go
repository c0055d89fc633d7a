//go:build linux

// Package runc14 drives runc 1.4 (opencontainers/cgroups) for the runtime
// differential test; see ../README.md.
package runc14

import (
	"fmt"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/runtimediff"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs"
	"github.com/opencontainers/cgroups/fs2"
	"github.com/opencontainers/runc/libcontainer/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Version is the runc release this module pins in go.mod.
const Version = "1.4.4"

// v1Subsystems are the controllers of runc's fs manager; all of them get
// the one test directory (their file names do not collide).
var v1Subsystems = []string{"cpuset", "cpu", "cpuacct", "memory", "pids", "hugetlb",
	"devices", "freezer", "blkio", "net_cls", "net_prio", "perf_event", "rdma", "misc"}

// Runtime returns the runc 1.4 line. containerd 2's CRI conversion lives
// in its internal/cri packages, which cannot be imported, so the CRI half
// is the prediction's own (Runtime.CRI is nil).
func Runtime() runtimediff.Runtime {
	// Write outside cgroupfs: opencontainers/cgroups file.go skips its
	// filesystem check and creates files in test mode.
	cgroups.TestMode = true
	return runtimediff.Runtime{
		Line:  "runc 1.4",
		OCI:   qos.OCIRuntime{Name: "runc", Version: Version},
		Apply: Apply,
	}
}

// Apply converts res with runc's specconv.CreateCgroupConfig and writes it
// with the fs (v1) or fs2 (v2) manager's Set into dir.
func Apply(dir string, v convert.CgroupVersion, res *specs.LinuxResources) error {
	spec := &specs.Spec{Linux: &specs.Linux{Resources: res, CgroupsPath: "/kubepods/test"}}
	cg, err := specconv.CreateCgroupConfig(&specconv.CreateOpts{CgroupName: "test", Spec: spec}, nil)
	if err != nil {
		return fmt.Errorf("specconv: %w", err)
	}
	// Device rules are not compared; the fs manager would program them.
	cg.Resources.SkipDevices = true
	if v == convert.CgroupV2 {
		m, err := fs2.NewManager(cg, dir)
		if err != nil {
			return err
		}
		return m.Set(cg.Resources)
	}
	paths := map[string]string{}
	for _, s := range v1Subsystems {
		paths[s] = dir
	}
	m, err := fs.NewManager(cg, paths)
	if err != nil {
		return err
	}
	return m.Set(cg.Resources)
}
