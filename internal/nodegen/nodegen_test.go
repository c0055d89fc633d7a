package nodegen

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	_ "github.com/kubecgroups/kubecgroups/internal/golden" // every test package understands -update
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// diffClean reads a node from fsys and checks that it diffs clean against
// the generated expectation, with every expected cgroup and file present.
func diffClean(t *testing.T, n *Node, fsys *cgroupfs.FS, opts cgroupfs.NodeOptions) *qos.DiffReport {
	t.Helper()
	node, err := fsys.Node(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(node.Pods) != len(n.Pods) || len(node.Unknown) != 0 || len(node.Gone) != 0 {
		t.Fatalf("read %d pods (want %d), unknown %v, gone %v", len(node.Pods), len(n.Pods), node.Unknown, node.Gone)
	}
	r := qos.Diff(n.Expectation, node, qos.DiffOptions{Now: CapturedAt, CompletePodList: true})
	if u := r.Summary.Unexplained(); u != 0 {
		shown := 0
		for _, res := range r.Results {
			if res.Status.Unexplained() && shown < 5 {
				t.Errorf("%s %s %s: %s (expected %v, found %q)", res.Status, res.Path, res.File, res.Message, res.Expected, res.Actual)
				shown++
			}
		}
		t.Fatalf("%d unexplained differences: %+v", u, r.Summary)
	}
	if want := 3 + 5*len(n.Pods); r.Summary.Cgroups != want {
		t.Errorf("%d cgroups compared, want %d", r.Summary.Cgroups, want)
	}
	return r
}

// TestGeneratedNodesDiffClean is the generator's contract and a scale test
// of the diff: every layout, read from memory, diffs without one
// unexplained difference.
func TestGeneratedNodesDiffClean(t *testing.T) {
	pods := 110
	if testing.Short() {
		pods = 20
	}
	for _, l := range Layouts() {
		t.Run(l.String(), func(t *testing.T) {
			n := MustGenerate(Options{Pods: pods, Layout: l})
			fsys, err := n.FS()
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			if fsys.Mode() != l.Mode() {
				t.Errorf("mode %s, want %s", fsys.Mode(), l.Mode())
			}
			r := diffClean(t, n, fsys, cgroupfs.NodeOptions{})
			if r.Summary.Match == 0 {
				t.Errorf("nothing matched: %+v", r.Summary)
			}
		})
	}
}

// TestPods checks the mix: classes in the 2:6:2 ratio, two app
// containers and a sidecar each, IDs in the status, unique UIDs.
func TestPods(t *testing.T) {
	n := MustGenerate(Options{Pods: 50, Seed: 7})
	classes := map[corev1.PodQOSClass]int{}
	uids := map[string]bool{}
	for _, p := range n.Pods {
		classes[p.Status.QOSClass]++
		if uids[string(p.UID)] {
			t.Errorf("duplicate UID %s", p.UID)
		}
		uids[string(p.UID)] = true
		if len(p.Spec.Containers) != 2 || len(p.Spec.InitContainers) != 1 || p.Spec.InitContainers[0].RestartPolicy == nil {
			t.Errorf("%s: containers %d, init %d", p.Name, len(p.Spec.Containers), len(p.Spec.InitContainers))
		}
		for _, st := range append(p.Status.ContainerStatuses, p.Status.InitContainerStatuses...) {
			if len(st.ContainerID) != len("containerd://")+64 {
				t.Errorf("%s/%s: container ID %q", p.Name, st.Name, st.ContainerID)
			}
		}
	}
	if classes[corev1.PodQOSGuaranteed] != 10 || classes[corev1.PodQOSBurstable] != 30 || classes[corev1.PodQOSBestEffort] != 10 {
		t.Errorf("classes %v, want 10/30/10", classes)
	}
}

// TestDeterministic: the same options give the same tree; another seed a
// different one.
func TestDeterministic(t *testing.T) {
	opts := Options{Pods: 12, Layout: Layout{1, cgroupfs.DriverSystemd}, Seed: 3}
	a, b := MustGenerate(opts).Txtar(), MustGenerate(opts).Txtar()
	if !bytes.Equal(a, b) {
		t.Error("two generations of the same options differ")
	}
	opts.Seed++
	if bytes.Equal(a, MustGenerate(opts).Txtar()) {
		t.Error("another seed gave the same tree")
	}
}

// TestWriteDirAndTarGz reads a tree written to disk (as a copied
// /sys/fs/cgroup) and the .tar.gz snapshot of it, and diffs both clean.
func TestWriteDirAndTarGz(t *testing.T) {
	for _, l := range []Layout{{1, cgroupfs.DriverCgroupfs}, {2, cgroupfs.DriverSystemd}} {
		t.Run(l.String(), func(t *testing.T) {
			n := MustGenerate(Options{Pods: 8, Layout: l, CgroupRoot: "/custom"})
			dir := t.TempDir()
			if err := n.WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			fsys, err := cgroupfs.NewFS(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			diffClean(t, n, fsys, cgroupfs.NodeOptions{})
			paths := FilePaths(fsys, dir, mustNode(t, fsys))
			if want := (3 + 5*8) * len(n.Cgroups[0].Files); len(paths) != want {
				t.Errorf("%d file paths, want %d", len(paths), want)
			}

			tgz, err := n.TarGz()
			if err != nil {
				t.Fatal(err)
			}
			s, err := cgroupfs.ReadSnapshot(bytes.NewReader(tgz), cgroupfs.SnapshotLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Info.Machine == nil || s.Info.Machine.CPUs != 8 {
				t.Errorf("machine facts %+v", s.Info.Machine)
			}
			sfs, err := s.FS()
			if err != nil {
				t.Fatal(err)
			}
			diffClean(t, n, sfs, cgroupfs.NodeOptions{})
		})
	}
}

func mustNode(t *testing.T, fsys *cgroupfs.FS) *cgroupfs.Node {
	t.Helper()
	node, err := fsys.Node(cgroupfs.NodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return node
}

// TestRebind: after Rebind the tree holds the pods under their new UIDs
// (and no cgroup of the old ones), and still diffs clean.
func TestRebind(t *testing.T) {
	n := MustGenerate(Options{Pods: 4})
	old := n.Pods[2].UID
	uids := make([]types.UID, len(n.Pods))
	for i := range uids {
		uids[i] = types.UID(fmt.Sprintf("0000000%d-aaaa-bbbb-cccc-000000000000", i))
	}
	if err := n.Rebind(uids); err != nil {
		t.Fatal(err)
	}
	fsys, err := n.FS()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	diffClean(t, n, fsys, cgroupfs.NodeOptions{})
	node := mustNode(t, fsys)
	for i, p := range node.Pods {
		if p.UID == string(old) || !slices.Contains(uids, types.UID(p.UID)) {
			t.Errorf("pod %d read with UID %s", i, p.UID)
		}
	}
	if err := n.Rebind(uids[:1]); err == nil {
		t.Error("Rebind of 1 UID for 4 pods")
	}
}
