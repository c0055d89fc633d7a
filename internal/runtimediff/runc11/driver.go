//go:build linux

// Package runc11 drives runc 1.1 (libcontainer/cgroups) and containerd
// 1.6's CRI conversion (pkg/cri/opts) for the runtime differential test;
// see ../README.md. They need runtime-spec v1.0.x, which cannot be linked
// with the main module's v1.3.0, so this module does not import the main
// module: its test binary serves runtimediff's driver protocol and the
// comparison runs in ../cmd/runtimediff.
package runc11

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/containerd/containerd/containers"
	cri "github.com/containerd/containerd/pkg/cri/opts"
	"github.com/opencontainers/runc/libcontainer/cgroups"
	"github.com/opencontainers/runc/libcontainer/cgroups/fs"
	"github.com/opencontainers/runc/libcontainer/cgroups/fs2"
	"github.com/opencontainers/runc/libcontainer/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Versions pinned in go.mod.
const (
	RuncVersion       = "1.1.15"
	ContainerdVersion = "1.6.38"
)

// containerd 1.6's CRI plugin defaults (pkg/cri/config/config_unix.go
// DefaultConfig): tolerate_missing_hugetlb_controller and
// disable_hugetlb_controller are both true.
const (
	tolerateMissingHugetlbController = true
	disableHugetlbController         = true
)

// v1Subsystems are the controllers of runc's fs manager; all of them get
// the one test directory (their file names do not collide).
var v1Subsystems = []string{"cpuset", "cpu", "cpuacct", "memory", "pids", "hugetlb",
	"devices", "freezer", "blkio", "net_cls", "net_prio", "perf_event", "rdma", "name=systemd"}

type hello struct {
	Line           string `json:"line"`
	OCI            string `json:"oci"`
	CRI            string `json:"cri"`
	SwapAccounting bool   `json:"swapAccounting"`
}

type request struct {
	Op        string                `json:"op"`
	Sandbox   bool                  `json:"sandbox,omitempty"`
	Resources *criWire              `json:"resources,omitempty"`
	Version   int                   `json:"version,omitempty"`
	Dir       string                `json:"dir,omitempty"`
	OCI       *specs.LinuxResources `json:"oci,omitempty"`
}

type criWire struct {
	CPUPeriod, CPUQuota, CPUShares int64
	MemoryLimit, MemorySwapLimit   int64
	CPUSetCPUs, CPUSetMems         string
	HugepageLimits                 map[uint64]uint64
	Unified                        map[string]string
}

type response struct {
	OCI   *specs.LinuxResources `json:"oci,omitempty"`
	Error string                `json:"error,omitempty"`
}

// Serve answers driver requests from in on out until in ends.
func Serve(in io.Reader, out io.Writer) error {
	// Write outside cgroupfs: libcontainer/cgroups/file.go skips its
	// filesystem check and creates files in test mode.
	cgroups.TestMode = true
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	if err := enc.Encode(hello{
		Line: "runc 1.1", OCI: "runc-" + RuncVersion,
		CRI:            "containerd v" + ContainerdVersion + " pkg/cri/opts.WithResources, WithDefaultSandboxShares",
		SwapAccounting: cri.SwapControllerAvailable(),
	}); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		var req request
		var resp response
		var err error
		if err = json.Unmarshal(sc.Bytes(), &req); err == nil {
			switch req.Op {
			case "cri":
				resp.OCI, err = convertCRI(req.Resources, req.Sandbox)
			case "apply":
				err = Apply(req.Dir, req.Version, req.OCI)
			default:
				err = fmt.Errorf("unknown op %q", req.Op)
			}
		}
		if err != nil {
			resp.Error = err.Error()
		}
		if err := enc.Encode(resp); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}

// convertCRI runs containerd's conversion: WithResources for a container
// (pkg/cri/server/container_create_linux.go), WithDefaultSandboxShares
// for the pause container (pkg/cri/server/sandbox_run_linux.go, which
// puts the kubelet's sandbox resources into annotations only).
func convertCRI(r *criWire, sandbox bool) (*specs.LinuxResources, error) {
	if r == nil {
		return nil, errors.New("cri: no resources")
	}
	s := &specs.Spec{Linux: &specs.Linux{}}
	ctx := context.Background()
	if sandbox {
		if err := cri.WithDefaultSandboxShares(ctx, nil, &containers.Container{}, s); err != nil {
			return nil, err
		}
		return s.Linux.Resources, nil
	}
	lr := &runtime.LinuxContainerResources{
		CpuPeriod: r.CPUPeriod, CpuQuota: r.CPUQuota, CpuShares: r.CPUShares,
		MemoryLimitInBytes: r.MemoryLimit, MemorySwapLimitInBytes: r.MemorySwapLimit,
		CpusetCpus: r.CPUSetCPUs, CpusetMems: r.CPUSetMems,
		Unified: r.Unified,
	}
	for size, limit := range r.HugepageLimits {
		lr.HugepageLimits = append(lr.HugepageLimits, &runtime.HugepageLimit{PageSize: pageSizeName(size), Limit: limit})
	}
	opt := cri.WithResources(lr, tolerateMissingHugetlbController, disableHugetlbController)
	if err := opt(ctx, nil, &containers.Container{}, s); err != nil {
		return nil, err
	}
	return s.Linux.Resources, nil
}

// pageSizeName is the kubelet's size string: "2MB", "1GB".
func pageSizeName(size uint64) string {
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	i := 0
	for size%1024 == 0 && i < len(units)-1 {
		size /= 1024
		i++
	}
	return strconv.FormatUint(size, 10) + units[i]
}

// Apply converts res with runc's specconv.CreateCgroupConfig and writes it
// with the fs (v1) or fs2 (v2) manager's Set into dir.
func Apply(dir string, version int, res *specs.LinuxResources) error {
	spec := &specs.Spec{Linux: &specs.Linux{Resources: res, CgroupsPath: "/kubepods/test"}}
	cg, err := specconv.CreateCgroupConfig(&specconv.CreateOpts{CgroupName: "test", Spec: spec}, nil)
	if err != nil {
		return fmt.Errorf("specconv: %w", err)
	}
	// Device rules are not compared; the fs manager would program them.
	cg.Resources.SkipDevices = true
	if version == 2 {
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
