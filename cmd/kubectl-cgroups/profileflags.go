package main

import (
	"fmt"
	"maps"
	"os"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// profileFlags are the node-profile flags shared by commands that predict
// values (expect and diff). Precedence, lowest first: built-in defaults (a
// stock v1.37.2 kubelet on cgroup v2, cgroupfs, containerd, runc 1.4);
// facts of the node itself (the cgroup tree, the machine or a snapshot's
// record of it; diff only); --node-config for kubelet settings; then every
// flag given explicitly.
type profileFlags struct {
	nodeConfig     string
	version        string
	cgroupVersion  string
	cgroupDriver   string
	runtime        string
	ociRuntime     string
	featureGates   string
	nodeCapacity   string
	pageSize       int64
	cpuManager     string
	podPidsLimit   int64
	swapAccounting bool

	// fetch loads --node-config when it is a URL (diff sets it); nil
	// means only files are accepted.
	fetch func(url string) ([]byte, error)
}

func (f *profileFlags) addFlags(c *cobra.Command) {
	d := qos.DefaultProfile()
	fl := c.Flags()
	fl.StringVar(&f.nodeConfig, "node-config", "", "Kubelet configuration: a KubeletConfiguration file (YAML or JSON) or the JSON of the kubelet's /configz endpoint.")
	fl.StringVar(&f.version, "kubernetes-version", d.KubernetesVersion, "Kubelet minor version, 1.30 to 1.37: selects feature-gate defaults and behaviour.")
	fl.StringVar(&f.cgroupVersion, "cgroup-version", d.CgroupVersion.String(), "cgroup version of the node: v1 or v2 (hybrid hosts are v1).")
	fl.StringVar(&f.cgroupDriver, "cgroup-driver", string(d.Kubelet.CgroupDriver), "cgroup driver: cgroupfs or systemd (overrides --node-config).")
	fl.StringVar(&f.runtime, "runtime", string(d.Runtime.CRI), "CRI runtime: containerd, crio or cri-dockerd.")
	fl.StringVar(&f.ociRuntime, "oci-runtime", d.Runtime.OCI.String(), "OCI runtime and version, which picks the container cpu.weight formula: runc-1.1.5, runc-1.4.0, crun-1.23, ... or unknown (accept both formulas).")
	fl.StringVar(&f.featureGates, "feature-gates", "", "Feature gate overrides, for example MemoryQoS=false,CPUCFSQuotaPeriod=true.")
	fl.StringVar(&f.nodeCapacity, "node-capacity", "", "Machine capacity overrides, for example cpu=16,memory=64Gi,pids=32768,swap=8Gi,hugepages-2Mi=1Gi. Giving any hugepages-<size> replaces the default sizes (2Mi and 1Gi).")
	fl.Int64Var(&f.pageSize, "page-size", d.Node.PageSize, "Base page size of the node in bytes (65536 on some arm64 and ppc64 hosts).")
	fl.StringVar(&f.cpuManager, "cpu-manager-policy", "", "CPU manager policy: none or static (overrides --node-config).")
	fl.Int64Var(&f.podPidsLimit, "pod-pids-limit", 0, "podPidsLimit (overrides --node-config); -1 for none.")
	fl.BoolVar(&f.swapAccounting, "swap-accounting", d.Node.SwapAccounting, "Whether the kernel accounts swap per cgroup (memory.swap.max / memory.memsw.*).")
}

// nodeFacts are what a node itself shows about its profile: the cgroup
// tree (mode, driver, cgroupRoot, hugetlb and swap files, container
// naming), the page size recorded in a snapshot, and the machine's
// capacity read on the host or recorded in a snapshot.
type nodeFacts struct {
	// treeSource names where the tree facts come from: "tree" or
	// "snapshot".
	treeSource    string
	cgroupVersion convert.CgroupVersion
	driver        string
	cgroupRoot    string
	pageSize      int64
	// hugePageSizes are the sizes of the hugetlb files seen, nil when the
	// tree shows none (hugetlb unavailable).
	hugePageSizes  []uint64
	hugetlbKnown   bool
	hugetlbRsvd    *bool
	swapAccounting *bool
	cri            qos.CRIRuntime

	machine       *cgroupfs.MachineInfo
	machineSource string

	// Facts the Kubernetes API gives (cluster mode), each with its
	// source: the kubelet's minor version ("1.37", from the Node
	// object), the CRI runtime (from the Node object, replacing what the
	// container cgroup names suggest) and the kubelet's configuration (the
	// /configz JSON); a flag, or --node-config for the configuration,
	// still wins.
	kubernetesVersion string
	versionSource     string
	criSource         string
	kubeletConfig     []byte
	kubeletSource     string
}

// profile builds the profile from the flags alone (expect).
func (f *profileFlags) profile(c *cobra.Command) (qos.Profile, error) {
	p, _, err := f.resolve(c, nil)
	return p, err
}

// resolve builds the profile from the defaults, the node's facts (may be
// nil), --node-config and the flags given, and says where each fact came
// from.
func (f *profileFlags) resolve(c *cobra.Command, facts *nodeFacts) (qos.Profile, map[string]string, error) {
	p := qos.DefaultProfile()
	src := map[string]string{}
	changed := c.Flags().Changed
	// A flag's value wins when it was given, or when nothing else knows.
	use := func(flag string, known bool) bool { return changed(flag) || !known }
	set := func(key, from string) { src[key] = from }

	for _, k := range []string{"kubernetesVersion", "cgroupVersion", "cgroupDriver", "cgroupRoot", "kubelet", "capacity", "pageSize", "swapAccounting", "hugetlbRsvd", "runtime", "ociRuntime"} {
		set(k, "default")
	}
	if facts == nil {
		facts = &nodeFacts{}
	}

	// Kubernetes version.
	if _, err := qos.ParseKubernetesVersion(f.version); err != nil {
		return p, nil, fmt.Errorf("--kubernetes-version: %w", err)
	}
	p.KubernetesVersion = f.version
	if changed("kubernetes-version") {
		set("kubernetesVersion", "flag")
	} else if facts.kubernetesVersion != "" {
		p.KubernetesVersion = facts.kubernetesVersion
		set("kubernetesVersion", facts.versionSource)
	}

	// cgroup version: the tree knows best.
	if use("cgroup-version", facts.cgroupVersion != 0) {
		v, err := convert.ParseCgroupVersion(f.cgroupVersion)
		if err != nil {
			return p, nil, fmt.Errorf("--cgroup-version: %w", err)
		}
		p.CgroupVersion = v
		if changed("cgroup-version") {
			set("cgroupVersion", "flag")
		}
	} else {
		p.CgroupVersion = facts.cgroupVersion
		set("cgroupVersion", facts.treeSource)
	}

	// Kubelet settings from --node-config, or else from the node (the
	// kubelet's /configz through the API server).
	kubeletFrom := ""
	switch {
	case f.nodeConfig != "":
		data, err := f.readNodeConfig()
		if err != nil {
			return p, nil, err
		}
		kc, err := qos.ParseKubeletConfiguration(data)
		if err != nil {
			return p, nil, fmt.Errorf("--node-config %s: %w", f.nodeConfig, err)
		}
		if err := p.ApplyKubeletConfiguration(kc); err != nil {
			return p, nil, fmt.Errorf("--node-config %s: %w", f.nodeConfig, err)
		}
		kubeletFrom = "node-config"
	case facts.kubeletConfig != nil:
		kc, err := qos.ParseKubeletConfiguration(facts.kubeletConfig)
		if err != nil {
			return p, nil, fmt.Errorf("the kubelet configuration from %s: %w", facts.kubeletSource, err)
		}
		if err := p.ApplyKubeletConfiguration(kc); err != nil {
			return p, nil, fmt.Errorf("the kubelet configuration from %s: %w", facts.kubeletSource, err)
		}
		kubeletFrom = facts.kubeletSource
	}
	if kubeletFrom != "" {
		set("kubelet", kubeletFrom)
		set("cgroupDriver", kubeletFrom)
		set("cgroupRoot", kubeletFrom)
	}
	// Driver and cgroupRoot: the tree's naming shows what the kubelet
	// really uses (it may take the driver from the CRI runtime).
	switch {
	case changed("cgroup-driver"):
		if err := setDriver(&p, f.cgroupDriver); err != nil {
			return p, nil, err
		}
		set("cgroupDriver", "flag")
	case facts.driver != "":
		p.Kubelet.CgroupDriver = cgroupfs.Driver(facts.driver)
		set("cgroupDriver", facts.treeSource)
	case kubeletFrom == "":
		if err := setDriver(&p, f.cgroupDriver); err != nil {
			return p, nil, err
		}
	}
	if facts.cgroupRoot != "" {
		p.Kubelet.CgroupRoot = facts.cgroupRoot
		set("cgroupRoot", facts.treeSource)
	}
	kubeletFlag := func() {
		if kubeletFrom != "" {
			set("kubelet", kubeletFrom+" and flags")
		} else {
			set("kubelet", "flags")
		}
	}
	if changed("cpu-manager-policy") {
		p.Kubelet.CPUManagerPolicy = f.cpuManager
		kubeletFlag()
	}
	if changed("pod-pids-limit") {
		p.Kubelet.PodPidsLimit = f.podPidsLimit
		kubeletFlag()
	}

	// Runtimes.
	cri := f.runtime
	if !changed("runtime") && facts.cri != "" {
		cri = string(facts.cri)
		if facts.criSource != "" {
			set("runtime", facts.criSource)
		} else {
			set("runtime", facts.treeSource+" (container cgroup names)")
		}
	} else if changed("runtime") {
		set("runtime", "flag")
	}
	switch cri {
	case "containerd", "crio", "cri-dockerd":
		p.Runtime.CRI = qos.CRIRuntime(cri)
	case "cri-o":
		p.Runtime.CRI = qos.CRICRIO
	default:
		return p, nil, fmt.Errorf("--runtime %q: want containerd, crio or cri-dockerd", cri)
	}
	var err error
	if p.Runtime.OCI, err = qos.ParseOCIRuntime(f.ociRuntime); err != nil {
		return p, nil, fmt.Errorf("--oci-runtime: %w", err)
	}
	if changed("oci-runtime") {
		set("ociRuntime", "flag")
	}

	gates, err := qos.ParseFeatureGates(f.featureGates)
	if err != nil {
		return p, nil, fmt.Errorf("--feature-gates: %w", err)
	}
	if len(gates) > 0 {
		if p.FeatureGates == nil {
			p.FeatureGates = map[string]bool{}
		}
		maps.Copy(p.FeatureGates, gates)
		set("featureGates", "flag")
	}

	// Machine: facts first, then --node-capacity.
	if m := facts.machine; m != nil {
		p.ApplyMachine(m)
		set("capacity", facts.machineSource)
	}
	if facts.hugetlbKnown {
		for k := range p.Node.Capacity {
			if strings.HasPrefix(string(k), corev1.ResourceHugePagesPrefix) {
				delete(p.Node.Capacity, k)
			}
		}
		for _, size := range facts.hugePageSizes {
			p.Node.Capacity[corev1.ResourceName(convert.HugePageResourceName(size))] = resource.MustParse("0")
		}
		set("hugePageSizes", facts.treeSource)
	}
	capacity, err := qos.ParseResourceList(f.nodeCapacity)
	if err != nil {
		return p, nil, fmt.Errorf("--node-capacity: %w", err)
	}
	if err := mergeCapacity(p.Node.Capacity, capacity); err != nil {
		return p, nil, fmt.Errorf("--node-capacity: %w", err)
	}
	if len(capacity) > 0 {
		set("capacity", src["capacity"]+" and flag")
	}
	if use("page-size", facts.pageSize != 0) {
		p.Node.PageSize = f.pageSize
		if changed("page-size") {
			set("pageSize", "flag")
		}
	} else {
		p.Node.PageSize = facts.pageSize
		set("pageSize", facts.treeSource)
	}
	if use("swap-accounting", facts.swapAccounting != nil) {
		p.Node.SwapAccounting = f.swapAccounting
		if changed("swap-accounting") {
			set("swapAccounting", "flag")
		}
	} else {
		p.Node.SwapAccounting = *facts.swapAccounting
		set("swapAccounting", facts.treeSource)
	}
	if facts.hugetlbRsvd != nil {
		p.Node.HugetlbRsvd = *facts.hugetlbRsvd
		set("hugetlbRsvd", facts.treeSource)
	}
	if err := p.Validate(); err != nil {
		return p, nil, err
	}
	return p, src, nil
}

func setDriver(p *qos.Profile, driver string) error {
	switch driver {
	case "cgroupfs", "systemd":
		p.Kubelet.CgroupDriver = cgroupfs.Driver(driver)
		return nil
	}
	return fmt.Errorf("--cgroup-driver %q: want cgroupfs or systemd", driver)
}

// readNodeConfig reads --node-config from a file or, for diff, a URL such
// as the kubelet's /configz.
func (f *profileFlags) readNodeConfig() ([]byte, error) {
	if strings.HasPrefix(f.nodeConfig, "http://") || strings.HasPrefix(f.nodeConfig, "https://") {
		if f.fetch == nil {
			return nil, fmt.Errorf("--node-config %s: this command reads files only", f.nodeConfig)
		}
		data, err := f.fetch(f.nodeConfig)
		if err != nil {
			return nil, fmt.Errorf("--node-config: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(f.nodeConfig)
	if err != nil {
		return nil, fmt.Errorf("--node-config: %w", err)
	}
	return data, nil
}

// mergeCapacity overrides dst with src; any hugepages size in src
// replaces all default sizes.
func mergeCapacity(dst, src corev1.ResourceList) error {
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
