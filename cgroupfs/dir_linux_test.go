//go:build linux

package cgroupfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// openBoth opens a tree on disk twice: with openat2 (fdDir) and through
// os.Root (rootDir), as on kernels without openat2.
func openBoth(t *testing.T, dir string) (fast, slow *FS) {
	t.Helper()
	fast, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fast.Close() })
	if _, ok := fast.root.(*fdDir); !ok {
		t.Skipf("no openat2 here: the tree is read through %T", fast.root)
	}
	noOpenat2 = true
	defer func() { noOpenat2 = false }()
	slow, err = NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slow.Close() })
	if _, ok := slow.root.(rootDir); !ok {
		t.Fatalf("fallback read through %T", slow.root)
	}
	return fast, slow
}

// TestFdDirReadsLikeOSRoot reads every fake tree, copied to disk, with
// raw system calls and through os.Root, and checks that both give the same
// node: the same hierarchy, values, errors and notes.
func TestFdDirReadsLikeOSRoot(t *testing.T) {
	for _, name := range treeNames(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, loadTree(t, name), dir)
			fast, slow := openBoth(t, dir)
			for _, opts := range []NodeOptions{{}, {PodUID: uidB}, {ContainerID: idE}} {
				want, werr := slow.Node(opts)
				got, gerr := fast.Node(opts)
				if (werr == nil) != (gerr == nil) {
					t.Fatalf("%+v: os.Root %v, openat2 %v", opts, werr, gerr)
				}
				if werr != nil {
					continue
				}
				errText := cmp.Comparer(func(a, b File) bool {
					return a.Raw == b.Raw && a.Status() == b.Status() &&
						cmp.Equal(a.Value, b.Value) && (a.Err == nil) == (b.Err == nil) && (a.Err == nil || a.Err.Error() == b.Err.Error())
				})
				if diff := cmp.Diff(want, got, errText); diff != "" {
					t.Errorf("%+v: node (-os.Root +openat2):\n%s", opts, diff)
				}
			}
		})
	}
}

// TestFdDirMissingDirectory removes a pod's directory from one v1
// controller: its files report the missing directory, live and through
// os.Root alike, although the openat2 reader never opens the directory.
func TestFdDirMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	pod := filepath.Join(dir, "memory", "kubepods", "burstable", "pod"+uidB)
	if err := os.RemoveAll(pod); err != nil {
		t.Fatal(err)
	}
	fast, slow := openBoth(t, dir)
	for what, fsys := range map[string]*FS{"openat2": fast, "os.Root": slow} {
		n := readNode(t, fsys, NodeOptions{})
		p := n.Pod(uidB)
		if p == nil {
			t.Fatalf("%s: pod %s not read", what, uidB)
		}
		f := p.Files["memory.limit_in_bytes"]
		if !errors.Is(f.Err, errNoDir) || f.Status() != "missing" {
			t.Errorf("%s: %v, want the missing directory", what, f.Err)
		}
		if f := p.Files["cpu.shares"]; f.Err != nil {
			t.Errorf("%s: cpu.shares: %v", what, f.Err)
		}
	}
}
