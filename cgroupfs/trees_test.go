package cgroupfs

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// shape is what a tree's hierarchy looks like, without values.
type shape struct {
	Mode       Mode
	Driver     Driver
	CgroupRoot string
	PageSize   int64
	Kubepods   string
	Burstable  string
	BestEffort string
	Pods       []string // "<tier> <uid> <path>"
	Containers []string // "<pod uid> <container id> <naming>[ leaf <path>]"
	Unknown    []string // "<path>: <reason>"
	Notes      []string
}

func shapeOf(n *Node) shape {
	s := shape{Mode: n.Mode, Driver: n.Driver, CgroupRoot: n.CgroupRoot, PageSize: n.PageSizeBytes, Kubepods: n.Kubepods.Path, Notes: n.Notes}
	if n.Burstable != nil {
		s.Burstable = n.Burstable.Path
	}
	if n.BestEffort != nil {
		s.BestEffort = n.BestEffort.Path
	}
	for _, p := range n.Pods {
		s.Pods = append(s.Pods, fmt.Sprintf("%s %s %s", p.Tier, p.UID, p.Path))
		for _, c := range p.Containers {
			line := fmt.Sprintf("%s %s %s", p.UID, c.ID, c.Naming)
			if c.LeafPath != "" {
				line += " leaf " + c.LeafPath
			}
			if !strings.HasPrefix(c.Path, p.Path+"/") {
				line += " BAD PATH " + c.Path
			}
			s.Containers = append(s.Containers, line)
		}
	}
	for _, u := range n.Unknown {
		s.Unknown = append(s.Unknown, u.Path+": "+u.Reason)
	}
	return s
}

// kubeletPods renders the three pods' paths with the kubelet's naming
// (pkg/kubelet/cm/cgroup_manager_linux.go: CgroupName.ToSystemd and
// ToCgroupfs, v1.37.2), independently of the code under test.
func kubeletPods(driver Driver, kubepods string) []string {
	if driver == DriverCgroupfs {
		return []string{
			"guaranteed " + uidG + " " + kubepods + "/pod" + uidG,
			"burstable " + uidB + " " + kubepods + "/burstable/pod" + uidB,
			"besteffort " + uidE + " " + kubepods + "/besteffort/pod" + uidE,
		}
	}
	unit := strings.TrimSuffix(kubepods[strings.LastIndex(kubepods, "/")+1:], ".slice")
	esc := func(u string) string { return strings.ReplaceAll(u, "-", "_") }
	return []string{
		"guaranteed " + uidG + " " + kubepods + "/" + unit + "-pod" + esc(uidG) + ".slice",
		"burstable " + uidB + " " + kubepods + "/" + unit + "-burstable.slice/" + unit + "-burstable-pod" + esc(uidB) + ".slice",
		"besteffort " + uidE + " " + kubepods + "/" + unit + "-besteffort.slice/" + unit + "-besteffort-pod" + esc(uidE) + ".slice",
	}
}

func containers(n Naming, uids ...string) []string {
	ids := map[string][]string{uidG: {idG, idGs}, uidB: {idB2, idB1, idBs}, uidE: {idE, idEs}}
	var out []string
	for _, u := range uids {
		for _, id := range ids[u] {
			out = append(out, u+" "+id+" "+string(n))
		}
	}
	return out
}

func tiers(driver Driver, kubepods string) (string, string) {
	if driver == DriverCgroupfs {
		return kubepods + "/burstable", kubepods + "/besteffort"
	}
	unit := strings.TrimSuffix(kubepods[strings.LastIndex(kubepods, "/")+1:], ".slice")
	return kubepods + "/" + unit + "-burstable.slice", kubepods + "/" + unit + "-besteffort.slice"
}

func standard(mode Mode, driver Driver, root, kubepods string, page int64, n Naming) shape {
	b, e := tiers(driver, kubepods)
	return shape{
		Mode: mode, Driver: driver, CgroupRoot: root, PageSize: page,
		Kubepods: kubepods, Burstable: b, BestEffort: e,
		Pods:       kubeletPods(driver, kubepods),
		Containers: containers(n, uidG, uidB, uidE),
	}
}

// TestTreeShapes reads every fake tree and checks the hierarchy found:
// mode, driver, cgroupRoot, tiers, pods with their QoS tier, containers
// with their naming, unknown entries and notes.
func TestTreeShapes(t *testing.T) {
	want := map[string]shape{
		"v1-cgroupfs": standard(ModeLegacy, DriverCgroupfs, "/", "/kubepods", 4096, NamingBare),
		"v1-systemd":  standard(ModeLegacy, DriverSystemd, "/", "/kubepods.slice", 4096, NamingContainerdScope),
		"hybrid": func() shape {
			s := standard(ModeHybrid, DriverCgroupfs, "/", "/kubepods", 4096, NamingBare)
			s.Notes = []string{"mode not recorded; inferred hybrid from the layout", "page size not recorded; assumed 4096 bytes"}
			return s
		}(),
		"comounted":   standard(ModeLegacy, DriverCgroupfs, "/", "/kubepods", 4096, NamingBare),
		"custom-root": standard(ModeLegacy, DriverCgroupfs, "/custom", "/custom/kubepods", 4096, NamingBare),
		"stray": func() shape {
			s := standard(ModeLegacy, DriverCgroupfs, "/", "/kubepods", 4096, NamingBare)
			s.BestEffort = ""
			s.Pods = s.Pods[:2]
			s.Containers = containers(NamingBare, uidG, uidB)
			pod := "/kubepods/burstable/pod" + uidB
			s.Unknown = []string{
				"/kubepods/burstable/not-a-pod: not a pod cgroup",
				pod + "/" + idB1 + "/nested: sub-cgroup of a container (not crun's container/ leaf)",
				pod + "/debug: not a container cgroup name",
				pod + "/f9b0078b5df5: not a container cgroup name",
				"/kubepods/podpodfoo: neither a QoS tier nor a pod cgroup",
				"/kubepods/stray: neither a QoS tier nor a pod cgroup",
			}
			s.Notes = []string{"no besteffort tier cgroup at /kubepods/besteffort"}
			return s
		}(),
		"v2-cgroupfs": standard(ModeUnified, DriverCgroupfs, "/", "/kubepods", 4096, NamingBare),
		"v2-systemd":  standard(ModeUnified, DriverSystemd, "/", "/kubepods.slice", 65536, NamingContainerdScope),
		"crio-conmon": standard(ModeUnified, DriverSystemd, "/", "/kubepods.slice", 4096, NamingCRIOScope),
		"crun-leaf": func() shape {
			s := standard(ModeUnified, DriverCgroupfs, "/", "/kubepods", 4096, NamingBare)
			for i, c := range s.Containers {
				if strings.Contains(c, idG) || strings.Contains(c, idB1) || strings.Contains(c, idB2) {
					uid, id, _ := strings.Cut(c, " ")
					id, _, _ = strings.Cut(id, " ")
					pod := "/kubepods/pod" + uid
					if uid == uidB {
						pod = "/kubepods/burstable/pod" + uid
					}
					s.Containers[i] += " leaf " + pod + "/" + id + "/container"
				}
			}
			return s
		}(),
		"kind": func() shape {
			s := standard(ModeUnified, DriverSystemd, "/kubelet", "/kubelet.slice/kubelet-kubepods.slice", 4096, NamingContainerdScope)
			s.Notes = []string{"the tree has no root cgroup.controllers; every controller is assumed enabled", "page size not recorded; assumed 4096 bytes"}
			return s
		}(),
		"garbage": standard(ModeUnified, DriverCgroupfs, "/", "/kubepods", 4096, NamingBare),
	}
	for _, name := range golden.TreeNames(t) {
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expected shape for tree %s: add one to this test", name)
			}
			n := readNode(t, openTree(t, name), NodeOptions{})
			if diff := cmp.Diff(w, shapeOf(n)); diff != "" {
				t.Errorf("shape (-want +got):\n%s", diff)
			}
		})
	}
}

// fileCheck is one expected file: its raw text, value and status.
type fileCheck struct {
	path, file string
	raw        string
	value      any
	status     string
}

func checkFiles(t *testing.T, n *Node, checks []fileCheck) {
	t.Helper()
	cgroups := map[string]*Cgroup{n.Kubepods.Path: n.Kubepods}
	for _, cg := range []*Cgroup{n.Burstable, n.BestEffort} {
		if cg != nil {
			cgroups[cg.Path] = cg
		}
	}
	for i := range n.Pods {
		p := &n.Pods[i]
		cgroups[p.Path] = &p.Cgroup
		for j := range p.Containers {
			cgroups[p.Containers[j].Path] = &p.Containers[j].Cgroup
		}
	}
	for _, c := range checks {
		cg, ok := cgroups[c.path]
		if !ok {
			t.Errorf("no cgroup %s", c.path)
			continue
		}
		f, ok := cg.Files[c.file]
		if !ok {
			t.Errorf("%s: %s not read", c.path, c.file)
			continue
		}
		status := c.status
		if status == "" {
			status = "ok"
		}
		if f.Status() != status || (status == "ok" || status == "invalid") && f.Raw != c.raw {
			t.Errorf("%s %s: status %s raw %q (%v), want %s %q", c.path, c.file, f.Status(), f.Raw, f.Err, status, c.raw)
		}
		if diff := cmp.Diff(c.value, f.Value); diff != "" {
			t.Errorf("%s %s: value (-want +got):\n%s", c.path, c.file, diff)
		}
	}
}

// TestTreeValues checks values, typed values and per-file statuses of
// files at every level of several trees.
func TestTreeValues(t *testing.T) {
	const unl = "9223372036854771712"
	cpus01, _ := convert.ParseCPUSet("0-1")
	cpus0, _ := convert.ParseCPUSet("0")
	gPod := "/kubepods/pod" + uidG
	bPod := "/kubepods/burstable/pod" + uidB
	tests := map[string][]fileCheck{
		"v1-cgroupfs": {
			{"/kubepods", "cpu.shares", "1843", uint64(1843), ""},
			{"/kubepods", "memory.limit_in_bytes", "3663728640", int64(3663728640), ""},
			{"/kubepods", "pids.max", "32768", int64(32768), ""},
			{"/kubepods", "cpuset.cpus", "0-1", cpus01, ""},
			{"/kubepods", "cpuset.mems", "0", cpus0, ""},
			{"/kubepods", "hugetlb.2MB.limit_in_bytes", "4611686018427387904", int64(1 << 62), ""},
			{"/kubepods", "hugetlb.2MB.rsvd.limit_in_bytes", "4611686018427387904", int64(1 << 62), ""},
			{"/kubepods/burstable", "cpu.shares", "563", uint64(563), ""},
			{"/kubepods/burstable", "memory.limit_in_bytes", unl, int64(9223372036854771712), ""},
			{"/kubepods/besteffort", "cpu.shares", "2", uint64(2), ""},
			{gPod, "cpu.cfs_quota_us", "50000", int64(50000), ""},
			{gPod, "cpu.cfs_period_us", "100000", uint64(100000), ""},
			{gPod, "hugetlb.2MB.limit_in_bytes", "0", int64(0), ""},
			{gPod + "/" + idG, "memory.limit_in_bytes", "134217728", int64(134217728), ""},
			{gPod + "/" + idG, "memory.memsw.limit_in_bytes", "134217728", int64(134217728), ""},
			{bPod, "cpu.cfs_quota_us", "-1", int64(-1), ""},
			{bPod + "/" + idB1, "cpu.cfs_quota_us", "100000", int64(100000), ""},
			{bPod + "/" + idB2, "pids.max", "max", int64(-1), ""},
		},
		"v1-systemd": {
			{"/kubepods.slice", "cpu.shares", "1843", uint64(1843), ""},
			{"/kubepods.slice", "memory.memsw.limit_in_bytes", "", nil, "missing"},
		},
		"comounted": {
			{"/kubepods", "cpu.shares", "1843", uint64(1843), ""},
			{gPod + "/" + idG, "cpu.cfs_quota_us", "50000", int64(50000), ""},
		},
		"v2-cgroupfs": {
			{"/kubepods", "cpu.weight", "71", uint64(71), ""},
			{"/kubepods", "cpu.max", "max 100000", convert.CPUMax{QuotaMicros: -1, PeriodMicros: 100000}, ""},
			{"/kubepods", "memory.max", "3663728640", int64(3663728640), ""},
			{"/kubepods", "memory.min", "0", int64(0), ""},
			{"/kubepods", "memory.high", "max", int64(-1), ""},
			{"/kubepods", "hugetlb.2MB.max", "4611686018427387904", int64(1 << 62), ""},
			{"/kubepods", "hugetlb.2MB.rsvd.max", "4611686018427387904", int64(1 << 62), ""},
			{"/kubepods/burstable", "cpu.weight", "22", uint64(22), ""},
			{gPod, "cpu.weight", "20", uint64(20), ""},
			{gPod, "cpu.max", "50000 100000", convert.CPUMax{QuotaMicros: 50000, PeriodMicros: 100000}, ""},
			{gPod, "memory.oom.group", "0", false, ""},
			{gPod + "/" + idG, "cpu.weight", "59", uint64(59), ""},
			{gPod + "/" + idG, "memory.oom.group", "1", true, ""},
			{gPod + "/" + idG, "memory.swap.max", "0", int64(0), ""},
			{gPod + "/" + idG, "cpuset.cpus", "", convert.CPUSet(nil), ""},
			{bPod + "/" + idB1, "cpu.max", "100000 100000", convert.CPUMax{QuotaMicros: 100000, PeriodMicros: 100000}, ""},
			{bPod + "/" + idB2, "memory.max", "max", int64(-1), ""},
		},
		"garbage": {
			{gPod, "cpu.weight", "abc", nil, "invalid"},
			{gPod, "cpu.max", "50000", nil, "invalid"},
			{gPod, "memory.max", "-5", nil, "invalid"},
			{gPod, "pids.max", "lots", nil, "invalid"},
			{gPod, "memory.min", "0", int64(0), ""},
			{gPod + "/" + idG, "cpuset.cpus", "3-1", nil, "invalid"},
			{gPod + "/" + idG, "memory.oom.group", "2", nil, "invalid"},
			{gPod + "/" + idG, "cpu.weight", "0", nil, "invalid"},
			{gPod + "/" + idG, "hugetlb.2MB.max", "18446744073709551616", nil, "invalid"},
			{bPod, "memory.high", "", nil, "missing"},
			{"/kubepods/burstable", "cpu.weight", "22 ", nil, "invalid"},
		},
	}
	for name, checks := range tests {
		t.Run(name, func(t *testing.T) {
			checkFiles(t, readNode(t, openTree(t, name), NodeOptions{}), checks)
		})
	}
}

// TestVersionFiles checks that each tree is read with its version's file
// names, including the hugetlb files of every page size found.
func TestVersionFiles(t *testing.T) {
	tests := []struct {
		tree string
		want []string
	}{
		{"v1-cgroupfs", []string{"cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares", "cpuset.cpus", "cpuset.mems", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "pids.max", "hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.rsvd.limit_in_bytes"}},
		{"hybrid", DefaultFiles(convert.CgroupV1)},
		{"v2-systemd", append(DefaultFiles(convert.CgroupV2), "hugetlb.2MB.max", "hugetlb.1GB.max")},
		{"v2-cgroupfs", append(DefaultFiles(convert.CgroupV2), "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max")},
	}
	for _, tt := range tests {
		n := readNode(t, openTree(t, tt.tree), NodeOptions{})
		for _, cg := range []*Cgroup{n.Kubepods, &n.Pods[0].Cgroup, &n.Pods[0].Containers[0].Cgroup} {
			var got []string
			for name := range cg.Files {
				got = append(got, name)
			}
			if diff := cmp.Diff(tt.want, got, cmpSortStrings); diff != "" {
				t.Errorf("%s %s: files (-want +got):\n%s", tt.tree, cg.Path, diff)
			}
		}
	}
}

var cmpSortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// TestErrors checks the error types: a typed not-supported error distinct
// from a missing file, and parse errors naming the cgroup, the file and
// the bad text, wrapping convert's sentinels.
func TestErrors(t *testing.T) {
	v1s := openTree(t, "v1-systemd") // no hugetlb mount, no swap accounting
	f := v1s.ReadFile("/kubepods.slice", "hugetlb.2MB.limit_in_bytes")
	var nse *NotSupportedError
	if !errors.Is(f.Err, ErrNotSupported) || !errors.As(f.Err, &nse) || nse.Controller != "hugetlb" || errors.Is(f.Err, fs.ErrNotExist) {
		t.Errorf("hugetlb on a host without the controller: %v, want a *NotSupportedError for hugetlb", f.Err)
	}
	f = v1s.ReadFile("/kubepods.slice", "memory.memsw.limit_in_bytes")
	if !errors.Is(f.Err, fs.ErrNotExist) || errors.Is(f.Err, ErrNotSupported) || f.Status() != "missing" {
		t.Errorf("missing memsw: %v (%s), want fs.ErrNotExist", f.Err, f.Status())
	}
	f = v1s.ReadFile("/kubepods.slice", "cpu.shares")
	if f.Err != nil || f.Raw != "1843" || f.Value != uint64(1843) {
		t.Errorf("cpu.shares: %+v", f)
	}

	g := openTree(t, "garbage")
	gPod := "/kubepods/pod" + uidG
	for _, tt := range []struct {
		file, text string
		sentinel   error
	}{
		{"cpu.weight", "abc", convert.ErrSyntax},
		{"memory.max", "-5", convert.ErrSyntax},
		{"pids.max", "lots", convert.ErrSyntax},
	} {
		f := g.ReadFile(gPod, tt.file)
		var pe *ParseError
		if !errors.As(f.Err, &pe) || pe.Path != gPod || pe.File != tt.file {
			t.Errorf("%s: %v, want a *ParseError for %s %s", tt.file, f.Err, gPod, tt.file)
			continue
		}
		if !errors.Is(f.Err, tt.sentinel) {
			t.Errorf("%s: %v does not wrap %v", tt.file, f.Err, tt.sentinel)
		}
		var ve *convert.ValueError
		if !errors.As(f.Err, &ve) || !strings.Contains(f.Err.Error(), fmt.Sprintf("%q", tt.text)) || !strings.Contains(f.Err.Error(), gPod) {
			t.Errorf("%s: message %q should name the cgroup and quote the text", tt.file, f.Err)
		}
	}
	f = g.ReadFile(gPod+"/"+idG, "cpu.weight")
	if !errors.Is(f.Err, convert.ErrRange) {
		t.Errorf("cpu.weight 0: %v, want ErrRange", f.Err)
	}

	for _, bad := range []struct{ path, file string }{
		{"kubepods", "cpu.shares"}, {"/kubepods/../etc", "passwd"}, {"/kubepods/", "cpu.shares"},
		{"/kubepods", "../cpu.shares"}, {"/kubepods", ""}, {"/kubepods", "a/b"},
	} {
		if f := g.ReadFile(bad.path, bad.file); !errors.Is(f.Err, fs.ErrInvalid) {
			t.Errorf("ReadFile(%q, %q): %v, want fs.ErrInvalid", bad.path, bad.file, f.Err)
		}
	}
}

// TestLookups checks reading one pod by UID and one container by ID, and
// the lookups on a Node.
func TestLookups(t *testing.T) {
	for _, tree := range []string{"v1-cgroupfs", "v2-systemd", "crio-conmon", "kind"} {
		t.Run(tree, func(t *testing.T) {
			fsys := openTree(t, tree)
			full := readNode(t, fsys, NodeOptions{})
			for _, uid := range []string{uidG, uidB, uidE} {
				p, err := fsys.Pod(uid, NodeOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(full.Pod(uid), p); diff != "" {
					t.Errorf("Pod(%s) (-whole node +alone):\n%s", uid, diff)
				}
			}
			for _, id := range []string{idG, idB1, idEs} {
				c, err := fsys.Container(id, NodeOptions{})
				if err != nil {
					t.Fatal(err)
				}
				_, want := full.Container(id)
				if diff := cmp.Diff(want, c); diff != "" {
					t.Errorf("Container(%s) (-whole node +alone):\n%s", id, diff)
				}
			}
			n := readNode(t, fsys, NodeOptions{PodUID: uidB})
			if len(n.Pods) != 1 || n.Burstable == nil || n.Kubepods == nil {
				t.Errorf("PodUID filter: %d pods", len(n.Pods))
			}
			if _, err := fsys.Pod("00000000-0000-0000-0000-000000000000", NodeOptions{}); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("absent pod: %v", err)
			}
			if _, err := fsys.Container(strings.Repeat("0", 64), NodeOptions{}); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("absent container: %v", err)
			}
			if full.Pod("nope") != nil {
				t.Error("Node.Pod of an absent UID")
			}
			if p, c := full.Container(idB2); p == nil || c == nil || p.UID != uidB {
				t.Error("Node.Container did not find the container's pod")
			}
		})
	}
}

// TestNodeOptions checks explicit drivers and cgroup roots, and their
// errors.
func TestNodeOptions(t *testing.T) {
	tests := []struct {
		tree    string
		opts    NodeOptions
		want    string // kubepods path, or an error substring
		wantErr bool
	}{
		{"custom-root", NodeOptions{CgroupRoot: "/custom"}, "/custom/kubepods", false},
		{"custom-root", NodeOptions{CgroupRoot: "/custom", Driver: DriverCgroupfs}, "/custom/kubepods", false},
		{"custom-root", NodeOptions{Driver: DriverCgroupfs}, "/custom/kubepods", false},
		{"custom-root", NodeOptions{CgroupRoot: "/"}, "no kubepods cgroup for cgroupRoot /", true},
		{"custom-root", NodeOptions{Driver: DriverSystemd}, "no kubepods.slice cgroup", true},
		{"custom-root", NodeOptions{CgroupRoot: "/custom", Driver: DriverSystemd}, "/custom.slice/custom-kubepods.slice", true},
		{"kind", NodeOptions{CgroupRoot: "/kubelet"}, "/kubelet.slice/kubelet-kubepods.slice", false},
		{"kind", NodeOptions{CgroupRoot: "/kubelet.slice"}, "/kubelet.slice/kubelet-kubepods.slice", false},
		{"kind", NodeOptions{CgroupRoot: "/kubelet", Driver: DriverCgroupfs}, "no kubepods cgroup", true},
		{"v1-systemd", NodeOptions{Driver: DriverSystemd}, "/kubepods.slice", false},
		{"v1-systemd", NodeOptions{Driver: "docker"}, `unknown cgroup driver "docker"`, true},
		{"v1-systemd", NodeOptions{CgroupRoot: "custom"}, "not an absolute", true},
		{"v1-systemd", NodeOptions{PodUID: "a/b"}, "pod UID", true},
		{"v1-systemd", NodeOptions{Files: map[Level][]string{LevelPod: {"../x"}}}, "not a plain file name", true},
	}
	for _, tt := range tests {
		n, err := openTree(t, tt.tree).Node(tt.opts)
		switch {
		case tt.wantErr && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s %+v: error %v, want one containing %q", tt.tree, tt.opts, err, tt.want)
		case !tt.wantErr && err != nil:
			t.Errorf("%s %+v: %v", tt.tree, tt.opts, err)
		case !tt.wantErr && n.Kubepods.Path != tt.want:
			t.Errorf("%s %+v: kubepods %s, want %s", tt.tree, tt.opts, n.Kubepods.Path, tt.want)
		}
	}
}

// TestFilesOption checks that NodeOptions.Files chooses the files per
// level.
func TestFilesOption(t *testing.T) {
	n := readNode(t, openTree(t, "v2-cgroupfs"), NodeOptions{Files: map[Level][]string{
		LevelPod:       {"cpu.weight"},
		LevelContainer: {"memory.oom.group", "memory.stat"},
		LevelBurstable: {},
	}})
	if len(n.Kubepods.Files) != len(DefaultFiles(convert.CgroupV2))+2 {
		t.Errorf("kubepods read %d files, want the defaults", len(n.Kubepods.Files))
	}
	if len(n.Burstable.Files) != 0 || len(n.Pods[0].Files) != 1 || len(n.Pods[0].Containers[0].Files) != 2 {
		t.Errorf("files read: burstable %d, pod %d, container %d", len(n.Burstable.Files), len(n.Pods[0].Files), len(n.Pods[0].Containers[0].Files))
	}
	if f := n.Pods[0].Containers[0].Files["memory.stat"]; f.Status() != "missing" {
		t.Errorf("memory.stat: %s", f.Status())
	}
}
