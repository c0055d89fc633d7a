package cgroupfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// TestLiveReaderOnCopiedTrees copies every fake tree to disk, opens it
// with the live constructor (os.Root) and checks that it reads exactly
// like the tree read from memory.
func TestLiveReaderOnCopiedTrees(t *testing.T) {
	for _, name := range golden.TreeNames(t) {
		t.Run(name, func(t *testing.T) {
			s := loadTree(t, name)
			dir := t.TempDir()
			writeTree(t, s, dir)
			live := openLive(t, dir)
			opts := NodeOptions{Driver: s.Info.Driver, CgroupRoot: s.Info.CgroupRoot}
			got := readNode(t, live, opts)
			want := readNode(t, openTree(t, name), opts)
			if got.Mode != want.Mode {
				t.Errorf("mode %s, want %s", got.Mode, want.Mode)
			}
			// The live reader knows the running host's page size and
			// infers what the recorded metadata said.
			got.PageSizeBytes, want.PageSizeBytes = 0, 0
			got.Mode, want.Mode = "", ""
			got.Notes, want.Notes = nil, nil
			if diff := cmp.Diff(want, got, sameFile); diff != "" {
				t.Errorf("node (-in memory +on disk):\n%s", diff)
			}
		})
	}
}

// TestLiveRefusesEscapes checks that neither a symbolic link to a file
// outside the root nor a symbolic link to a directory outside it is
// followed, and that an oversized file is refused.
func TestLiveRefusesEscapes(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "cpu.shares"), []byte("4242\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kp := filepath.Join(dir, "cpu", "kubepods")
	link := func(target, name string) {
		t.Helper()
		if err := os.RemoveAll(name); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, name); err != nil {
			t.Skipf("cannot create symbolic links here: %v", err)
		}
	}
	link(filepath.Join(outside, "cpu.shares"), filepath.Join(kp, "cpu.shares"))
	link("../../../../"+filepath.Base(outside), filepath.Join(kp, "besteffort", "pod"+uidE))
	if err := os.WriteFile(filepath.Join(dir, "pids", "kubepods", "pids.max"), make([]byte, MaxFileBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}

	live := openLive(t, dir)
	f := live.ReadFile("/kubepods", "cpu.shares")
	if f.Err == nil || f.Raw != "" || !errors.Is(f.Err, ErrNotRegularFile) || f.Status() != "refused" {
		t.Errorf("symlink to a file outside: %+v, want refused", f)
	}
	f = live.ReadFile("/kubepods/besteffort/pod"+uidE, "cpu.shares")
	if f.Err == nil || f.Raw != "" {
		t.Errorf("through a symlinked directory outside the root: %+v, want an error", f)
	}
	f = live.ReadFile("/kubepods", "pids.max")
	if !errors.Is(f.Err, ErrFileTooLarge) || f.Status() != "refused" {
		t.Errorf("oversized file: %v, want ErrFileTooLarge", f.Err)
	}
	n := readNode(t, live, NodeOptions{})
	if n.Kubepods.Files["cpu.shares"].Status() != "refused" {
		t.Errorf("Node read the symlinked cpu.shares: %+v", n.Kubepods.Files["cpu.shares"])
	}
	// Both links are stray entries of their directories.
	if len(n.Unknown) != 2 || n.Unknown[0].Path != "/kubepods/besteffort/pod"+uidE || n.Unknown[1].Path != "/kubepods/cpu.shares" ||
		!strings.Contains(n.Unknown[0].Reason, "symbolic link") {
		t.Errorf("unknown: %+v, want the symlinked pod and file reported", n.Unknown)
	}
	if n.Pod(uidE) != nil {
		t.Error("the symlinked pod was read as a pod")
	}

	// The same checks for an fs.FS that can tell links apart.
	tree, err := NewTreeFS(os.DirFS(dir), TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f := tree.ReadFile("/kubepods", "cpu.shares"); !errors.Is(f.Err, ErrNotRegularFile) {
		t.Errorf("os.DirFS symlink: %v, want ErrNotRegularFile", f.Err)
	}
	if f := tree.ReadFile("/kubepods", "pids.max"); !errors.Is(f.Err, ErrFileTooLarge) {
		t.Errorf("os.DirFS oversized: %v, want ErrFileTooLarge", f.Err)
	}
}

// TestLiveMissingRoot checks the constructor's errors.
func TestLiveMissingRoot(t *testing.T) {
	if _, err := NewFS(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
	empty := t.TempDir()
	if _, err := NewFS(empty); err == nil || !strings.Contains(err.Error(), "cannot tell the cgroup layout") {
		t.Errorf("empty root: %v", err)
	}
}
