//go:build linux

package cgroupfs

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestHostileProcSelfLinks points symbolic links into /proc/self, whose
// files change with the reader and include its memory and environment: a
// pod directory, a container directory, a value file, and a pod's
// directory in a controller that is not the listing one. Nothing under
// /proc is read, through os.Root or os.DirFS: links are unknown entries or
// errors, never values.
func TestHostileProcSelfLinks(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	bPod := "kubepods/burstable/pod" + uidB
	gPod := "kubepods/pod" + uidG
	eCtr := "kubepods/besteffort/pod" + uidE + "/" + idE
	for _, l := range []struct{ target, name string }{
		{"/proc/self", "cpu/" + bPod},
		{"/proc/self/cwd", "cpu/" + eCtr},
		{"/proc/self/status", "memory/kubepods/memory.limit_in_bytes"},
		{"/proc/self", "pids/" + gPod},
	} {
		p := filepath.Join(dir, filepath.FromSlash(l.name))
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(l.target, p); err != nil {
			t.Fatal(err)
		}
	}
	live, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	dirfs, err := NewTreeFS(os.DirFS(dir), TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct {
		what string
		fsys *FS
	}{{"os.Root", live}, {"os.DirFS", dirfs}} {
		t.Run(src.what, func(t *testing.T) {
			n := readNode(t, src.fsys, NodeOptions{})
			for _, u := range []string{"/" + bPod, "/" + eCtr} {
				if !hasUnknown(n, u, "symbolic link (not followed)") {
					t.Errorf("unknown %+v, want the link %s", n.Unknown, u)
				}
			}
			if n.Pod(uidB) != nil || n.Pod(uidE).Container(idE) != nil {
				t.Error("a link into /proc/self was read as a pod or container")
			}
			if f := n.Kubepods.Files["memory.limit_in_bytes"]; !errors.Is(f.Err, ErrNotRegularFile) ||
				!strings.Contains(f.Err.Error(), "symbolic link") || f.Raw != "" || f.Value != nil {
				t.Errorf("value file linked to /proc/self/status: %+v, want ErrNotRegularFile", f)
			}
			// A pod's directory in the pids controller is a link: os.Root
			// refuses to leave the tree, os.DirFS's Lstat sees a link
			// where a directory should be.
			f := n.Pod(uidG).Files["pids.max"]
			t.Logf("pids.max: %v", f.Err)
			var pe *fs.PathError
			if !errors.As(f.Err, &pe) || !strings.Contains(f.Err.Error(), "/"+gPod+" in pids") || f.Raw != "" || f.Value != nil {
				t.Errorf("pids.max through a link to /proc/self: %+v, want a *fs.PathError naming the pod in pids", f)
			}
			if want := map[string]string{"os.Root": "escapes", "os.DirFS": "not a directory"}[src.what]; !strings.Contains(f.Err.Error(), want) {
				t.Errorf("pids.max through a link to /proc/self: %v, want %q", f.Err, want)
			}
			// Files of /proc/self, asked for by name through the links.
			for _, name := range []string{"status", "environ", "maps", "cmdline"} {
				f := src.fsys.ReadFile("/"+bPod, name)
				if name == "status" {
					t.Logf("ReadFile %s: %v", name, f.Err)
				}
				if f.Err == nil || f.Raw != "" {
					t.Errorf("ReadFile %s through a link to /proc/self: read %q (%v)", name, f.Raw, f.Err)
				}
			}
		})
	}
}

// TestHostileSpecialFilesDirFS puts a FIFO, a socket and a character
// device where value files should be and reads them through os.DirFS (the
// io/fs path; TestLiveRefusesSpecialFiles and TestLiveRefusesDevices cover
// os.Root): each is refused as not a regular file, without being opened,
// so the FIFO, which nobody writes, cannot block the read.
func TestHostileSpecialFilesDirFS(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	kp := func(ctrl, file string) string { return filepath.Join(dir, ctrl, "kubepods", file) }
	special := map[string]string{"memory.limit_in_bytes": "FIFO", "cpu.cfs_period_us": "socket"}
	os.Remove(kp("memory", "memory.limit_in_bytes"))
	if err := unix.Mkfifo(kp("memory", "memory.limit_in_bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(kp("cpu", "cpu.cfs_period_us"))
	l, err := net.Listen("unix", kp("cpu", "cpu.cfs_period_us"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Remove(kp("cpuset", "cpuset.cpus"))
	if err := unix.Mknod(kp("cpuset", "cpuset.cpus"), unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))); err == nil {
		special["cpuset.cpus"] = "character device"
	} else {
		t.Logf("no character device (mknod needs root): %v", err)
	}
	fsys, err := NewTreeFS(os.DirFS(dir), TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *Node)
	go func() {
		n, _ := fsys.Node(NodeOptions{})
		done <- n
	}()
	var n *Node
	select {
	case n = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("reading the tree blocked on a special file")
	}
	if n == nil {
		t.Fatal("Node failed")
	}
	for file, kind := range special {
		for _, f := range []File{fsys.ReadFile("/kubepods", file), n.Kubepods.Files[file]} {
			if !errors.Is(f.Err, ErrNotRegularFile) || !strings.Contains(f.Err.Error(), kind) ||
				!strings.Contains(f.Err.Error(), file) || f.Status() != "refused" || f.Value != nil {
				t.Errorf("%s (%s): %+v, want refused as not a regular file", file, kind, f)
			}
		}
	}
}
