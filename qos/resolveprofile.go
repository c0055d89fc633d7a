package qos

import (
	"fmt"
	"maps"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
)

// Overrides are profile values a caller states explicitly (a CLI's flags):
// each one that is set wins over the node's Facts and the defaults. The
// zero value overrides nothing.
type Overrides struct {
	// KubernetesVersion is the kubelet minor version ("1.37").
	KubernetesVersion string
	// CgroupVersion is the node's cgroup version; 0 leaves it to the tree.
	CgroupVersion convert.CgroupVersion
	// Driver is the cgroup driver; empty leaves it to the tree or the
	// kubelet configuration.
	Driver cgroupfs.Driver
	// KubeletConfig is a kubelet configuration (ParseKubeletConfiguration)
	// that replaces the one in Facts; KubeletConfigSource names it in the
	// sources ("node-config").
	KubeletConfig       *kubeletv1beta1.KubeletConfiguration
	KubeletConfigSource string
	// CPUManagerPolicy and PodPidsLimit override single kubelet settings.
	CPUManagerPolicy CPUManagerPolicy
	PodPidsLimit     *int64
	// CRI is the CRI runtime.
	CRI CRIRuntime
	// OCI is the OCI runtime.
	OCI *OCIRuntime
	// FeatureGates are merged over the profile's gates.
	FeatureGates map[string]bool
	// Capacity entries replace the machine's: cpu, memory, pid (or pids),
	// swap, hugepages-<size>; any huge page size replaces all sizes.
	Capacity corev1.ResourceList
	// PageSizeBytes is the base page size; 0 leaves it to the facts.
	PageSizeBytes int64
	// SwapAccounting says whether the kernel accounts swap per cgroup.
	SwapAccounting *bool
}

// ProfileSources says, per profile fact ("kubernetesVersion",
// "cgroupVersion", "cgroupDriver", "cgroupRoot", "kubelet", "capacity",
// "pageSize", "swapAccounting", "hugetlbRsvd", "hugePageSizes",
// "runtime", "ociRuntime", "featureGates", "pods"), where it came from:
// "default", "flag", a Facts source ("tree", "snapshot", "host",
// "node-object", "configz") or a combination ("configz and flags").
type ProfileSources map[string]string

// Source names used by ResolveProfile besides those Facts carry.
const (
	// SourceDefault is a value the v1.37.2 defaults supply.
	SourceDefault = "default"
	// SourceFlag is a value an Override supplies.
	SourceFlag = "flag"
)

// ResolveProfile builds a node profile: the v1.37.2 defaults, then what
// the node shows (facts), then the overrides. It returns the profile,
// validated, and where every fact came from. Errors name the bad input;
// an override of the cgroup version or driver that the tree facts
// contradict is a *TreeMismatchError.
func ResolveProfile(facts Facts, o Overrides) (Profile, ProfileSources, error) {
	if err := contradicted(facts, o); err != nil {
		return Profile{}, nil, err
	}
	p := DefaultProfile()
	src := ProfileSources{}
	for _, k := range []string{"kubernetesVersion", "cgroupVersion", "cgroupDriver", "cgroupRoot", "kubelet", "capacity", "pageSize", "swapAccounting", "hugetlbRsvd", "runtime", "ociRuntime"} {
		src[k] = SourceDefault
	}

	// Kubernetes version.
	switch {
	case o.KubernetesVersion != "":
		if _, err := ParseKubernetesVersion(o.KubernetesVersion); err != nil {
			return p, nil, fmt.Errorf("kubernetes version: %w", err)
		}
		p.KubernetesVersion = o.KubernetesVersion
		src["kubernetesVersion"] = SourceFlag
	case facts.KubernetesVersion != "":
		p.KubernetesVersion = facts.KubernetesVersion
		src["kubernetesVersion"] = facts.VersionSource
	}

	// cgroup version: the tree knows best.
	switch {
	case o.CgroupVersion != 0:
		p.CgroupVersion = o.CgroupVersion
		src["cgroupVersion"] = SourceFlag
	case facts.CgroupVersion != 0:
		p.CgroupVersion = facts.CgroupVersion
		src["cgroupVersion"] = facts.TreeSource
	}

	// Kubelet settings from the override's configuration, or else from
	// the node's.
	kubeletFrom := ""
	switch {
	case o.KubeletConfig != nil:
		if err := p.ApplyKubeletConfiguration(o.KubeletConfig); err != nil {
			return p, nil, fmt.Errorf("%s: %w", o.KubeletConfigSource, err)
		}
		kubeletFrom = o.KubeletConfigSource
	case facts.KubeletConfig != nil:
		kc, err := ParseKubeletConfiguration(facts.KubeletConfig)
		if err != nil {
			return p, nil, fmt.Errorf("the kubelet configuration from %s: %w", facts.KubeletSource, err)
		}
		if err := p.ApplyKubeletConfiguration(kc); err != nil {
			return p, nil, fmt.Errorf("the kubelet configuration from %s: %w", facts.KubeletSource, err)
		}
		kubeletFrom = facts.KubeletSource
	}
	if kubeletFrom != "" {
		src["kubelet"], src["cgroupDriver"], src["cgroupRoot"] = kubeletFrom, kubeletFrom, kubeletFrom
	}
	// Driver and cgroupRoot: the tree's naming shows what the kubelet
	// really uses (it may take the driver from the CRI runtime).
	switch {
	case o.Driver != "":
		if o.Driver != cgroupfs.DriverCgroupfs && o.Driver != cgroupfs.DriverSystemd {
			return p, nil, fmt.Errorf("cgroup driver %q: want cgroupfs or systemd", o.Driver)
		}
		p.Kubelet.CgroupDriver = o.Driver
		src["cgroupDriver"] = SourceFlag
	case facts.Driver != "":
		p.Kubelet.CgroupDriver = facts.Driver
		src["cgroupDriver"] = facts.TreeSource
	}
	if facts.CgroupRoot != "" {
		p.Kubelet.CgroupRoot = facts.CgroupRoot
		src["cgroupRoot"] = facts.TreeSource
	}
	kubeletOverride := func() {
		if kubeletFrom != "" {
			src["kubelet"] = kubeletFrom + " and flags"
		} else {
			src["kubelet"] = "flags"
		}
	}
	if o.CPUManagerPolicy != "" {
		p.Kubelet.CPUManagerPolicy = o.CPUManagerPolicy
		kubeletOverride()
	}
	if o.PodPidsLimit != nil {
		p.Kubelet.PodPidsLimit = *o.PodPidsLimit
		kubeletOverride()
	}

	// Runtimes.
	switch {
	case o.CRI != "":
		p.Runtime.CRI = o.CRI
		src["runtime"] = SourceFlag
	case facts.CRI != "":
		p.Runtime.CRI = facts.CRI
		if facts.CRISource != "" {
			src["runtime"] = facts.CRISource
		} else {
			src["runtime"] = facts.TreeSource + " (container cgroup names)"
		}
	}
	if o.OCI != nil {
		p.Runtime.OCI = *o.OCI
		src["ociRuntime"] = SourceFlag
	}
	if len(o.FeatureGates) > 0 {
		if err := CheckFeatureGates(o.FeatureGates); err != nil {
			return p, nil, fmt.Errorf("feature gates: %w", err)
		}
		if p.FeatureGates == nil {
			p.FeatureGates = map[string]bool{}
		}
		maps.Copy(p.FeatureGates, o.FeatureGates)
		src["featureGates"] = SourceFlag
	}

	// Machine: facts first, then the capacity overrides.
	if m := facts.Machine; m != nil {
		p.ApplyMachine(m)
		src["capacity"] = facts.MachineSource
	}
	if facts.HugetlbKnown {
		for k := range p.Machine.Capacity {
			if strings.HasPrefix(string(k), corev1.ResourceHugePagesPrefix) {
				delete(p.Machine.Capacity, k)
			}
		}
		for _, size := range facts.HugePageSizes {
			p.Machine.Capacity[corev1.ResourceName(convert.HugePageResourceName(size))] = resource.MustParse("0")
		}
		src["hugePageSizes"] = facts.TreeSource
	}
	if err := MergeCapacity(p.Machine.Capacity, o.Capacity); err != nil {
		return p, nil, fmt.Errorf("node capacity: %w", err)
	}
	if len(o.Capacity) > 0 {
		src["capacity"] += " and flag"
	}
	switch {
	case o.PageSizeBytes != 0:
		p.Machine.PageSize = o.PageSizeBytes
		src["pageSize"] = SourceFlag
	case facts.PageSizeBytes != 0:
		p.Machine.PageSize = facts.PageSizeBytes
		src["pageSize"] = facts.TreeSource
	}
	switch {
	case o.SwapAccounting != nil:
		p.Machine.SwapAccounting = *o.SwapAccounting
		src["swapAccounting"] = SourceFlag
	case facts.SwapAccounting != nil:
		p.Machine.SwapAccounting = *facts.SwapAccounting
		src["swapAccounting"] = facts.TreeSource
	}
	if facts.HugetlbRsvd != nil {
		p.Machine.HugetlbRsvd = *facts.HugetlbRsvd
		src["hugetlbRsvd"] = facts.TreeSource
	}
	if err := p.Validate(); err != nil {
		return p, nil, err
	}
	return p, src, nil
}

// MergeCapacity lays src over dst: cpu, memory, pid ("pids" is accepted),
// swap and hugepages-<size>; any huge page size in src replaces every
// size in dst. An unknown resource is an error naming it.
func MergeCapacity(dst, src corev1.ResourceList) error {
	huge := false
	for k := range src {
		switch {
		case k == "pids":
		case k == corev1.ResourceCPU, k == corev1.ResourceMemory, k == "pid", k == "swap":
		case strings.HasPrefix(string(k), corev1.ResourceHugePagesPrefix):
			if _, err := convert.ParseHugePageResourceName(string(k)); err != nil {
				return err
			}
			huge = true
		default:
			return fmt.Errorf("unknown resource %q: want cpu, memory, pids, swap or hugepages-<size>", k)
		}
	}
	if huge {
		for k := range dst {
			if strings.HasPrefix(string(k), corev1.ResourceHugePagesPrefix) {
				delete(dst, k)
			}
		}
	}
	for k, v := range src {
		if k == "pids" {
			k = "pid"
		}
		dst[k] = v
	}
	return nil
}

// contradicted reports an override of the cgroup version or driver that
// the tree facts contradict.
func contradicted(facts Facts, o Overrides) error {
	where := facts.TreeSource
	if where == "" {
		where = "tree"
	}
	if o.CgroupVersion != 0 && facts.CgroupVersion != 0 && o.CgroupVersion != facts.CgroupVersion {
		shows := "cgroup " + facts.CgroupVersion.String()
		if facts.Mode != "" {
			shows += " (" + string(facts.Mode) + ")"
		}
		return &TreeMismatchError{Setting: "cgroupVersion", Value: o.CgroupVersion.String(), Tree: shows + " in the " + where}
	}
	if o.Driver != "" && facts.Driver != "" && o.Driver != facts.Driver {
		shows := fmt.Sprintf("the %s driver's naming", facts.Driver)
		if facts.CgroupRoot != "" {
			shows += " under cgroupRoot " + facts.CgroupRoot
		}
		return &TreeMismatchError{Setting: "cgroupDriver", Value: string(o.Driver), Tree: shows + " in the " + where}
	}
	return nil
}
