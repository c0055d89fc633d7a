package cgroupfs_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"log"
	"os"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
)

// Read a node from a snapshot (here a hand-written tree from the
// repository's testdata) and list its pods with their CPU limits.
func Example() {
	f, err := os.Open("../testdata/trees/v2-cgroupfs.txtar")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	snap, err := cgroupfs.ReadSnapshot(f, cgroupfs.SnapshotLimits{})
	if err != nil {
		log.Fatal(err)
	}
	fsys, err := snap.FS()
	if err != nil {
		log.Fatal(err)
	}
	defer fsys.Close()
	node, err := fsys.Node(cgroupfs.NodeOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(node.Mode, node.Driver, node.Kubepods.Path)
	for _, pod := range node.Pods {
		fmt.Printf("%-10s %s cpu.max %q, %d containers\n", pod.Tier, pod.UID, pod.Files["cpu.max"].Raw, len(pod.Containers))
	}
	// Output:
	// unified cgroupfs /kubepods
	// guaranteed 911d497f-fa06-585f-bfd3-61bb8a6cf5b3 cpu.max "50000 100000", 2 containers
	// burstable  571ef27d-d74b-5fc6-875f-3f5ac07d885a cpu.max "max 100000", 3 containers
	// besteffort 5b2e20d9-95a7-5004-b435-f768274663a7 cpu.max "max 100000", 2 containers
}

// Read the live node. (Not run as a test: its output depends on the host.)
func ExampleNewDefaultFS() {
	fsys, err := cgroupfs.NewDefaultFS()
	if err != nil {
		log.Fatal(err)
	}
	defer fsys.Close()
	node, err := fsys.Node(cgroupfs.NodeOptions{})
	if err != nil {
		log.Fatal(err) // for example: no kubepods cgroup (not a Kubernetes node)
	}
	fmt.Printf("%s mode, %s driver, %d pods\n", node.Mode, node.Driver, len(node.Pods))
	for _, pod := range node.Pods {
		for _, c := range pod.Containers {
			fmt.Println(pod.UID, c.ID, c.Path)
		}
	}
}

// Read one file of one cgroup: the raw text, the typed value and the
// per-file error.
func ExampleFS_ReadFile() {
	f, err := os.Open("../testdata/trees/v1-systemd.txtar")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	snap, err := cgroupfs.ReadSnapshot(f, cgroupfs.SnapshotLimits{})
	if err != nil {
		log.Fatal(err)
	}
	fsys, err := snap.FS()
	if err != nil {
		log.Fatal(err)
	}
	shares := fsys.ReadFile("/kubepods.slice", "cpu.shares")
	fmt.Printf("%q %v %v\n", shares.Raw, shares.Value, shares.Err)
	huge := fsys.ReadFile("/kubepods.slice", "hugetlb.2MB.limit_in_bytes")
	fmt.Println(huge.Status(), huge.Err)
	// Output:
	// "1843" 1843 <nil>
	// not-supported cgroup controller "hugetlb" is not mounted (legacy mode): not supported
}

// Capture a tree into a snapshot and write it as txtar.
func ExampleCapture() {
	f, err := os.Open("../testdata/trees/stray.txtar")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	snap, err := cgroupfs.ReadSnapshot(f, cgroupfs.SnapshotLimits{})
	if err != nil {
		log.Fatal(err)
	}
	fsys, err := snap.FS()
	if err != nil {
		log.Fatal(err)
	}
	captured, err := cgroupfs.Capture(fsys, cgroupfs.CaptureOptions{
		Node:       cgroupfs.NodeOptions{PodUID: "911d497f-fa06-585f-bfd3-61bb8a6cf5b3"},
		CapturedAt: time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC),
		Hostname:   "node-1",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(captured.Info.Mode, captured.Info.KubepodsPath, captured.Info.CapturedAt)
	files := 0
	fs.WalkDir(captured, ".", func(_ string, d fs.DirEntry, _ error) error {
		if !d.IsDir() {
			files++
		}
		return nil
	})
	fmt.Println(files, "files")
	var txt bytes.Buffer
	if err := captured.WriteTxtar(&txt); err != nil {
		log.Fatal(err)
	}
	meta, _, _ := strings.Cut(txt.String(), "\n")
	fmt.Println(meta)
	// Output:
	// legacy /kubepods 2026-11-25 14:00:00 +0000 UTC
	// 30 files
	// kubecgroups-snapshot: {"apiVersion":"kubecgroups.io/v1alpha1","kind":"CgroupSnapshot","mode":"legacy","capturedAt":"2026-11-25T14:00:00Z","pageSizeBytes":4096,"hostname":"node-1","driver":"cgroupfs","cgroupRoot":"/","kubepodsPath":"/kubepods","controllers":{"cpu":"cpu","memory":"memory","pids":"pids"}}
}

// Tell where a process's cgroup (from /proc/<pid>/cgroup) sits.
func ExampleParsePath() {
	info, ok := cgroupfs.ParsePath("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6f7e8d9c_0b1a_4c3d_8e5f_6a7b8c9d0e1f.slice/cri-containerd-4c1e.scope")
	fmt.Println(ok, info.Driver, info.Tier, info.PodUID, info.ContainerID, info.Naming)
	// Output:
	// true systemd burstable 6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f 4c1e cri-containerd-scope
}
