package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/cliparse"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
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
	applyDefaults  string
	// defaulting is --apply-defaults, parsed by overrides.
	defaulting qos.Defaulting

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
	fl.Int64Var(&f.pageSize, "page-size", d.Machine.PageSize, "Base page size of the node in bytes (65536 on some arm64 and ppc64 hosts).")
	fl.StringVar(&f.cpuManager, "cpu-manager-policy", "", "CPU manager policy: none or static (overrides --node-config).")
	fl.Int64Var(&f.podPidsLimit, "pod-pids-limit", 0, "podPidsLimit (overrides --node-config); -1 for none.")
	fl.StringVar(&f.applyDefaults, "apply-defaults", string(qos.DefaultingAuto), "Which pods get the v1.37 API server's resource defaulting: auto (only pods that have not been through an API server: no creationTimestamp, no status, not read from the API or the kubelet), always or never.")
	fl.BoolVar(&f.swapAccounting, "swap-accounting", d.Machine.SwapAccounting, "Whether the kernel accounts swap per cgroup (memory.swap.max / memory.memsw.*).")
}

// overrides turns the flags given explicitly into profile overrides;
// errors name the flag.
func (f *profileFlags) overrides(c *cobra.Command) (qos.Overrides, error) {
	var o qos.Overrides
	changed := c.Flags().Changed
	var err error
	if f.defaulting, err = qos.ParseDefaulting(f.applyDefaults); err != nil {
		return o, fmt.Errorf("--apply-defaults: %w", err)
	}
	if _, err := qos.ParseKubernetesVersion(f.version); err != nil {
		return o, fmt.Errorf("--kubernetes-version: %w", err)
	}
	if changed("kubernetes-version") {
		o.KubernetesVersion = f.version
	}
	if changed("cgroup-version") {
		v, err := convert.ParseCgroupVersion(f.cgroupVersion)
		if err != nil {
			return o, fmt.Errorf("--cgroup-version: %w", err)
		}
		o.CgroupVersion = v
	}
	if f.nodeConfig != "" {
		data, err := f.readNodeConfig()
		if err != nil {
			return o, err
		}
		kc, err := qos.ParseKubeletConfiguration(data)
		if err != nil {
			return o, fmt.Errorf("--node-config %s: %w", f.nodeConfig, err)
		}
		o.KubeletConfig, o.KubeletConfigSource = kc, "node-config"
	}
	if changed("cgroup-driver") {
		if o.Driver, err = cgroupfs.ParseDriver(f.cgroupDriver); err != nil {
			return o, fmt.Errorf("--cgroup-driver %w", err)
		}
	}
	if changed("cpu-manager-policy") {
		policy, err := qos.ParseCPUManagerPolicy(f.cpuManager)
		if err != nil {
			return o, fmt.Errorf("--cpu-manager-policy: %w", err)
		}
		o.CPUManagerPolicy = policy
	}
	if changed("pod-pids-limit") {
		o.PodPidsLimit = &f.podPidsLimit
	}
	if changed("runtime") {
		if o.CRI, err = qos.ParseCRIRuntime(f.runtime); err != nil {
			return o, fmt.Errorf("--runtime %w", err)
		}
	}
	if changed("oci-runtime") {
		oci, err := qos.ParseOCIRuntime(f.ociRuntime)
		if err != nil {
			return o, fmt.Errorf("--oci-runtime: %w", err)
		}
		o.OCI = &oci
	}
	gates, err := cliparse.FeatureGates(f.featureGates)
	if err != nil {
		return o, fmt.Errorf("--feature-gates: %w", err)
	}
	o.FeatureGates = gates
	capacity, err := cliparse.ResourceList(f.nodeCapacity)
	if err != nil {
		return o, fmt.Errorf("--node-capacity: %w", err)
	}
	if err := qos.MergeCapacity(corev1.ResourceList{}, capacity); err != nil {
		return o, fmt.Errorf("--node-capacity: %w", err)
	}
	o.Capacity = capacity
	if changed("page-size") {
		o.PageSizeBytes = f.pageSize
	}
	if changed("swap-accounting") {
		o.SwapAccounting = &f.swapAccounting
	}
	return o, nil
}

// profile builds the profile from the flags alone (expect).
func (f *profileFlags) profile(c *cobra.Command) (qos.Profile, error) {
	o, err := f.overrides(c)
	if err != nil {
		return qos.Profile{}, err
	}
	p, _, err := qos.ResolveProfile(qos.Facts{}, o)
	return p, err
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
