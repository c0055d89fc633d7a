//go:build linux

package cgroupfs

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	cgroups "github.com/containerd/cgroups/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/internal/cgtest"
	"github.com/kubecgroups/kubecgroups/internal/testutil"
	"golang.org/x/sys/unix"
)

// realCgroup is a cgroup the real-kernel tests create: a path below the
// test's cgroupRoot and the values written to it.
type realCgroup struct {
	path   string
	values map[string]string
}

// buildReal creates the cgroups (parents first) in every given v1
// controller mount below root, and writes their values to the controller
// each file belongs to. New v1 cpuset cgroups start with empty cpus and
// mems; each gets its parent's.
func buildReal(t *testing.T, mounts map[string]string, root string, cgs []realCgroup) {
	t.Helper()
	for _, cg := range cgs {
		for _, ctrl := range slices.Sorted(maps.Keys(mounts)) {
			dir := filepath.Join(mounts[ctrl], root, cg.path)
			cgtest.Mkdir(t, dir)
			if ctrl == "cpuset" {
				for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
					cgtest.Write(t, filepath.Join(dir, f), cgtest.Read(t, filepath.Join(filepath.Dir(dir), f)))
				}
			}
		}
		for _, file := range slices.Sorted(maps.Keys(cg.values)) {
			if mnt, ok := mounts[controllerOf(file)]; ok {
				cgtest.Write(t, filepath.Join(mnt, root, cg.path, file), cg.values[file])
			}
		}
	}
}

// realMounts returns the writable v1 mounts of cpu, memory and pids
// (skipping the test without them) and cpuset when it is there.
func realMounts(t *testing.T) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, c := range []string{"cpu", "memory", "pids"} {
		m[c] = cgtest.V1Controller(t, c)
	}
	if dir, reason := cgtest.LookupV1Controller("cpuset"); dir != "" {
		m["cpuset"] = dir
	} else {
		t.Logf("without cpuset: %s", reason)
	}
	return m
}

// checkAgainstKernel compares every file the live reader read with what
// the kernel shows in that file of its controller's mount.
func checkAgainstKernel(t *testing.T, fsys *FS, n *Node) int {
	t.Helper()
	checked := 0
	check := func(cg *Cgroup) {
		for name, f := range cg.Files {
			dir, ok := fsys.Controllers()[controllerOf(name)]
			if !ok {
				if !errors.Is(f.Err, ErrNotSupported) {
					t.Errorf("%s %s: %v, want not supported", cg.Path, name, f.Err)
				}
				continue
			}
			kernel := filepath.Join(cgtest.Mount, dir, cg.Path, name)
			b, err := os.ReadFile(kernel)
			if err != nil {
				if f.Err == nil {
					t.Errorf("%s: the kernel says %v, the reader read %q", kernel, err, f.Raw)
				}
				continue
			}
			if f.Err != nil || f.Raw != strings.TrimSuffix(string(b), "\n") {
				t.Errorf("%s: reader %q (%v), kernel %q", kernel, f.Raw, f.Err, b)
			}
			checked++
		}
	}
	for cg := range n.Cgroups() {
		check(cg)
	}
	return checked
}

// TestRealKernelCgroupfs builds a kubepods-shaped hierarchy of throwaway
// cgroups (cgroupfs naming, below a unique cgroupRoot) in the writable v1
// controllers, writes values, and checks that a live read of
// /sys/fs/cgroup finds every pod and container and reads what the
// kernel shows, including the kernel's own rounding and clamping. It
// then captures the hierarchy, and also archives a cp -r style copy, and
// checks that both snapshots read the same.
func TestRealKernelCgroupfs(t *testing.T) {
	mounts := realMounts(t)
	name := cgtest.UniqueName(t, "cgroupfs")
	root := "/" + name
	const (
		g = "3c0b3a43-7a0e-4a0b-9b7e-1f2a3b4c5d6e"
		b = "6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f"
		e = "0123abcd-4567-4ef0-89ab-cdef01234567"
	)
	gc, gs, b1, b2, ec := testutil.HexID("g/app"), testutil.HexID("g/sandbox"), testutil.HexID("b/limited"), testutil.HexID("b/crun"), testutil.HexID("e/app")
	v := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cgs := []realCgroup{
		{"", nil},
		{"kubepods", v("cpu.shares", "1843", "memory.limit_in_bytes", "3663728640", "pids.max", "32768")},
		{"kubepods/burstable", v("cpu.shares", "563")},
		{"kubepods/besteffort", v("cpu.shares", "2")},
		{"kubepods/pod" + g, v("cpu.shares", "512", "cpu.cfs_quota_us", "50000", "memory.limit_in_bytes", "134217728")},
		{"kubepods/pod" + g + "/" + gc, v("cpu.shares", "512", "cpu.cfs_quota_us", "50000", "memory.limit_in_bytes", "134217728")},
		{"kubepods/pod" + g + "/" + gs, v("cpu.shares", "2")},
		// 100M is not a multiple of the page size: the kernel rounds down.
		{"kubepods/burstable/pod" + b, v("cpu.shares", "256", "memory.limit_in_bytes", "100000000")},
		{"kubepods/burstable/pod" + b + "/" + b1, v("cpu.shares", "256", "cpu.cfs_quota_us", "100000", "memory.limit_in_bytes", "268435456", "pids.max", "100")},
		// 1 share is clamped to 2 by the kernel.
		{"kubepods/burstable/pod" + b + "/" + b2, v("cpu.shares", "1")},
		{"kubepods/burstable/pod" + b + "/" + b2 + "/container", nil},
		{"kubepods/besteffort/pod" + e, v("cpu.shares", "2")},
		{"kubepods/besteffort/pod" + e + "/" + ec, v("cpu.shares", "2")},
		{"kubepods/stray", nil},
	}
	buildReal(t, mounts, root, cgs)

	fsys := openDefault(t)
	opts := NodeOptions{CgroupRoot: root}
	n := readNode(t, fsys, opts)
	got := shapeOf(n)
	want := shape{
		Mode: fsys.Mode(), Driver: DriverCgroupfs, CgroupRoot: root, PageSize: int64(os.Getpagesize()),
		Kubepods: root + "/kubepods", Burstable: root + "/kubepods/burstable", BestEffort: root + "/kubepods/besteffort",
		Pods: []string{
			"guaranteed " + g + " " + root + "/kubepods/pod" + g,
			"burstable " + b + " " + root + "/kubepods/burstable/pod" + b,
			"besteffort " + e + " " + root + "/kubepods/besteffort/pod" + e,
		},
		Containers: slices.Concat(
			sortedLines(g+" "+gc+" bare", g+" "+gs+" bare"),
			sortedLines(b+" "+b1+" bare", b+" "+b2+" bare leaf "+root+"/kubepods/burstable/pod"+b+"/"+b2+"/container"),
			[]string{e + " " + ec + " bare"},
		),
		Unknown: []string{root + "/kubepods/stray: neither a QoS tier nor a pod cgroup"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("shape (-want +got):\n%s", diff)
	}
	if checked := checkAgainstKernel(t, fsys, n); checked < 13*6 {
		t.Errorf("only %d files checked against the kernel", checked)
	}
	bPod := n.Pod(b)
	if f := bPod.Files["memory.limit_in_bytes"]; f.Raw != "99999744" || f.Value != int64(99999744) {
		t.Errorf("page rounding: %+v", f)
	}
	if _, c := n.Container(b2); c.Files["cpu.shares"].Value != uint64(2) {
		t.Errorf("share clamping: %+v", c.Files["cpu.shares"])
	}
	if f := bPod.Files["cpu.cfs_quota_us"]; f.Value != int64(-1) {
		t.Errorf("untouched quota: %+v", f)
	}
	if _, ok := fsys.Controllers()["hugetlb"]; !ok {
		if f := fsys.ReadFile(root+"/kubepods", "hugetlb.2MB.limit_in_bytes"); !errors.Is(f.Err, ErrNotSupported) {
			t.Errorf("hugetlb without a v1 hugetlb mount: %v", f.Err)
		}
	}

	// One pod, one container, one file.
	if p, err := fsys.Pod(b, opts); err != nil || len(p.Containers) != 2 {
		t.Errorf("Pod: %v", err)
	}
	if c, err := fsys.Container(gc, opts); err != nil || c.Files["cpu.cfs_quota_us"].Raw != "50000" {
		t.Errorf("Container: %v", err)
	}

	// A capture reads back exactly like the live tree.
	s, err := Capture(fsys, CaptureOptions{Node: opts})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.WriteTarGz(&buf); err != nil {
		t.Fatal(err)
	}
	compareSnapshot(t, "capture", buf.Bytes(), opts, n)

	// So does a plain archive of a cp -r copy (every readable file of our
	// subtree in every controller, write-only files skipped as cp does).
	compareSnapshot(t, "cp -r copy", copyArchive(t, fsys, root), opts, n)
}

func sortedLines(lines ...string) []string {
	slices.Sort(lines)
	return lines
}

// compareSnapshot loads an archive and checks that it reads like the live
// node.
func compareSnapshot(t *testing.T, what string, archive []byte, opts NodeOptions, want *Node) {
	t.Helper()
	s, err := ReadSnapshot(bytes.NewReader(archive), SnapshotLimits{})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	sfs, err := s.FS()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := readNode(t, sfs, opts)
	w := *want
	w.Notes, got.Notes = nil, nil
	if s.Info.PageSizeBytes == 0 {
		got.PageSizeBytes = w.PageSizeBytes // a plain archive assumes 4096
	}
	if diff := cmp.Diff(&w, got, sameFile); diff != "" {
		t.Errorf("%s: node (-live +snapshot):\n%s", what, diff)
	}
}

// copyArchive makes the tar.gz a busybox pod makes with
// `cp -r /sys/fs/cgroup /tmp/x && tar czf - -C /tmp/x .`, limited to the
// test's own subtree: every file read by reading it (cgroupfs files report
// size 0), files that cannot be read skipped.
func copyArchive(t *testing.T, fsys *FS, root string) []byte {
	t.Helper()
	entries := []tarEntry{{name: "./", typeflag: tar.TypeDir}}
	if fsys.Mode() == ModeHybrid {
		entries = append(entries, tarEntry{name: "./unified/", typeflag: tar.TypeDir})
	}
	seen := map[string]bool{}
	for _, dir := range fsys.Controllers() {
		if seen[dir] {
			continue
		}
		seen[dir] = true
		base := filepath.Join(cgtest.Mount, dir)
		entries = append(entries, tarEntry{name: "./" + dir + "/", typeflag: tar.TypeDir})
		filepath.WalkDir(filepath.Join(base, root), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(base, p)
			name := "./" + dir + "/" + filepath.ToSlash(rel)
			if d.IsDir() {
				entries = append(entries, tarEntry{name: name + "/", typeflag: tar.TypeDir})
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil // write-only files (EINVAL), as cp reports and skips
			}
			entries = append(entries, tarEntry{name: name, typeflag: tar.TypeReg, data: string(b)})
			return nil
		})
	}
	return makeTarGz(t, entries...)
}

// TestRealKernelSystemdNaming builds the systemd driver's names (slices
// and the scopes of containerd, CRI-O with conmon, and cri-dockerd) on the
// real kernel and checks discovery through them.
func TestRealKernelSystemdNaming(t *testing.T) {
	mounts := realMounts(t)
	name := cgtest.UniqueName(t, "cgroupfs-sd")
	root := "/" + name
	const g, b = "aaaabbbb-cccc-4ddd-8eee-ffff00001111", "22223333-4444-4555-8666-777788889999"
	g_, b_ := strings.ReplaceAll(g, "-", "_"), strings.ReplaceAll(b, "-", "_")
	c1, c2, c3, c4 := testutil.HexID("sd/1"), testutil.HexID("sd/2"), testutil.HexID("sd/3"), testutil.HexID("sd/4")
	kp := "kubepods.slice"
	gp := kp + "/kubepods-pod" + g_ + ".slice"
	bp := kp + "/kubepods-burstable.slice/kubepods-burstable-pod" + b_ + ".slice"
	buildReal(t, mounts, root, []realCgroup{
		{"", nil},
		{kp, map[string]string{"cpu.shares": "1843"}},
		{kp + "/kubepods-burstable.slice", nil},
		{kp + "/kubepods-besteffort.slice", nil},
		{gp, map[string]string{"cpu.shares": "1024", "cpu.cfs_quota_us": "100000"}},
		{gp + "/cri-containerd-" + c1 + ".scope", map[string]string{"cpu.shares": "1024"}},
		{bp, nil},
		{bp + "/crio-" + c2 + ".scope", map[string]string{"pids.max": "64"}},
		{bp + "/crio-conmon-" + c2 + ".scope", nil},
		{bp + "/docker-" + c3 + ".scope", nil},
		{bp + "/crio-" + c4, nil},
	})
	fsys := openDefault(t)
	n := readNode(t, fsys, NodeOptions{CgroupRoot: root, Driver: DriverSystemd})
	got := shapeOf(n)
	want := shape{
		Mode: fsys.Mode(), Driver: DriverSystemd, CgroupRoot: root, PageSize: int64(os.Getpagesize()),
		Kubepods: root + "/" + kp, Burstable: root + "/" + kp + "/kubepods-burstable.slice", BestEffort: root + "/" + kp + "/kubepods-besteffort.slice",
		Pods: []string{"guaranteed " + g + " " + root + "/" + gp, "burstable " + b + " " + root + "/" + bp},
		Containers: []string{
			g + " " + c1 + " cri-containerd-scope",
			sortedLines(b+" "+c2+" crio-scope", b+" "+c3+" docker-scope", b+" "+c4+" crio")[0],
			sortedLines(b+" "+c2+" crio-scope", b+" "+c3+" docker-scope", b+" "+c4+" crio")[1],
			sortedLines(b+" "+c2+" crio-scope", b+" "+c3+" docker-scope", b+" "+c4+" crio")[2],
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("shape (-want +got):\n%s", diff)
	}
	checkAgainstKernel(t, fsys, n)
	if _, c := n.Container(c2); c == nil || c.Files["pids.max"].Value != int64(64) {
		t.Errorf("crio scope: %+v", c)
	}
}

// TestRealKernelMode checks the live mode against containerd/cgroups'
// detection and the controller directories against mountinfo's.
func TestRealKernelMode(t *testing.T) {
	fsys, err := NewDefaultFS()
	if err != nil {
		t.Skipf("no cgroup file system at %s: %v", DefaultMountPoint, err)
	}
	defer fsys.Close()
	want := map[cgroups.CGMode]Mode{cgroups.Unified: ModeUnified, cgroups.Hybrid: ModeHybrid, cgroups.Legacy: ModeLegacy}[cgroups.Mode()]
	if fsys.Mode() != want {
		t.Errorf("mode %s, containerd/cgroups says %s", fsys.Mode(), want)
	}
	if fsys.Mode() != ModeUnified {
		for c, dir := range fsys.Controllers() {
			var st unix.Statfs_t
			if err := unix.Statfs(filepath.Join(DefaultMountPoint, dir), &st); err != nil || st.Type != unix.CGROUP_SUPER_MAGIC {
				t.Errorf("controller %s: %s is not a cgroup v1 mount", c, dir)
			}
		}
	}
}

// TestLiveRefusesDevices puts a character device where a cgroup file
// should be: it is refused without being opened.
func TestLiveRefusesDevices(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	dev := filepath.Join(dir, "cpuset", "kubepods", "cpuset.cpus")
	os.Remove(dev)
	if err := unix.Mknod(dev, unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("mknod (needs root): %v", err)
	}
	live := openLive(t, dir)
	if f := live.ReadFile("/kubepods", "cpuset.cpus"); !errors.Is(f.Err, ErrNotRegularFile) || !strings.Contains(f.Err.Error(), "character device") {
		t.Errorf("device: %v, want ErrNotRegularFile", f.Err)
	}
}

// TestLiveNeverWrites watches a tree on disk with inotify while the live
// reader reads, looks up, and captures it: files are opened and closed,
// never opened for writing, modified, created, deleted or renamed.
func TestLiveNeverWrites(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Skipf("inotify: %v", err)
	}
	defer unix.Close(fd)
	const writes = unix.IN_CLOSE_WRITE | unix.IN_MODIFY | unix.IN_CREATE | unix.IN_DELETE | unix.IN_ATTRIB | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_DELETE_SELF
	watched := map[int32]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			wd, err := unix.InotifyAddWatch(fd, p, writes|unix.IN_CLOSE_NOWRITE|unix.IN_OPEN)
			if err != nil {
				t.Fatalf("inotify watch %s: %v", p, err)
			}
			watched[int32(wd)] = p
		}
		return nil
	})

	live, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	readNode(t, live, NodeOptions{})
	live.Pod(uidB, NodeOptions{})
	live.Container(idE, NodeOptions{})
	live.ReadFile("/kubepods", "cpu.shares")
	if _, err := Capture(live, CaptureOptions{}); err != nil {
		t.Fatal(err)
	}
	live.Close()

	reads := 0
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			break
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
			if ev.Mask&writes != 0 {
				t.Errorf("write-like event %#x on %s/%s", ev.Mask, watched[ev.Wd], name)
			}
			if ev.Mask&unix.IN_CLOSE_NOWRITE != 0 && ev.Mask&unix.IN_ISDIR == 0 {
				reads++
			}
			off += unix.SizeofInotifyEvent + int(ev.Len)
		}
	}
	if reads < 100 {
		t.Errorf("saw only %d read-only file closes: is inotify watching?", reads)
	}
	t.Logf("%d files opened read-only, none for writing", reads)
}
