package cgroupfs

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
)

// Mode is how a host's cgroup hierarchies are arranged. Its string form is
// used in JSON.
type Mode string

const (
	// ModeUnified is pure cgroup v2: one tree, /sys/fs/cgroup is a cgroup2
	// mount.
	ModeUnified Mode = "unified"
	// ModeHybrid is cgroup v1 controllers, each mounted under
	// /sys/fs/cgroup/<controller>, plus a cgroup2 mount at
	// /sys/fs/cgroup/unified used by systemd for process tracking. Every
	// value the kubelet and the runtimes write is a v1 file.
	ModeHybrid Mode = "hybrid"
	// ModeLegacy is cgroup v1 without the unified mount.
	ModeLegacy Mode = "legacy"
)

// Version returns the cgroup version whose files hold the values in mode
// m: convert.CgroupV2 for ModeUnified, convert.CgroupV1 otherwise.
func (m Mode) Version() convert.CgroupVersion {
	if m == ModeUnified {
		return convert.CgroupV2
	}
	return convert.CgroupV1
}

func (m Mode) valid() bool {
	return m == ModeUnified || m == ModeHybrid || m == ModeLegacy
}

// Driver is the kubelet's cgroup driver, which decides how cgroup paths
// are named. Its string form is used in JSON.
type Driver string

const (
	// DriverCgroupfs names cgroups as plain directories: /kubepods/burstable/pod<uid>.
	DriverCgroupfs Driver = "cgroupfs"
	// DriverSystemd names cgroups as systemd slices and scopes:
	// /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice.
	DriverSystemd Driver = "systemd"
)

// ParseDriver parses "cgroupfs" or "systemd".
func ParseDriver(s string) (Driver, error) {
	switch d := Driver(s); d {
	case DriverCgroupfs, DriverSystemd:
		return d, nil
	}
	return "", fmt.Errorf("%q: want cgroupfs or systemd", s)
}

func (d Driver) valid() bool { return d == "" || d == DriverCgroupfs || d == DriverSystemd }

// v1Controllers are the cgroup v1 controller names the kernel knows; a
// top-level directory whose comma-separated name contains one of them is
// a v1 hierarchy.
var v1Controllers = []string{
	"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb", "memory",
	"misc", "net_cls", "net_prio", "perf_event", "pids", "rdma",
}

// valueControllers are the controllers whose files this package parses,
// in the order their directories are tried for listing the hierarchy.
var valueControllers = []string{"cpu", "memory", "pids", "cpuset", "hugetlb"}

// v2Controllers are the cgroup v2 controllers whose interface files exist
// only where the controller is enabled.
var v2Controllers = []string{"cpu", "cpuset", "hugetlb", "io", "memory", "misc", "pids", "rdma"}

func isV1Controller(name string) bool {
	_, ok := slices.BinarySearch(v1Controllers, name)
	return ok
}

// layout is where each controller's files are in a tree.
type layout struct {
	mode Mode
	// ctrl maps a controller to its directory relative to the tree root:
	// "cpu,cpuacct" or "memory" on v1, "." on v2 (only the controllers the
	// root's cgroup.controllers lists).
	ctrl map[string]string
	// list is the directory in which the hierarchy is listed: the first
	// of valueControllers that is available on v1, "." on v2.
	list string
	// lists are the directories in which pods and containers are looked
	// for: list, then on v1 the other directories of valueControllers
	// available, so that a cgroup left in any one of them is found.
	lists []string
	notes []string
}

// controllerOf returns the controller a file belongs to: the part of its
// name before the first dot ("cpu" for cpu.cfs_quota_us). Core files
// ("cgroup.procs", "tasks", "notify_on_release") return "".
func controllerOf(file string) string {
	c, _, ok := strings.Cut(file, ".")
	if !ok || c == "cgroup" {
		return ""
	}
	return c
}

// dirFor returns the directory holding file's controller, or a
// *NotSupportedError.
func (l *layout) dirFor(file string) (string, error) {
	c := controllerOf(file)
	if c == "" {
		return l.list, nil
	}
	if d, ok := l.ctrl[c]; ok {
		return d, nil
	}
	if l.mode == ModeUnified && !slices.Contains(v2Controllers, c) {
		// A v2 file of no known controller (an interface file such as
		// cpu.pressure of a future kernel): it is simply looked up.
		return ".", nil
	}
	return "", &NotSupportedError{Controller: c, Mode: l.mode}
}

func (l *layout) finish() error {
	if l.mode == ModeUnified {
		l.list, l.lists = ".", []string{"."}
		return nil
	}
	l.lists = nil
	for _, c := range valueControllers {
		if d, ok := l.ctrl[c]; ok && !slices.Contains(l.lists, d) {
			l.lists = append(l.lists, d)
		}
	}
	if len(l.lists) > 0 {
		l.list = l.lists[0]
		return nil
	}
	return fmt.Errorf("no cgroup v1 controller among %s in the tree", strings.Join(valueControllers, ", "))
}

// v1LayoutFromDirs maps each controller to the shortest of the directories
// whose comma-separated names list it, as the kubelet picks the shortest
// mount point of a controller mounted more than once. Ties go to the
// lexically smaller name.
func v1LayoutFromDirs(dirs []string) map[string]string {
	ctrl := map[string]string{}
	for _, d := range dirs {
		for part := range strings.SplitSeq(d[strings.LastIndexByte(d, '/')+1:], ",") {
			if !isV1Controller(part) {
				continue
			}
			if old, ok := ctrl[part]; !ok || len(d) < len(old) || (len(d) == len(old) && d < old) {
				ctrl[part] = d
			}
		}
	}
	return ctrl
}

// inferLayout decides the mode and the controller directories of a tree
// from what it holds: v1 controller directories at the top (hybrid when a
// "unified" directory sits next to them, legacy otherwise), or a cgroup
// v2 root (a cgroup.controllers file), or a single v1 hierarchy or v2
// tree recognised by its file names.
func inferLayout(root dir) (layout, error) {
	entries, err := root.list(listAll)
	if err != nil {
		return layout{}, fmt.Errorf("listing the tree root: %w", err)
	}
	var v1dirs []string
	hasUnified, hasControllers := false, false
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir() && name == "unified":
			hasUnified = true
		case e.IsDir() && slices.ContainsFunc(strings.Split(name, ","), isV1Controller):
			v1dirs = append(v1dirs, name)
		case e.Type().IsRegular() && name == "cgroup.controllers":
			hasControllers = true
		}
	}
	l := layout{}
	switch {
	case len(v1dirs) > 0:
		l.mode = ModeLegacy
		if hasUnified {
			l.mode = ModeHybrid
		}
		l.ctrl = v1LayoutFromDirs(v1dirs)
	case hasControllers:
		l.mode = ModeUnified
		l.ctrl, err = readV2Controllers(root)
		if err != nil {
			return layout{}, err
		}
	default:
		l, err = inferFromFiles(root, entries)
		if err != nil {
			return layout{}, err
		}
	}
	return l, l.finish()
}

// readV2Controllers reads the root's cgroup.controllers, as the kubelet
// intersects the controllers it wants with it.
func readV2Controllers(root dir) (map[string]string, error) {
	b, err := root.read("cgroup.controllers", nil)
	if err != nil {
		return nil, fmt.Errorf("reading the root's cgroup.controllers: %w", err)
	}
	ctrl := map[string]string{}
	for c := range strings.FieldsSeq(string(b)) {
		ctrl[c] = "."
	}
	return ctrl, nil
}

// inferFromFiles recognises a tree that is a single hierarchy without
// controller directories: a copy of one v1 controller's mount, or a cgroup
// v2 tree without its root files. It looks at the names of the files in
// the first directories of the tree, breadth first, until they tell the
// version.
func inferFromFiles(root dir, entries []fs.DirEntry) (layout, error) {
	var files []string
	v1, v2 := map[string]bool{}, false
	scan := func(es []fs.DirEntry) {
		for _, e := range es {
			if !e.Type().IsRegular() {
				continue
			}
			f := e.Name()
			files = append(files, f)
			switch {
			case f == "tasks" || f == "cpu.shares" || strings.HasSuffix(f, "_in_bytes") || strings.HasSuffix(f, "_us"):
				v1[controllerOf(f)] = true
			case f == "cpu.weight" || f == "cpu.max" || f == "memory.max" || f == "memory.oom.group" ||
				(strings.HasPrefix(f, "hugetlb.") && strings.HasSuffix(f, ".max")):
				v2 = true
			}
		}
	}
	scan(entries)
	queue := []string{}
	for _, e := range entries {
		if e.IsDir() {
			queue = append(queue, e.Name())
		}
	}
	for listed := 0; len(queue) > 0 && listed < 64 && len(v1) == 0 && !v2; listed++ {
		name := queue[0]
		queue = queue[1:]
		d, err := root.sub(name)
		if err != nil {
			continue
		}
		es, err := d.list(listAll)
		d.close()
		if err != nil {
			continue
		}
		scan(es)
		for _, e := range es {
			if e.IsDir() {
				queue = append(queue, name+"/"+e.Name())
			}
		}
	}
	switch {
	case len(v1) > 0 && !v2:
		l := layout{mode: ModeLegacy, ctrl: map[string]string{}}
		for _, f := range files {
			if c := controllerOf(f); slices.Contains(valueControllers, c) {
				l.ctrl[c] = "."
			}
		}
		l.notes = append(l.notes, "the tree is a single cgroup v1 hierarchy (no controller directories); every controller whose files it holds is read from its root")
		return l, nil
	case v2 && len(v1) == 0:
		l := layout{mode: ModeUnified, ctrl: map[string]string{}}
		for _, c := range valueControllers {
			l.ctrl[c] = "."
		}
		l.notes = append(l.notes, "the tree has no root cgroup.controllers; every controller is assumed enabled")
		return l, nil
	}
	return layout{}, errors.New("cannot tell the cgroup layout of the tree: no cgroup v1 controller directories (cpu, memory, ...), no cgroup v2 root (cgroup.controllers) and no cgroup files of one version near the top")
}
