package qos

import (
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	corev1 "k8s.io/api/core/v1"
)

// cgroupName is the kubelet's internal name: a list of components
// (CgroupName in pkg/kubelet/cm/cgroup_manager_linux.go, v1.37.2).
type cgroupName []string

// parseCgroupfsName splits a cgroupfs-form path into components; "/"
// gives none.
func parseCgroupfsName(p string) cgroupName {
	var out cgroupName
	for c := range strings.SplitSeq(strings.Trim(p, "/"), "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

func (n cgroupName) add(c ...string) cgroupName {
	out := make(cgroupName, 0, len(n)+len(c))
	return append(append(out, n...), c...)
}

// render returns the path for a driver (CgroupName.ToCgroupfs and
// ToSystemd in pkg/kubelet/cm/cgroup_manager_linux.go, v1.37.2).
func (n cgroupName) render(d cgroupfs.Driver) string {
	if len(n) == 0 {
		return "/"
	}
	if d != cgroupfs.DriverSystemd {
		return "/" + strings.Join(n, "/")
	}
	var b strings.Builder
	var prefix string
	for i, c := range n {
		c = strings.ReplaceAll(c, "-", "_")
		if i == 0 {
			prefix = c
		} else {
			prefix += "-" + c
		}
		b.WriteString("/" + prefix + ".slice")
	}
	return b.String()
}

// nodeAllocatableName is the kubepods cgroup: cgroupRoot plus "kubepods".
func (e *env) nodeAllocatableName() cgroupName {
	return parseCgroupfsName(e.p.Kubelet.CgroupRoot).add("kubepods")
}

// qosName is the parent of pods of a class.
func (e *env) qosName(class corev1.PodQOSClass) cgroupName {
	root := e.nodeAllocatableName()
	switch class {
	case corev1.PodQOSBurstable:
		return root.add("burstable")
	case corev1.PodQOSBestEffort:
		return root.add("besteffort")
	}
	return root
}

// podPath returns the pod cgroup's path.
func (e *env) podPath(class corev1.PodQOSClass, uid string) string {
	return e.qosName(class).add("pod" + uid).render(e.driver)
}

// containerPath returns a container's (or the sandbox's) cgroup path
// under the pod cgroup, as the CRI runtime names it (containerd
// getCgroupsPath, CRI-O internal/config/cgmgr ContainerCgroupPath,
// cri-dockerd core/docker_service.go GenerateExpectedCgroupParent).
func (e *env) containerPath(podPath, id string) string {
	if e.driver == cgroupfs.DriverSystemd {
		switch e.p.Runtime.CRI {
		case CRICRIO:
			return podPath + "/crio-" + id + ".scope"
		case CRIDockerd:
			return podPath + "/docker-" + id + ".scope"
		}
		return podPath + "/cri-containerd-" + id + ".scope"
	}
	if e.p.Runtime.CRI == CRICRIO {
		return podPath + "/crio-" + id
	}
	return podPath + "/" + id
}

// bareContainerID strips the "containerd://" scheme of a status ID.
func bareContainerID(id string) string {
	if _, after, ok := strings.Cut(id, "://"); ok {
		return after
	}
	return id
}
