//go:build unix

package cgroupfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestHostileSparseFile puts 1 GiB sparse files where value files should
// be, one all hole and one with a valid value before the hole: both are
// refused with ErrFileTooLarge after reading at most MaxFileBytes, through
// os.Root and through os.DirFS, allocating a few hundred KiB at most.
func TestHostileSparseFile(t *testing.T) {
	const size = 1 << 30
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	files := []struct{ ctrl, file, head string }{
		{"cpu", "cpu.shares", ""},
		{"memory", "memory.limit_in_bytes", "3663728640\n"},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.ctrl, "kubepods", f.file)
		if err := os.WriteFile(p, []byte(f.head), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, size); err != nil {
			t.Skipf("cannot make a 1 GiB file here: %v", err)
		}
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err == nil && st.Blocks*512 > 1<<20 {
			t.Logf("%s: the file system allocated %d bytes: not sparse", p, st.Blocks*512)
		}
	}
	for _, src := range bothReaders(t, dir) {
		for _, f := range files {
			var got File
			alloc := allocated(func() { got = src.fsys.ReadFile("/kubepods", f.file) })
			if !errors.Is(got.Err, ErrFileTooLarge) || !strings.Contains(got.Err.Error(), f.file) ||
				got.Status() != "refused" || got.Raw != "" || got.Value != nil {
				t.Errorf("%s %s: %+v (%s), want refused with ErrFileTooLarge", src.what, f.file, got, got.Status())
			}
			if alloc > 512<<10 {
				t.Errorf("%s %s: %d bytes allocated reading a 1 GiB file", src.what, f.file, alloc)
			}
		}
		var n *Node
		alloc := allocated(func() { n = readNode(t, src.fsys, NodeOptions{}) })
		for _, f := range files {
			if got := n.Kubepods.Files[f.file]; !errors.Is(got.Err, ErrFileTooLarge) || got.Value != nil {
				t.Errorf("%s Node %s: %+v, want ErrFileTooLarge", src.what, f.file, got)
			}
		}
		t.Logf("%s: whole node with two 1 GiB files: %d bytes allocated", src.what, alloc)
		if alloc > 4<<20 {
			t.Errorf("%s: %d bytes allocated reading the node", src.what, alloc)
		}
	}
}

// permissionChildEnv, when set, makes TestHostilePermissionDenied the
// unprivileged child: it holds the tree to read.
const permissionChildEnv = "KUBECGROUPS_TEST_PERMISSION_CHILD"

// nobody is the user and group the child runs as.
const nobody = 65534

// TestHostilePermissionDenied reads a tree with an unreadable value file,
// an unreadable pod directory in one controller, a container directory
// that cannot be opened in the listing controller and a tier directory
// that can be entered but not read, as an unprivileged user: root
// bypasses permissions, so the test binary runs itself again as uid and
// gid 65534. Each unreadable file is an error matching fs.ErrPermission
// that names it (or the directory it is in), without a value; the tier
// that cannot be listed is a note (its pods are not read).
func TestHostilePermissionDenied(t *testing.T) {
	if dir := os.Getenv(permissionChildEnv); dir != "" {
		checkPermissionDenied(t, dir)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root, to build the tree and run the reader as another, unprivileged user")
	}
	base := t.TempDir()
	// t.TempDir's directories are private to root; the child must be able
	// to reach the tree and run the copied test binary.
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tree := filepath.Join(base, "tree")
	writeTree(t, loadTree(t, "v1-cgroupfs"), tree)
	gPod := "kubepods/pod" + uidG
	eCtr := "kubepods/besteffort/pod" + uidE + "/" + idE
	for _, c := range []struct {
		path string
		mode fs.FileMode
	}{
		{"cpu/kubepods/cpu.shares", 0o000},
		{"memory/" + gPod, 0o700},
		{"cpu/" + eCtr, 0o700},
		{"cpu/kubepods/burstable", 0o711},
	} {
		if err := os.Chmod(filepath.Join(tree, c.path), c.mode); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "cgroupfs.test")
	copyFile(t, self, bin, 0o755)

	cmd := exec.Command(bin, "-test.run=^TestHostilePermissionDenied$", "-test.v", "-test.count=1")
	cmd.Dir = base
	cmd.Env = append(os.Environ(), permissionChildEnv+"="+tree)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	t.Logf("child as uid %d:\n%s", nobody, out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestHostilePermissionDenied") || !strings.Contains(string(out), "permission errors checked") {
		t.Errorf("the child did not run its checks")
	}
}

func copyFile(t *testing.T, from, to string, mode fs.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkPermissionDenied is the child's half of TestHostilePermissionDenied.
func checkPermissionDenied(t *testing.T, dir string) {
	if os.Geteuid() != nobody {
		t.Fatalf("child runs as uid %d, want %d", os.Geteuid(), nobody)
	}
	gPod := "/kubepods/pod" + uidG
	eCtr := "/kubepods/besteffort/pod" + uidE + "/" + idE
	live := openLive(t, dir)
	checked := 0
	denied := func(what string, f File, names ...string) {
		t.Helper()
		checked++
		if !errors.Is(f.Err, fs.ErrPermission) || f.Status() != "unreadable" || f.Raw != "" || f.Value != nil {
			t.Errorf("%s: %+v (%s), want an unreadable file matching fs.ErrPermission", what, f, f.Status())
			return
		}
		for _, name := range names {
			if !strings.Contains(f.Err.Error(), name) {
				t.Errorf("%s: %q does not name %s", what, f.Err, name)
			}
		}
	}
	denied("ReadFile cpu.shares", live.ReadFile("/kubepods", "cpu.shares"), "cpu.shares", "/kubepods")

	n := readNode(t, live, NodeOptions{})
	denied("kubepods cpu.shares", n.Kubepods.Files["cpu.shares"], "cpu.shares", "/kubepods")
	if f := n.Kubepods.Files["cpu.cfs_quota_us"]; f.Err != nil {
		t.Errorf("a readable file next to it: %v", f.Err)
	}
	p := n.Pod(uidG)
	if p == nil {
		t.Fatalf("pod %s not read", uidG)
	}
	for _, name := range []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"} {
		denied("pod "+name, p.Files[name], gPod, "memory")
	}
	if f := p.Files["cpu.shares"]; f.Err != nil || f.Value != uint64(512) {
		t.Errorf("pod cpu.shares: %+v, want 512", f)
	}
	_, c := n.Container(idE)
	if c == nil {
		t.Fatalf("container %s not read", idE)
	}
	for _, name := range []string{"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us"} {
		denied("container "+name, c.Files[name], eCtr)
	}
	if f := c.Files["memory.limit_in_bytes"]; f.Err != nil {
		t.Errorf("container memory.limit_in_bytes: %v", f.Err)
	}
	// The burstable tier cannot be listed in cpu: noted, and its pod is
	// found in the other controllers (pods are the union of controllers).
	if n.Pod(uidB) == nil || !slices.ContainsFunc(n.Notes, func(s string) bool {
		return strings.HasPrefix(s, "listing /kubepods/burstable: ") && strings.Contains(s, "permission denied")
	}) {
		t.Errorf("burstable tier that cannot be listed in cpu: pod %s found: %v, notes %q", uidB, n.Pod(uidB) != nil, n.Notes)
	}
	// os.Root opens a cgroup's directory to read its files, which takes
	// read permission too.
	if n.Burstable == nil {
		t.Fatal("burstable tier not read")
	}
	denied("tier cpu.shares", n.Burstable.Files["cpu.shares"], "/kubepods/burstable")
	if f := n.Burstable.Files["memory.limit_in_bytes"]; f.Err != nil {
		t.Errorf("tier memory.limit_in_bytes: %v", f.Err)
	}
	t.Logf("%d permission errors checked as uid %d", checked, os.Geteuid())
}

// TestCaptureKeepsNonDirectoryUnknowns captures a tree where a pod
// directory is a file in every controller and a container directory is a
// symbolic link out of the tree: read back, the snapshot reports both as
// entries that are not cgroups (a link becomes an empty file: snapshots
// hold no links), never as a pod or container without files.
func TestCaptureKeepsNonDirectoryUnknowns(t *testing.T) {
	bPod := "kubepods/burstable/pod" + uidB
	eCtr := "kubepods/besteffort/pod" + uidE + "/" + idE
	root := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), root)
	replaceInControllers(t, root, bPod, false)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		p := filepath.Join(root, e.Name(), filepath.FromSlash(eCtr))
		if _, err := os.Lstat(p); err == nil {
			if err := os.RemoveAll(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("/proc/self", p); err != nil {
				t.Fatal(err)
			}
		}
	}
	live := openLive(t, root)
	s, err := Capture(live, CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := s.FS()
	if err != nil {
		t.Fatal(err)
	}
	n, err := fsys.Node(NodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasUnknown(n, "/"+bPod, "named like a pod cgroup but not a directory") || n.Pod(uidB) != nil {
		t.Errorf("pod as a file: unknown %+v, pod %+v", n.Unknown, n.Pod(uidB))
	}
	if !hasUnknown(n, "/"+eCtr, "named like a container cgroup but not a directory") {
		t.Errorf("container as a link: unknown %+v", n.Unknown)
	}
	if p := n.Pod(uidE); p == nil || p.Container(idE) != nil {
		t.Errorf("BestEffort pod %+v, want it without the linked container", p)
	}
}

// TestOpenedRegular checks the post-open check of live reads (a file
// swapped after its Lstat) on each kind of file it can meet.
func TestOpenedRegular(t *testing.T) {
	dir := t.TempDir()
	reg, fifo := filepath.Join(dir, "cpu.max"), filepath.Join(dir, "fifo")
	if err := os.WriteFile(reg, []byte("max 100000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want bool
	}{{reg, true}, {fifo, false}, {dir, false}, {"/dev/null", false}} {
		f, err := os.OpenFile(c.path, os.O_RDONLY|openFlags, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := openedRegular(f)
		f.Close()
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.path, got, err, c.want)
		}
	}
}
