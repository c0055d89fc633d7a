package main

import (
	"fmt"
	"maps"
	"os"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
)

// profileFlags are the node-profile flags shared by commands that predict
// values (expect, and later diff). Precedence: built-in defaults (a stock
// v1.37.2 kubelet on cgroup v2, cgroupfs, containerd, runc 1.4), then
// --node-config, then the other flags when given.
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

// profile builds the profile from the flags.
func (f *profileFlags) profile(c *cobra.Command) (qos.Profile, error) {
	p := qos.DefaultProfile()
	changed := c.Flags().Changed
	p.KubernetesVersion = f.version
	if _, err := qos.ParseKubernetesVersion(f.version); err != nil {
		return p, fmt.Errorf("--kubernetes-version: %w", err)
	}
	v, err := convert.ParseCgroupVersion(f.cgroupVersion)
	if err != nil {
		return p, fmt.Errorf("--cgroup-version: %w", err)
	}
	p.CgroupVersion = v
	if f.nodeConfig != "" {
		data, err := os.ReadFile(f.nodeConfig)
		if err != nil {
			return p, fmt.Errorf("--node-config: %w", err)
		}
		kc, err := qos.ParseKubeletConfiguration(data)
		if err != nil {
			return p, fmt.Errorf("--node-config %s: %w", f.nodeConfig, err)
		}
		if err := p.ApplyKubeletConfiguration(kc); err != nil {
			return p, fmt.Errorf("--node-config %s: %w", f.nodeConfig, err)
		}
	}
	if changed("cgroup-driver") || f.nodeConfig == "" {
		switch f.cgroupDriver {
		case "cgroupfs", "systemd":
			p.Kubelet.CgroupDriver = qos.CgroupDriver(f.cgroupDriver)
		default:
			return p, fmt.Errorf("--cgroup-driver %q: want cgroupfs or systemd", f.cgroupDriver)
		}
	}
	if changed("cpu-manager-policy") {
		p.Kubelet.CPUManagerPolicy = f.cpuManager
	}
	if changed("pod-pids-limit") {
		p.Kubelet.PodPidsLimit = f.podPidsLimit
	}
	switch f.runtime {
	case "containerd", "crio", "cri-dockerd":
		p.Runtime.CRI = qos.CRIRuntime(f.runtime)
	case "cri-o":
		p.Runtime.CRI = qos.CRICRIO
	default:
		return p, fmt.Errorf("--runtime %q: want containerd, crio or cri-dockerd", f.runtime)
	}
	if p.Runtime.OCI, err = qos.ParseOCIRuntime(f.ociRuntime); err != nil {
		return p, fmt.Errorf("--oci-runtime: %w", err)
	}
	gates, err := qos.ParseFeatureGates(f.featureGates)
	if err != nil {
		return p, fmt.Errorf("--feature-gates: %w", err)
	}
	if len(gates) > 0 {
		if p.FeatureGates == nil {
			p.FeatureGates = map[string]bool{}
		}
		maps.Copy(p.FeatureGates, gates)
	}
	capacity, err := qos.ParseResourceList(f.nodeCapacity)
	if err != nil {
		return p, fmt.Errorf("--node-capacity: %w", err)
	}
	if err := mergeCapacity(p.Node.Capacity, capacity); err != nil {
		return p, fmt.Errorf("--node-capacity: %w", err)
	}
	p.Node.PageSize = f.pageSize
	p.Node.SwapAccounting = f.swapAccounting
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
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
