package cgroupfs

import (
	"path"
	"strings"
)

// Tier is the QoS tier a pod cgroup sits in, read from where its directory
// is: directly under kubepods (guaranteed), under the burstable tier or
// under the besteffort tier. Its string form is used in JSON.
type Tier string

const (
	// TierGuaranteed is a pod directly under kubepods.
	TierGuaranteed Tier = "guaranteed"
	// TierBurstable is a pod under the burstable tier cgroup.
	TierBurstable Tier = "burstable"
	// TierBestEffort is a pod under the besteffort tier cgroup.
	TierBestEffort Tier = "besteffort"
)

func (t Tier) order() int {
	switch t {
	case TierGuaranteed:
		return 0
	case TierBurstable:
		return 1
	}
	return 2
}

// Level is the kind of a cgroup in the Kubernetes hierarchy. The values
// are the ones the expectation side (package qos) uses.
type Level string

const (
	// LevelKubepods is the node-allocatable cgroup (kubepods, kubepods.slice).
	LevelKubepods Level = "kubepods"
	// LevelBurstable is the burstable QoS tier cgroup.
	LevelBurstable Level = "burstable"
	// LevelBestEffort is the besteffort QoS tier cgroup.
	LevelBestEffort Level = "besteffort"
	// LevelPod is a pod cgroup.
	LevelPod Level = "pod"
	// LevelContainer is a container (or sandbox) cgroup.
	LevelContainer Level = "container"
)

// Naming is how a container runtime named a container cgroup. Its string
// form is used in JSON.
type Naming string

const (
	// NamingBare is "<id>": containerd or cri-dockerd with the cgroupfs
	// driver.
	NamingBare Naming = "bare"
	// NamingContainerdScope is "cri-containerd-<id>.scope": containerd
	// with the systemd driver.
	NamingContainerdScope Naming = "cri-containerd-scope"
	// NamingCRIO is "crio-<id>": CRI-O with the cgroupfs driver.
	NamingCRIO Naming = "crio"
	// NamingCRIOScope is "crio-<id>.scope": CRI-O with the systemd driver.
	NamingCRIOScope Naming = "crio-scope"
	// NamingDockerScope is "docker-<id>.scope": cri-dockerd (dockerd)
	// with the systemd driver.
	NamingDockerScope Naming = "docker-scope"
)

// crunLeaf is the sub-cgroup crun creates inside a container cgroup; the
// values that matter stay in the container cgroup.
const crunLeaf = "container"

// escapeSystemd turns a name component into its systemd slice form: the
// kubelet replaces "-" by "_" (and "-" separates the components).
func escapeSystemd(s string) string { return strings.ReplaceAll(s, "-", "_") }

func unescapeSystemd(s string) string { return strings.ReplaceAll(s, "_", "-") }

// systemdSlicePath renders name components as nested systemd slices:
// [a b c] gives "/a.slice/a-b.slice/a-b-c.slice"; none gives "/".
func systemdSlicePath(components []string) string {
	if len(components) == 0 {
		return "/"
	}
	var b strings.Builder
	unit := ""
	for i, c := range components {
		if i > 0 {
			unit += "-"
		}
		unit += escapeSystemd(c)
		b.WriteString("/" + unit + ".slice")
	}
	return b.String()
}

// sliceComponents parses a systemd slice name back into the kubelet's name
// components: "a-b_c.slice" gives [a b-c]; "-.slice" gives none.
func sliceComponents(name string) []string {
	base := strings.TrimSuffix(name, ".slice")
	if base == "-" || base == "" {
		return nil
	}
	parts := strings.Split(base, "-")
	for i, p := range parts {
		parts[i] = unescapeSystemd(p)
	}
	return parts
}

// rootComponents returns the name components of a cgroupRoot setting,
// given in cgroupfs form ("/a/b") or systemd form ("/a.slice/a-b.slice").
func rootComponents(root string) []string {
	if root == "/" || root == "" {
		return nil
	}
	if base := path.Base(root); strings.HasSuffix(base, ".slice") {
		return sliceComponents(base)
	}
	return strings.Split(strings.Trim(root, "/"), "/")
}

// validUID reports whether s can be a pod UID: letters, digits and dashes
// (RFC 4122 UUIDs for API pods, 32 hex digits for static pods).
func validUID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// podUIDFromName returns the pod UID of a pod cgroup directory name, the
// way the kubelet recognises pods (pkg/kubelet/cm/pod_container_manager_linux.go:
// IsPodCgroup, GetAllPodsFromCgroups, v1.37.2): the last name component (for a
// systemd slice, the part after the last "-", with "_" turned back into
// "-") starts with "pod" and splitting it on "pod" gives exactly two
// parts; the UID is the second. Both "pod<uid>" and
// "kubepods-burstable-pod<uid_with_underscores>.slice" are accepted.
func podUIDFromName(name string) (string, bool) {
	last := name
	if strings.HasSuffix(name, ".slice") {
		comps := sliceComponents(name)
		if len(comps) == 0 {
			return "", false
		}
		last = comps[len(comps)-1]
	}
	if !strings.HasPrefix(last, "pod") || strings.Count(last, "pod") != 1 {
		return "", false
	}
	uid := last[len("pod"):]
	if !validUID(uid) {
		return "", false
	}
	return uid, true
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// containerIDLen is the length of the container IDs containerd, CRI-O and
// dockerd generate (64 hex digits).
const containerIDLen = 64

// containerFromName recognises a container cgroup directory name and
// returns the bare container ID and the naming scheme. conmon reports
// CRI-O's conmon cgroups ("crio-conmon-<id>[.scope]"), which are not
// containers.
func containerFromName(name string) (id string, naming Naming, conmon bool) {
	if rest, ok := strings.CutPrefix(name, "crio-conmon-"); ok {
		rest = strings.TrimSuffix(rest, ".scope")
		return "", "", isHex(rest)
	}
	if scope, ok := strings.CutSuffix(name, ".scope"); ok {
		for _, p := range []struct {
			prefix string
			naming Naming
		}{{"cri-containerd-", NamingContainerdScope}, {"crio-", NamingCRIOScope}, {"docker-", NamingDockerScope}} {
			if id, ok := strings.CutPrefix(scope, p.prefix); ok && isHex(id) && len(id) <= containerIDLen {
				return id, p.naming, false
			}
		}
		return "", "", false
	}
	if id, ok := strings.CutPrefix(name, "crio-"); ok && isHex(id) && len(id) <= containerIDLen {
		return id, NamingCRIO, false
	}
	if len(name) == containerIDLen && isHex(name) {
		return name, NamingBare, false
	}
	return "", "", false
}

// ParseContainerDir reads a container cgroup directory name as the
// runtimes write it ("<id>", "cri-containerd-<id>.scope", "crio-<id>",
// "crio-<id>.scope", "docker-<id>.scope") and returns the container ID
// and the naming; ok is false for any other name.
func ParseContainerDir(name string) (id string, naming Naming, ok bool) {
	id, naming, _ = containerFromName(name)
	return id, naming, id != ""
}

// containerDirName renders a container cgroup directory name.
func containerDirName(id string, n Naming) string {
	switch n {
	case NamingContainerdScope:
		return "cri-containerd-" + id + ".scope"
	case NamingCRIO:
		return "crio-" + id
	case NamingCRIOScope:
		return "crio-" + id + ".scope"
	case NamingDockerScope:
		return "docker-" + id + ".scope"
	}
	return id
}

// hierarchy is the naming of one kubepods cgroup found in a tree.
type hierarchy struct {
	driver Driver
	// kubepods is the path of the node-allocatable cgroup.
	kubepods string
	// cgroupRoot is the kubelet's cgroupRoot setting, in cgroupfs form.
	cgroupRoot string
	// unit is the systemd unit prefix of kubepods ("kubepods",
	// "custom-kubepods"); empty for cgroupfs.
	unit string
}

func newHierarchy(kubepods string, cgroupRoot string) hierarchy {
	base := path.Base(kubepods)
	if base == "kubepods" {
		if cgroupRoot == "" {
			cgroupRoot = path.Dir(kubepods)
		}
		return hierarchy{driver: DriverCgroupfs, kubepods: kubepods, cgroupRoot: cgroupRoot}
	}
	unit := strings.TrimSuffix(base, ".slice")
	if cgroupRoot == "" {
		cgroupRoot = "/"
		if comps := sliceComponents(base); len(comps) > 1 {
			cgroupRoot += strings.Join(comps[:len(comps)-1], "/")
		}
	}
	return hierarchy{driver: DriverSystemd, kubepods: kubepods, cgroupRoot: cgroupRoot, unit: unit}
}

// tierName returns the directory name of a QoS tier below kubepods.
func (h hierarchy) tierName(t Tier) string {
	if h.driver == DriverSystemd {
		return h.unit + "-" + string(t) + ".slice"
	}
	return string(t)
}

// tierPath returns the path of the cgroup holding pods of tier t.
func (h hierarchy) tierPath(t Tier) string {
	if t == TierGuaranteed {
		return h.kubepods
	}
	return h.kubepods + "/" + h.tierName(t)
}

// podName returns the directory name the kubelet gives a pod of tier t.
func (h hierarchy) podName(t Tier, uid string) string {
	if h.driver == DriverSystemd {
		unit := h.unit
		if t != TierGuaranteed {
			unit += "-" + string(t)
		}
		return unit + "-pod" + escapeSystemd(uid) + ".slice"
	}
	return "pod" + uid
}

// kubepodsCandidates returns the paths where kubepods may be for a
// cgroupRoot setting and driver ("" for both): the kubelet's rendering,
// then a kubepods.slice directly below a literal root (a systemd-driven
// kubelet seen from outside its cgroup namespace). The systemd forms are
// left out for a root deeper than MaxSystemdRootDepth, whose rendering
// would grow with the square of its depth.
func kubepodsCandidates(root string, d Driver) []string {
	var out []string
	if d != DriverSystemd {
		out = append(out, path.Join(root, "kubepods"))
	}
	if comps := rootComponents(root); d != DriverCgroupfs && len(comps) <= MaxSystemdRootDepth {
		out = append(out, systemdSlicePath(append(comps, "kubepods")))
		if lit := path.Join(root, "kubepods.slice"); lit != out[len(out)-1] {
			out = append(out, lit)
		}
		if base := path.Base(root); strings.HasSuffix(base, ".slice") && base != "-.slice" {
			if lit := path.Join(root, strings.TrimSuffix(base, ".slice")+"-kubepods.slice"); !containsString(out, lit) {
				out = append(out, lit)
			}
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isKubepodsName reports whether name, in a directory named parent, is a
// kubepods cgroup: "kubepods" (cgroupfs), "kubepods.slice", or
// "<p>-kubepods.slice" inside "<p>.slice" (systemd with a cgroupRoot).
func isKubepodsName(name, parent string) (Driver, bool) {
	switch {
	case name == "kubepods":
		return DriverCgroupfs, true
	case name == "kubepods.slice":
		return DriverSystemd, true
	case strings.HasSuffix(name, "-kubepods.slice") && parent == strings.TrimSuffix(name, "-kubepods.slice")+".slice":
		return DriverSystemd, true
	}
	return "", false
}

// PathInfo is what a cgroup path says about itself under the kubelet's
// and the runtimes' naming; see ParsePath.
type PathInfo struct {
	// Driver is the naming of the kubepods element.
	Driver Driver
	// Kubepods is the path of the kubepods cgroup within the path.
	Kubepods string
	// Level is the deepest Kubernetes level the path reaches; a path
	// below a container cgroup (crun's container/ leaf, the workload's own
	// sub-cgroups) is LevelContainer.
	Level Level
	// Tier is the QoS tier of the pod, when the path reaches a pod.
	Tier Tier
	// PodUID is the pod's UID, when the path reaches a pod.
	PodUID string
	// ContainerID is the bare container ID, when the path reaches a
	// container.
	ContainerID string
	// Naming is the container cgroup's naming scheme.
	Naming Naming
}

// ParsePath tells where a cgroup path, such as a line of
// /proc/<pid>/cgroup or a path from a kernel log, sits in the Kubernetes
// hierarchy: it finds the kubepods element (any cgroupRoot prefix is
// allowed), then a QoS tier, a pod and a container, as far as the path
// goes. It reports false when the path is not under a kubepods cgroup or
// an element below kubepods is not what the kubelet or a runtime would
// name it.
func ParsePath(p string) (PathInfo, bool) {
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") {
		return PathInfo{}, false
	}
	elems := strings.Split(strings.TrimSuffix(p[1:], "/"), "/")
	k := -1
	var info PathInfo
	for i, e := range elems {
		parent := ""
		if i > 0 {
			parent = elems[i-1]
		}
		if d, ok := isKubepodsName(e, parent); ok {
			k, info.Driver = i, d
			break
		}
	}
	if k < 0 {
		return PathInfo{}, false
	}
	info.Kubepods = "/" + strings.Join(elems[:k+1], "/")
	info.Level = LevelKubepods
	h := newHierarchy(info.Kubepods, "")
	rest := elems[k+1:]
	if len(rest) == 0 {
		return info, true
	}
	info.Tier = TierGuaranteed
	for _, t := range []Tier{TierBurstable, TierBestEffort} {
		if rest[0] == h.tierName(t) {
			info.Tier = t
			info.Level = Level(t)
			rest = rest[1:]
			break
		}
	}
	if len(rest) == 0 {
		info.Tier = ""
		return info, true
	}
	uid, ok := podUIDFromName(rest[0])
	if !ok {
		return PathInfo{}, false
	}
	info.PodUID, info.Level = uid, LevelPod
	if len(rest) == 1 {
		return info, true
	}
	id, naming, _ := containerFromName(rest[1])
	if id == "" {
		return PathInfo{}, false
	}
	info.ContainerID, info.Naming, info.Level = id, naming, LevelContainer
	return info, true
}
