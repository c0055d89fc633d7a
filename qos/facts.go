package qos

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
)

// Facts are what a node itself shows about its profile, each with where
// it came from: the cgroup tree (mode, driver, cgroupRoot, huge page
// sizes, swap accounting, the container cgroups' naming), the machine
// (read on the host, recorded in a snapshot or taken from the Node
// object), and what the Kubernetes API tells (the kubelet's version and
// configuration, the CRI runtime). ResolveProfile lays them over the
// defaults; an Override still wins. The zero value knows nothing.
type Facts struct {
	// TreeSource names where the tree facts come from ("tree",
	// "snapshot"); it is recorded as their source.
	TreeSource string
	// CgroupVersion is the tree's cgroup version; 0 when unknown.
	CgroupVersion convert.CgroupVersion
	// Mode is the tree's arrangement (unified, hybrid, legacy); empty
	// when unknown.
	Mode cgroupfs.Mode
	// Driver is the kubelet cgroup driver the naming shows; empty when
	// unknown.
	Driver cgroupfs.Driver
	// CgroupRoot is the kubelet's cgroupRoot as the kubepods path shows
	// it; empty when unknown.
	CgroupRoot string
	// PageSizeBytes is the host's base page size; 0 when unknown.
	PageSizeBytes int64
	// HugetlbKnown reports that the tree shows which huge page sizes
	// exist (HugePageSizes, nil for none).
	HugetlbKnown bool
	// HugePageSizes are the sizes of the hugetlb files seen, ascending.
	HugePageSizes []uint64
	// HugetlbRsvd and SwapAccounting are what the kubepods files show;
	// nil when the tree does not tell.
	HugetlbRsvd    *bool
	SwapAccounting *bool
	// CRI is the CRI runtime, from the container cgroup names or
	// CRISource; empty when unknown.
	CRI CRIRuntime
	// CRISource names where CRI came from when not from the tree.
	CRISource string

	// Machine is the machine's capacity, from MachineSource.
	Machine       *cgroupfs.MachineInfo
	MachineSource string

	// KubernetesVersion is the kubelet's minor version ("1.37") from
	// VersionSource; empty when unknown.
	KubernetesVersion string
	VersionSource     string
	// KubeletConfig is the kubelet's configuration (a
	// KubeletConfiguration or the /configz JSON) from KubeletSource;
	// nil when unknown.
	KubeletConfig []byte
	KubeletSource string

	// Guessed are inputs the caller took from a source that may not be
	// the kubelet's (a pid capacity from a pod's pid_max): values that
	// rest on them and differ are unverified, not drift. Check adds the
	// inputs nothing gives (capacity, a missing kubelet configuration).
	Guessed []Guess
}

// TreeFacts reads the facts a node read by cgroupfs shows (source names
// it: "tree" for a live tree, "snapshot" for an archive). The node must
// hold the kubepods files (huge page sizes and swap accounting are read
// there); pods and containers are looked at for their naming only.
func TreeFacts(n *cgroupfs.Node, source string) Facts {
	f := Facts{TreeSource: source}
	f.CgroupVersion = n.Mode.Version()
	f.Mode = n.Mode
	f.Driver = n.Driver
	f.CgroupRoot = n.CgroupRoot
	if n.PageSizeBytes != 0 && source == "snapshot" {
		f.PageSizeBytes = n.PageSizeBytes
	}
	if n.Kubepods != nil {
		_, hasHugetlb := n.Controllers["hugetlb"]
		f.HugetlbKnown = true
		rsvd := false
		for name, file := range n.Kubepods.Files {
			size, ok := strings.CutPrefix(name, "hugetlb.")
			if !ok || !hasHugetlb {
				continue
			}
			sizeName, rest, _ := strings.Cut(size, ".")
			if strings.HasPrefix(rest, "rsvd.") && file.Err == nil {
				rsvd = true
			}
			if b, err := convert.ParseHugePageSizeName(sizeName); err == nil && !slices.Contains(f.HugePageSizes, b) {
				f.HugePageSizes = append(f.HugePageSizes, b)
			}
		}
		slices.Sort(f.HugePageSizes)
		if len(f.HugePageSizes) > 0 {
			f.HugetlbRsvd = &rsvd
		}
		swapFile := "memory.swap.max"
		if f.CgroupVersion == convert.CgroupV1 {
			swapFile = "memory.memsw.limit_in_bytes"
		}
		if file, ok := n.Kubepods.Files[swapFile]; ok {
			acct := !errors.Is(file.Err, os.ErrNotExist) && !errors.Is(file.Err, cgroupfs.ErrNotSupported)
			f.SwapAccounting = &acct
		}
	}
	f.CRI = criFromNaming(n)
	return f
}

// criFromNaming tells the CRI runtime from the container cgroups' names:
// the naming most containers show.
func criFromNaming(n *cgroupfs.Node) CRIRuntime {
	counts := map[cgroupfs.Naming]int{}
	for _, p := range n.Pods {
		for _, c := range p.Containers {
			counts[c.Naming]++
		}
	}
	best, bestN := cgroupfs.Naming(""), 0
	for naming, k := range counts {
		if k > bestN || (k == bestN && naming < best) {
			best, bestN = naming, k
		}
	}
	switch {
	case strings.Contains(string(best), "crio"):
		return CRICRIO
	case strings.Contains(string(best), "docker"):
		return CRIDockerd
	}
	return ""
}

// MachineFromNode returns the machine facts of a Node object: CPUs,
// memory, huge page sizes (and swap, when the node reports it), which the
// kubelet fills from cAdvisor as it does the capacity it computes
// kubepods from. The pid capacity is the kubelet's own,
// min(pid_max, threads-max), when its /stats/summary gave it (maxPID > 0);
// otherwise what seen records (a snapshot pod's reading), where pid_max
// may be its pid namespace's (per namespace since Linux 6.14) rather than
// the host's. seen may be nil.
func MachineFromNode(n *corev1.Node, seen *cgroupfs.MachineInfo, maxPID int64) *cgroupfs.MachineInfo {
	m := &cgroupfs.MachineInfo{}
	capacity := n.Status.Capacity
	if q, ok := capacity[corev1.ResourceCPU]; ok {
		m.CPUs = int(q.Value())
	}
	if q, ok := capacity[corev1.ResourceMemory]; ok {
		m.MemoryBytes = q.Value()
	}
	for name := range capacity {
		if !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
			continue
		}
		if size, err := convert.ParseHugePageResourceName(string(name)); err == nil {
			m.HugePageSizes = append(m.HugePageSizes, size)
		}
	}
	slices.Sort(m.HugePageSizes)
	if s := n.Status.NodeInfo.Swap; s != nil && s.Capacity != nil {
		m.SwapBytes = *s.Capacity
	}
	if seen != nil {
		m.PIDMax, m.ThreadsMax = seen.PIDMax, seen.ThreadsMax
	}
	if maxPID > 0 {
		// The kubelet's min(pid_max, threads-max): threads-max (not
		// namespaced) stays as read, so the minimum is maxPID.
		m.PIDMax = maxPID
		if m.ThreadsMax != 0 && m.ThreadsMax < maxPID {
			m.ThreadsMax = maxPID
		}
	}
	return m
}

var kubeletVersionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)`)

// KubeletMinor returns the minor version of a Node's kubeletVersion
// ("v1.37.2" gives "1.37"). A version outside the modelled range gives the
// nearest modelled one and a note; one that is not a version gives "" and
// a note.
func KubeletMinor(v string) (string, *Note) {
	m := kubeletVersionRE.FindStringSubmatch(v)
	if m == nil {
		return "", &Note{Reason: ReasonKubeletVersionUnknown, Message: fmt.Sprintf("the node's kubeletVersion %q is not a version; the predictions follow the default 1.37 (give --kubernetes-version)", v)}
	}
	minor := m[1] + "." + m[2]
	if _, err := ParseKubernetesVersion(minor); err == nil {
		return minor, nil
	}
	n, _ := strconv.Atoi(m[2])
	near := "1.37"
	if m[1] == "1" && n < 30 {
		near = "1.30"
	}
	return near, &Note{Reason: ReasonKubeletVersionUnsupported, Message: fmt.Sprintf("the node's kubelet is %s; the predictions follow the nearest version modelled, %s (kubecgroups models 1.30 to 1.37)", v, near)}
}

// CRIFromRuntimeVersion reads the CRI runtime from a Node's
// containerRuntimeVersion ("containerd://1.6.20"); "" when it is none
// modelled. The OCI runtime under it is not visible there.
func CRIFromRuntimeVersion(v string) CRIRuntime {
	scheme, _, _ := strings.Cut(v, "://")
	switch scheme {
	case "containerd":
		return CRIContainerd
	case "cri-o", "crio":
		return CRICRIO
	case "docker":
		return CRIDockerd
	}
	return ""
}

// ParseMaxPID reads the kubelet's pid capacity, node.rlimit.maxpid, from
// the JSON of its /stats/summary (pkg/kubelet/apis/stats/v1alpha1,
// v1.37.2), for MachineFromNode. A summary without a positive maxpid is an
// error.
func ParseMaxPID(summary []byte) (int64, error) {
	var s struct {
		Node struct {
			Rlimit *struct {
				MaxPID *int64 `json:"maxpid"`
			} `json:"rlimit"`
		} `json:"node"`
	}
	switch err := json.Unmarshal(summary, &s); {
	case err != nil:
		return 0, fmt.Errorf("stats/summary: %w", err)
	case s.Node.Rlimit == nil || s.Node.Rlimit.MaxPID == nil || *s.Node.Rlimit.MaxPID <= 0:
		return 0, errors.New("stats/summary has no node.rlimit.maxpid")
	}
	return *s.Node.Rlimit.MaxPID, nil
}
