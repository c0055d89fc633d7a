package nodegen

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
)

// Layout is a cgroup version and a kubelet cgroup driver.
type Layout struct {
	Version convert.CgroupVersion
	Driver  cgroupfs.Driver
}

// String returns "v1-cgroupfs", "v2-systemd", ...
func (l Layout) String() string { return fmt.Sprintf("v%d-%s", l.Version, l.Driver) }

// Layouts returns the four layouts: v1 and v2, each with both drivers.
func Layouts() []Layout {
	return []Layout{
		{convert.CgroupV1, cgroupfs.DriverCgroupfs}, {convert.CgroupV1, cgroupfs.DriverSystemd},
		{convert.CgroupV2, cgroupfs.DriverCgroupfs}, {convert.CgroupV2, cgroupfs.DriverSystemd},
	}
}

// Mode is the cgroupfs mode of a generated tree: hybrid (v1 controllers
// plus an empty unified/ mount, as on systemd hosts) or unified.
func (l Layout) Mode() cgroupfs.Mode {
	if l.Version == convert.CgroupV2 {
		return cgroupfs.ModeUnified
	}
	return cgroupfs.ModeHybrid
}

// Options describe the node to generate.
type Options struct {
	// Pods is the number of pods.
	Pods int
	// Layout is the cgroup version and driver; the zero value is v2 with
	// the cgroupfs driver.
	Layout Layout
	// CgroupRoot is the kubelet's cgroupRoot, "/" when empty. Trees
	// created on the real kernel need a unique one (see CreateV1).
	CgroupRoot string
	// CPUs and MemoryBytes are the machine's capacity; 0 means 8 CPUs and
	// 32 GiB (qos.DefaultMachine). On the real kernel CPUs must not exceed
	// the host's, since kubepods' cpuset.cpus lists them.
	CPUs        int
	MemoryBytes int64
	// NoHugePages leaves out huge page sizes (a host without a hugetlb
	// controller); by default the host has 2 MiB and 1 GiB pages.
	NoHugePages bool
	// Seed varies the pods' names, IDs and resources; the same seed gives
	// the same node.
	Seed uint64
}

// CapturedAt is the time generated nodes are read at: their snapshots'
// capture time. Every pod started well before it, so no QoS tier value
// lags.
var CapturedAt = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// Node is a generated node: its pods, its profile, what qos.Expect
// predicts for them, and the cgroup tree that holds those values.
type Node struct {
	Options Options
	// Pods are the pods as the API server stores them (defaulted, with
	// status.qosClass and container statuses).
	Pods []*corev1.Pod
	// Profile is the node profile the tree was generated with.
	Profile qos.Profile
	// Expectation is qos.Expect(Pods, Profile).
	Expectation *qos.Expectation
	// Cgroups are every cgroup of the tree, parents first.
	Cgroups []Cgroup
	// SandboxIDs maps pod UIDs to their sandbox's container ID.
	SandboxIDs map[string]string
}

// Cgroup is one cgroup of a generated tree.
type Cgroup struct {
	// Path is the cgroup's path within its hierarchy ("/kubepods/burstable").
	Path string
	// Files maps the files the reader reads (cgroupfs.DefaultFiles plus
	// the hugetlb limits) to their values, without the trailing newline.
	Files map[string]string
	// Set lists the files whose value the kubelet or the runtime wrote
	// (qos.Expect predicts them); the others hold the kernel's default.
	Set []string
}

// Generate builds a node.
func Generate(opts Options) (*Node, error) {
	if opts.Pods < 0 {
		return nil, fmt.Errorf("nodegen: %d pods", opts.Pods)
	}
	if opts.Layout.Version == 0 {
		opts.Layout.Version = convert.CgroupV2
	}
	if opts.Layout.Driver == "" {
		opts.Layout.Driver = cgroupfs.DriverCgroupfs
	}
	if opts.CgroupRoot == "" {
		opts.CgroupRoot = "/"
	}
	n := &Node{Options: opts, Profile: profile(opts)}
	classOpts, err := n.Profile.ClassOptions()
	if err != nil {
		return nil, fmt.Errorf("nodegen: %w", err)
	}
	n.Pods = make([]*corev1.Pod, opts.Pods)
	n.SandboxIDs = make(map[string]string, opts.Pods)
	for i := range n.Pods {
		n.Pods[i] = genPod(opts.Seed, i, classOpts)
		n.SandboxIDs[string(n.Pods[i].UID)] = hexID(opts.Seed, string(n.Pods[i].UID), "sandbox")
	}
	if n.Expectation, err = qos.Expect(n.Pods, n.Profile); err != nil {
		return nil, fmt.Errorf("nodegen: %w", err)
	}
	if err := n.buildTree(); err != nil {
		return nil, fmt.Errorf("nodegen: %w", err)
	}
	return n, nil
}

// MustGenerate is Generate for tests and benchmarks; it panics on error.
func MustGenerate(opts Options) *Node {
	n, err := Generate(opts)
	if err != nil {
		panic(err)
	}
	return n
}

// profile is a stock v1.37 kubelet with containerd and runc 1.4 on the
// options' machine and layout.
func profile(opts Options) qos.Profile {
	p := qos.DefaultProfile()
	p.CgroupVersion = opts.Layout.Version
	p.Kubelet.CgroupDriver = opts.Layout.Driver
	p.Kubelet.CgroupRoot = opts.CgroupRoot
	capacity := p.Machine.Capacity
	if opts.CPUs > 0 {
		capacity[corev1.ResourceCPU] = *resource.NewQuantity(int64(opts.CPUs), resource.DecimalSI)
	}
	if opts.MemoryBytes > 0 {
		capacity[corev1.ResourceMemory] = *resource.NewQuantity(opts.MemoryBytes, resource.BinarySI)
	}
	if opts.NoHugePages {
		for _, k := range []corev1.ResourceName{"hugepages-2Mi", "hugepages-1Gi"} {
			delete(capacity, k)
		}
	}
	return p
}

// Machine returns the machine facts a capturing tool would record for the
// node, so that a snapshot of it resolves to the same profile.
func (n *Node) Machine() *cgroupfs.MachineInfo {
	c := n.Profile.Machine.Capacity
	m := &cgroupfs.MachineInfo{
		CPUs:        int(c.Cpu().Value()),
		MemoryBytes: c.Memory().Value(),
	}
	if q, ok := c["pid"]; ok {
		m.PIDMax, m.ThreadsMax = q.Value(), q.Value()
	}
	if q, ok := c["swap"]; ok {
		m.SwapBytes = q.Value()
	}
	m.HugePageSizes = n.hugePageSizes()
	return m
}

// hugePageSizes returns the huge page sizes of the profile, ascending.
func (n *Node) hugePageSizes() []uint64 {
	var out []uint64
	for k := range n.Profile.Machine.Capacity {
		if size, err := convert.ParseHugePageResourceName(string(k)); err == nil {
			out = append(out, size)
		}
	}
	slices.Sort(out)
	return out
}

// PodsJSON returns the pods as `kubectl get pods -o json` prints them: a
// List of Pods.
func (n *Node) PodsJSON() ([]byte, error) {
	items := make([]corev1.Pod, len(n.Pods))
	for i, p := range n.Pods {
		items[i] = *p
	}
	return json.MarshalIndent(struct {
		APIVersion string       `json:"apiVersion"`
		Kind       string       `json:"kind"`
		Items      []corev1.Pod `json:"items"`
	}{"v1", "List", items}, "", "  ")
}

// Rebind gives Pods[i] the UID uids[i] (the one an API server assigned
// when the pod was created there) and rebuilds the expectation and the
// tree, so that the tree holds the cgroups of exactly those pods.
func (n *Node) Rebind(uids []types.UID) error {
	if len(uids) != len(n.Pods) {
		return fmt.Errorf("nodegen: %d UIDs for %d pods", len(uids), len(n.Pods))
	}
	sandboxes := make(map[string]string, len(n.Pods))
	for i, p := range n.Pods {
		sandboxes[string(uids[i])] = n.SandboxIDs[string(p.UID)]
		p.UID = uids[i]
	}
	n.SandboxIDs = sandboxes
	var err error
	if n.Expectation, err = qos.Expect(n.Pods, n.Profile); err != nil {
		return fmt.Errorf("nodegen: %w", err)
	}
	n.Cgroups = nil
	if err := n.buildTree(); err != nil {
		return fmt.Errorf("nodegen: %w", err)
	}
	return nil
}
