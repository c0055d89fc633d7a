package qos

import (
	"fmt"
	"maps"

	"github.com/kubecgroups/kubecgroups/convert"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// CRIResources is the CRI LinuxContainerResources message (k8s.io/cri-api
// runtime/v1) a kubelet sends for a container: the input of the CRI
// runtime's conversion. Zero integers and empty strings mean "not
// specified", as in the CRI. It lets a caller feed the runtime half of the
// model with resources of its choice (the differential test in
// internal/runtimediff does); [Expect] computes them from pods itself.
type CRIResources struct {
	CPUPeriod, CPUQuota, CPUShares int64
	// MemoryLimit is memory_limit_in_bytes; MemorySwapLimit is
	// memory_swap_limit_in_bytes (memory+swap, set by the kubelet on v1).
	MemoryLimit, MemorySwapLimit int64
	// CPUSetCPUs and CPUSetMems are cpuset_cpus and cpuset_mems.
	CPUSetCPUs, CPUSetMems string
	// HugepageLimits maps a huge page size in bytes to its limit in bytes
	// (hugepage_limits).
	HugepageLimits map[uint64]uint64
	// Unified is the unified map (cgroup v2 files written verbatim).
	Unified map[string]string
}

// RuntimeFiles is what [Profile.ContainerRuntimeFiles] predicts for one
// container cgroup.
type RuntimeFiles struct {
	// OCI is the OCI LinuxResources the CRI runtime hands the OCI runtime.
	OCI *specs.LinuxResources
	// Files are the container cgroup's files as [Expect] predicts them:
	// the files the OCI runtime writes, as the kernel shows them, and
	// every other file at its kernel default.
	Files map[string]ExpectedFile
}

// ContainerRuntimeFiles predicts the container cgroup files that the
// profile's CRI and OCI runtimes leave for the CRI resources r: the CRI
// runtime's conversion to OCI resources, the OCI runtime's conversion to
// files and the kernel's read-back, exactly as [Expect] does for an app
// container. With sandbox set, r is the kubelet's LinuxPodSandboxConfig
// resources (the pod-level totals) and the files are those of the
// sandbox (pause) container.
func (p Profile) ContainerRuntimeFiles(r CRIResources, sandbox bool) (*RuntimeFiles, error) {
	e, err := resolve(p)
	if err != nil {
		return nil, err
	}
	cr := &criResources{
		cpuPeriod: r.CPUPeriod, cpuQuota: r.CPUQuota, cpuShares: r.CPUShares,
		memoryLimit: r.MemoryLimit, memorySwap: r.MemorySwapLimit,
		cpusetCPUs: r.CPUSetCPUs, cpusetMems: r.CPUSetMems,
		hugepages: maps.Clone(r.HugepageLimits), unified: maps.Clone(r.Unified),
		why: map[string]string{},
	}
	if cr.hugepages == nil {
		cr.hugepages = map[uint64]uint64{}
	}
	for s := range cr.hugepages {
		if _, err := convert.HugePageSizeName(s); err != nil {
			return nil, fmt.Errorf("qos: CRI hugepage limit: %w", err)
		}
	}
	if sandbox {
		res, why := e.pauseResources()
		files, err := e.runtimeFiles(res, why, convert.WeightLinear)
		if err != nil {
			return nil, err
		}
		return &RuntimeFiles{OCI: res, Files: files}, nil
	}
	res, why := e.ociResources(cr)
	files, err := e.runtimeFiles(res, why, e.formula)
	if err != nil {
		return nil, err
	}
	e.hugetlbAlternatives(files)
	return &RuntimeFiles{OCI: res, Files: files}, nil
}
