package cgroupfs

import "iter"

// Node is what a node's Kubernetes cgroups hold: the hierarchy found in a
// tree and the files read at every level. It is plain data; encoded as
// JSON it is the body of the `kubectl-cgroups inspect -o json` document
// (see the package documentation for the contract).
type Node struct {
	// Mode is the tree's cgroup mode.
	Mode Mode `json:"mode"`
	// Driver is the kubelet cgroup driver the naming shows (or the one
	// asked for).
	Driver Driver `json:"driver"`
	// CgroupRoot is the kubelet's cgroupRoot setting, in cgroupfs form
	// ("/" or "/custom"), as given or as the kubepods name implies.
	CgroupRoot string `json:"cgroupRoot"`
	// PageSizeBytes is the host's base page size (recorded in snapshots).
	PageSizeBytes int64 `json:"pageSizeBytes"`
	// Controllers maps each available controller to its directory
	// relative to the tree root: the chosen v1 mount ("cpu,cpuacct"), or
	// "." on cgroup v2. A controller that is not listed is not supported.
	Controllers map[string]string `json:"controllers"`
	// Kubepods is the node-allocatable cgroup.
	Kubepods *Cgroup `json:"kubepods"`
	// Burstable is the burstable QoS tier cgroup; nil when missing.
	Burstable *Cgroup `json:"burstable"`
	// BestEffort is the besteffort QoS tier cgroup; nil when missing.
	BestEffort *Cgroup `json:"besteffort"`
	// Pods are the pod cgroups, Guaranteed first, then Burstable, then
	// BestEffort, each by UID.
	Pods []Pod `json:"pods"`
	// Unknown are directories the naming does not explain, and symbolic
	// links or files where a pod or container cgroup should be, by path.
	Unknown []Entry `json:"unknown,omitempty"`
	// Gone are pods and containers that vanished while they were read.
	Gone []Entry `json:"gone,omitempty"`
	// Notes say how the tree was interpreted where that was not certain
	// (an inferred mode, a default page size, other kubepods found).
	Notes []string `json:"notes,omitempty"`
}

// Cgroups yields every cgroup of the node that was found: kubepods, the
// burstable and besteffort tiers, then each pod followed by its
// containers, in the order of Pods and Containers.
func (n *Node) Cgroups() iter.Seq[*Cgroup] {
	return func(yield func(*Cgroup) bool) {
		for _, cg := range []*Cgroup{n.Kubepods, n.Burstable, n.BestEffort} {
			if cg != nil && !yield(cg) {
				return
			}
		}
		for i := range n.Pods {
			if !yield(&n.Pods[i].Cgroup) {
				return
			}
			for j := range n.Pods[i].Containers {
				if !yield(&n.Pods[i].Containers[j].Cgroup) {
					return
				}
			}
		}
	}
}

// Cgroup is one cgroup: its path and the files read from it.
type Cgroup struct {
	// Path is the kubelet's path of the cgroup within its hierarchy,
	// the same for every v1 controller: "/kubepods/burstable".
	Path string `json:"path"`
	// Files are the files read, by name. A file that could not be read or
	// parsed is present with its error.
	Files map[string]File `json:"files"`
}

// Pod is a pod cgroup and its containers.
type Pod struct {
	// UID is the pod's UID, parsed from the directory name.
	UID string `json:"uid"`
	// Tier is the QoS tier the directory sits in.
	Tier Tier `json:"qosTier"`
	Cgroup
	// Containers are the container (and sandbox) cgroups, by ID.
	Containers []Container `json:"containers"`
}

// Container is a container or sandbox cgroup (the two are named alike).
type Container struct {
	// ID is the bare container ID, without the runtime's prefix and
	// suffix.
	ID string `json:"id"`
	// Naming is the runtime's naming scheme of the directory.
	Naming Naming `json:"naming"`
	Cgroup
	// LeafPath is the path of crun's "container" sub-cgroup, when there is
	// one; the values that matter are in the container cgroup itself.
	LeafPath string `json:"leafPath,omitempty"`
}

// Entry is a directory that is not a Kubernetes cgroup (in Node.Unknown)
// or a pod or container that vanished while it was read (in Node.Gone).
type Entry struct {
	// Path is the cgroup path of the directory.
	Path string `json:"path"`
	// Level is what a gone entry was: LevelPod or LevelContainer.
	Level Level `json:"level,omitempty"`
	// PodUID is the UID of a gone pod, or of a gone container's pod.
	PodUID string `json:"podUID,omitempty"`
	// ContainerID is the bare ID of a gone container.
	ContainerID string `json:"containerID,omitempty"`
	// Reason says why an unknown entry is not understood.
	Reason string `json:"reason,omitempty"`
}

// Pod returns the pod with the given UID, or nil.
func (n *Node) Pod(uid string) *Pod {
	for i := range n.Pods {
		if n.Pods[i].UID == uid {
			return &n.Pods[i]
		}
	}
	return nil
}

// Container returns the container with the given bare ID and its pod, or
// nils.
func (n *Node) Container(id string) (*Pod, *Container) {
	for i := range n.Pods {
		if c := n.Pods[i].Container(id); c != nil {
			return &n.Pods[i], c
		}
	}
	return nil, nil
}

// Container returns the pod's container with the given bare ID, or nil.
func (p *Pod) Container(id string) *Container {
	for i := range p.Containers {
		if p.Containers[i].ID == id {
			return &p.Containers[i]
		}
	}
	return nil
}
