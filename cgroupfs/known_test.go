package cgroupfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// shapeOnly is the read that finds a node's shape: files at the node
// levels, pods and containers by name only (what qos.Check reads first).
var shapeOnly = map[Level][]string{LevelPod: {}, LevelContainer: {}}

// TestKnownMatchesListing: reading a node again from its shape
// (NodeOptions.Known) gives exactly what a full read gives, for every
// tree in testdata (stray entries, partial v1 presence, crun leaves,
// CRI-O's conmon, custom roots, hybrid hosts), in memory and copied to
// disk, with default files and with chosen ones and counters.
func TestKnownMatchesListing(t *testing.T) {
	for _, name := range golden.TreeNames(t) {
		t.Run(name, func(t *testing.T) {
			s := loadTree(t, name)
			dir := t.TempDir()
			writeTree(t, s, dir)
			for src, fsys := range map[string]*FS{"memory": openTree(t, name), "disk": openLive(t, dir)} {
				base := NodeOptions{Driver: s.Info.Driver, CgroupRoot: s.Info.CgroupRoot}
				shape := base
				shape.Files = shapeOnly
				known, err := fsys.Node(shape)
				if errors.Is(err, fs.ErrNotExist) {
					continue // a tree without kubepods: nothing to read again
				}
				if err != nil {
					t.Fatalf("%s: %v", src, err)
				}
				for what, files := range map[string]NodeOptions{
					"default files": base,
					"chosen files": {Driver: base.Driver, CgroupRoot: base.CgroupRoot, Counters: true, Files: map[Level][]string{
						LevelKubepods: {"cpu.shares", "cpu.weight", "memory.max"}, LevelPod: {"cpu.max", "pids.max", "cpu.cfs_quota_us"},
						LevelContainer: {"cpu.weight", "cpu.shares", "memory.limit_in_bytes"},
					}},
				} {
					want, err := fsys.Node(files)
					if err != nil {
						t.Fatalf("%s, %s: %v", src, what, err)
					}
					again := files
					again.Known = known
					got, err := fsys.Node(again)
					if err != nil {
						t.Fatalf("%s, %s, known: %v", src, what, err)
					}
					if d := cmp.Diff(want, got, sameFile); d != "" {
						t.Errorf("%s, %s: read from the known shape differs from a full read (-full +known):\n%s", src, what, d)
					}
				}
			}
		})
	}
}

// TestKnownGone: a container and a pod removed between the reads are
// Gone, not errors; the rest is read.
func TestKnownGone(t *testing.T) {
	s := loadTree(t, "v1-cgroupfs")
	dir := t.TempDir()
	writeTree(t, s, dir)
	fsys := openLive(t, dir)
	opts := NodeOptions{Driver: s.Info.Driver, CgroupRoot: s.Info.CgroupRoot, Files: shapeOnly}
	known, err := fsys.Node(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(known.Pods) < 2 || len(known.Pods[0].Containers) == 0 {
		t.Fatalf("the tree has %d pods", len(known.Pods))
	}
	ctr := known.Pods[0].Containers[0]
	pod := known.Pods[1]
	ctrls, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ctrl := range ctrls { // every controller's directory
		for _, p := range []string{ctr.Path, pod.Path} {
			if err := os.RemoveAll(filepath.Join(dir, ctrl.Name(), filepath.FromSlash(p))); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := fsys.Node(NodeOptions{Known: known})
	if err != nil {
		t.Fatal(err)
	}
	gone := map[string]bool{}
	for _, e := range got.Gone {
		gone[e.Path] = true
	}
	if !gone[ctr.Path] || !gone[pod.Path] {
		t.Errorf("gone %v, want %s and %s", got.Gone, ctr.Path, pod.Path)
	}
	if got.Pod(pod.UID) != nil {
		t.Errorf("the removed pod %s was read", pod.UID)
	}
	if len(got.Pods) != len(known.Pods)-1 {
		t.Errorf("%d pods read, want %d", len(got.Pods), len(known.Pods)-1)
	}
}

// TestKnownRefusesForeignPaths: a Node given by a caller is read only
// where a read of the tree could have found it.
func TestKnownRefusesForeignPaths(t *testing.T) {
	fsys := openTree(t, "v1-cgroupfs")
	known, err := fsys.Node(NodeOptions{Files: shapeOnly})
	if err != nil {
		t.Fatal(err)
	}
	for what, spoil := range map[string]func(n *Node){
		"pod outside kubepods": func(n *Node) { n.Pods[0].Path = "/system.slice/x" },
		"dot-dot":              func(n *Node) { n.Pods[0].Path = n.Kubepods.Path + "/../../etc" },
		"container elsewhere":  func(n *Node) { n.Pods[0].Containers[0].Path = n.Pods[1].Path + "/abc" },
		"relative kubepods":    func(n *Node) { n.Kubepods.Path = "kubepods" },
		"no kubepods":          func(n *Node) { n.Kubepods = nil },
	} {
		k := *known
		k.Pods = append([]Pod(nil), known.Pods...)
		k.Pods[0].Containers = append([]Container(nil), known.Pods[0].Containers...)
		kp := *known.Kubepods
		k.Kubepods = &kp
		spoil(&k)
		if _, err := fsys.Node(NodeOptions{Known: &k}); err == nil {
			t.Errorf("%s: read", what)
		}
	}
}
