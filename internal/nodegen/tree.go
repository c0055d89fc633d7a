package nodegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	"golang.org/x/tools/txtar"
)

// V1Dirs maps each cgroup v1 controller of a generated tree to its
// directory: cpu and cpuacct co-mounted, as on most distributions.
var V1Dirs = map[string]string{
	"cpu":     "cpu,cpuacct",
	"cpuset":  "cpuset",
	"hugetlb": "hugetlb",
	"memory":  "memory",
	"pids":    "pids",
}

// V2Controllers is the root cgroup.controllers of a generated v2 tree.
const V2Controllers = "cpuset cpu io memory hugetlb pids rdma misc"

// Files that every cgroup directory holds besides those the reader reads,
// so that listing a generated directory costs what listing a real one does.
// On v1 they are in the cpu,cpuacct directory (the one the reader lists).
var (
	extrasV1 = []string{
		"cgroup.clone_children", "cgroup.procs", "cpu.cfs_burst_us", "cpu.idle", "cpu.stat",
		"cpuacct.stat", "cpuacct.usage", "cpuacct.usage_all", "cpuacct.usage_percpu",
		"notify_on_release", "tasks",
	}
	extrasV2 = []string{
		"cgroup.controllers", "cgroup.events", "cgroup.freeze", "cgroup.kill", "cgroup.max.depth",
		"cgroup.max.descendants", "cgroup.pressure", "cgroup.procs", "cgroup.stat",
		"cgroup.subtree_control", "cgroup.threads", "cgroup.type", "cpu.idle", "cpu.max.burst",
		"cpu.pressure", "cpu.stat", "cpu.weight.nice", "cpuset.cpus.effective",
		"cpuset.cpus.partition", "cpuset.mems.effective", "io.max", "io.pressure", "io.stat",
		"io.weight", "memory.current", "memory.events", "memory.events.local", "memory.numa_stat",
		"memory.peak", "memory.pressure", "memory.reclaim", "memory.stat", "memory.swap.current",
		"memory.swap.events", "pids.current", "pids.events", "pids.peak",
	}
)

// buildTree lays out the expectation as cgroups: node levels, then each
// pod's pod, sandbox and container cgroups; files the expectation predicts
// get their first accepted value, the others the kernel's default.
func (n *Node) buildTree() error {
	v := n.Profile.CgroupVersion
	names := cgroupfs.DefaultFiles(v)
	for _, size := range n.hugePageSizes() {
		sn, err := convert.HugePageSizeName(size)
		if err != nil {
			return err
		}
		names = append(names, convert.HugetlbLimitFile(sn, v))
		if n.Profile.Machine.HugetlbRsvd {
			names = append(names, convert.HugetlbRsvdLimitFile(sn, v))
		}
	}
	cpus := fmt.Sprintf("0-%d", n.Profile.Machine.Capacity.Cpu().Value()-1)
	if n.Profile.Machine.Capacity.Cpu().Value() == 1 {
		cpus = "0"
	}
	parent := map[string]string{"cpuset.cpus": cpus, "cpuset.mems": "0"}
	byPath := map[string]map[string]string{}
	add := func(p string, ec *qos.ExpectedCgroup) {
		files := make(map[string]string, len(names)+len(ec.Files))
		par := parent
		if pp, ok := byPath[path.Dir(p)]; ok {
			par = pp
		}
		for _, name := range names {
			files[name] = defaultValue(name, v, n.Profile.Machine.PageSize, par)
		}
		set := make([]string, 0, len(ec.Files))
		for name, f := range ec.Files {
			if len(f.Accept) == 0 {
				continue
			}
			files[name] = f.Accept[0]
			set = append(set, name)
		}
		slices.Sort(set)
		byPath[p] = files
		n.Cgroups = append(n.Cgroups, Cgroup{Path: p, Files: files, Set: set})
	}
	for i := range n.Expectation.Node {
		add(n.Expectation.Node[i].Path, &n.Expectation.Node[i])
	}
	for i := range n.Expectation.Pods {
		pe := &n.Expectation.Pods[i]
		for j := range pe.Cgroups {
			ec := &pe.Cgroups[j]
			p := ec.Path
			if ec.ContainerType == qos.ContainerSandbox {
				p = strings.Replace(p, "<sandbox>", n.SandboxIDs[pe.UID], 1)
			}
			if strings.Contains(p, "<") {
				return fmt.Errorf("pod %s/%s: cgroup path %s has a placeholder", pe.Namespace, pe.Name, p)
			}
			add(p, ec)
		}
	}
	return nil
}

// defaultValue is what a file reads when nobody wrote it: the kernel's
// default, or for v1 cpusets the parent's value (which runc copies).
func defaultValue(name string, v convert.CgroupVersion, pageSize int64, parent map[string]string) string {
	if sn, ok := strings.CutPrefix(name, "hugetlb."); ok {
		sn, _, _ = strings.Cut(sn, ".")
		size, err := convert.ParseHugePageSizeName(sn)
		if err != nil {
			return "max"
		}
		return convert.HugetlbUnlimited(size, v, pageSize)
	}
	if v == convert.CgroupV2 {
		switch name {
		case "cpu.weight":
			return "100"
		case "cpu.max":
			return "max 100000"
		case "memory.min", "memory.low", "memory.oom.group":
			return "0"
		case "cpuset.cpus", "cpuset.mems":
			return ""
		}
		return "max"
	}
	switch name {
	case "cpu.shares":
		return "1024"
	case "cpu.cfs_quota_us":
		return "-1"
	case "cpu.cfs_period_us":
		return "100000"
	case "memory.limit_in_bytes", "memory.memsw.limit_in_bytes":
		return strconv.FormatInt(convert.V1Unlimited(pageSize), 10)
	case "cpuset.cpus", "cpuset.mems":
		return parent[name]
	}
	return "max"
}

// kubepodsPath returns the path of the kubepods cgroup.
func (n *Node) kubepodsPath() string { return n.Cgroups[0].Path }

// treeFiles calls fn with every directory (ending in "/") and file of the
// tree, as paths relative to the tree root, and the file's content with
// its trailing newline; directories come before what they hold. extras
// adds the files the reader never reads (empty), as a real directory has
// them.
func (n *Node) treeFiles(extras bool, fn func(name string, data []byte)) {
	v := n.Profile.CgroupVersion
	// The cgroupRoot's own directories, above kubepods.
	var above []string
	for d := path.Dir(n.kubepodsPath()); d != "/"; d = path.Dir(d) {
		above = append(above, d)
	}
	slices.Reverse(above)
	if v == convert.CgroupV2 {
		fn("cgroup.controllers", []byte(V2Controllers+"\n"))
		for _, d := range above {
			fn(d[1:]+"/", nil)
		}
		for _, cg := range n.Cgroups {
			rel := cg.Path[1:]
			fn(rel+"/", nil)
			for _, name := range sortedKeys(cg.Files) {
				fn(rel+"/"+name, []byte(cg.Files[name]+"\n"))
			}
			for _, name := range extrasV2 {
				if _, ok := cg.Files[name]; extras && !ok {
					fn(rel+"/"+name, nil)
				}
			}
		}
		return
	}
	fn("unified/", nil)
	ctrls := sortedKeys(V1Dirs)
	for _, c := range ctrls {
		fn(V1Dirs[c]+"/", nil)
		for _, d := range above {
			fn(V1Dirs[c]+d+"/", nil)
		}
	}
	for _, cg := range n.Cgroups {
		for _, c := range ctrls {
			dir := V1Dirs[c] + cg.Path
			fn(dir+"/", nil)
			for _, name := range sortedKeys(cg.Files) {
				if controllerOf(name) == c {
					fn(dir+"/"+name, []byte(cg.Files[name]+"\n"))
				}
			}
			if c == "cpu" && extras {
				for _, name := range extrasV1 {
					fn(dir+"/"+name, nil)
				}
			}
		}
	}
}

func controllerOf(file string) string {
	c, _, _ := strings.Cut(file, ".")
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Info returns the snapshot metadata of the tree, as a capture on the
// generated node would record it.
func (n *Node) Info() cgroupfs.SnapshotInfo {
	info := cgroupfs.SnapshotInfo{
		Mode: n.Options.Layout.Mode(), CapturedAt: CapturedAt, PageSizeBytes: n.Profile.Machine.PageSize,
		Hostname: "node-1", ToolVersion: "nodegen", Driver: cgroupfs.Driver(n.Profile.Kubelet.CgroupDriver),
		CgroupRoot: n.Profile.Kubelet.CgroupRoot, KubepodsPath: n.kubepodsPath(),
		Description: fmt.Sprintf("generated node: %d pods, %s", len(n.Pods), n.Options.Layout),
		Machine:     n.Machine(),
	}
	if n.Profile.CgroupVersion == convert.CgroupV2 {
		info.Controllers = map[string]string{}
		for c := range strings.FieldsSeq(V2Controllers) {
			info.Controllers[c] = "."
		}
	} else {
		info.Controllers = V1Dirs
	}
	return info
}

// Txtar returns the tree as a txtar snapshot (cgroupfs.ReadSnapshot reads
// it): the files the reader reads, and the directories, as a capture
// holds them.
func (n *Node) Txtar() []byte {
	ar := &txtar.Archive{}
	info := n.Info()
	desc := info.Description
	info.Description = ""
	meta, err := json.Marshal(struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		cgroupfs.SnapshotInfo
	}{cgroupfs.APIVersion, "CgroupSnapshot", info})
	if err != nil {
		panic(err) // plain data
	}
	ar.Comment = []byte(desc + "\nkubecgroups-snapshot: " + string(meta) + "\n")
	hasFiles := map[string]bool{}
	n.treeFiles(false, func(name string, data []byte) {
		if !strings.HasSuffix(name, "/") {
			for d := path.Dir(name); d != "."; d = path.Dir(d) {
				hasFiles[d] = true
			}
		}
	})
	n.treeFiles(false, func(name string, data []byte) {
		if strings.HasSuffix(name, "/") && hasFiles[strings.TrimSuffix(name, "/")] {
			return // implied by its files
		}
		ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
	})
	return txtar.Format(ar)
}

// Snapshot returns the tree in memory, read by cgroupfs exactly like a
// live tree (Snapshot.FS).
func (n *Node) Snapshot() (*cgroupfs.Snapshot, error) {
	return cgroupfs.ReadSnapshot(bytes.NewReader(n.Txtar()), cgroupfs.SnapshotLimits{})
}

// FS returns the tree in memory opened for reading (Snapshot, then
// Snapshot.FS).
func (n *Node) FS() (*cgroupfs.FS, error) {
	s, err := n.Snapshot()
	if err != nil {
		return nil, err
	}
	return s.FS()
}

// TarGz returns the tree as a .tar.gz snapshot, as `kubectl-cgroups
// snapshot` writes it: only the files the reader reads, plus the
// metadata.
func (n *Node) TarGz() ([]byte, error) {
	fsys, err := n.FS()
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	capt, err := cgroupfs.Capture(fsys, cgroupfs.CaptureOptions{
		CapturedAt: CapturedAt, Hostname: "node-1", ToolVersion: "nodegen",
		Description: n.Info().Description, Machine: n.Machine(),
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := capt.WriteTarGz(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteDir writes the tree into dir (which must exist and should be empty),
// laid out as /sys/fs/cgroup, with two writers. cgroupfs.NewFS(dir) reads it
// by its layout.
func (n *Node) WriteDir(dir string) error {
	type job struct {
		name string
		data []byte
	}
	var files []job
	var dirs []string
	n.treeFiles(true, func(name string, data []byte) {
		if strings.HasSuffix(name, "/") {
			dirs = append(dirs, filepath.Join(dir, filepath.FromSlash(name)))
			return
		}
		files = append(files, job{filepath.Join(dir, filepath.FromSlash(name)), data})
	})
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	workers := min(runtime.GOMAXPROCS(0), 4)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(files); i += workers {
				if err := os.WriteFile(files[i].name, files[i].data, 0o644); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
