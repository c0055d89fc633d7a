package qos_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
)

// ExampleCheck diffs a snapshot of a real node (cgroup v1, containerd
// 1.6, runc 1.1.5, kubelet v1.37.2) with the node's pods and the kubelet's
// /configz: the whole job of "kubectl-cgroups diff --snapshot".
func ExampleCheck() {
	dir := filepath.Join("..", "internal", "demo", "data", "1-real-node")
	snap, err := cgroupfs.ReadSnapshotFile(filepath.Join(dir, "node.tar.gz"), cgroupfs.SnapshotLimits{})
	if err != nil {
		log.Fatal(err)
	}
	pods, err := qos.ReadPodsPath(filepath.Join(dir, "pods.json"))
	if err != nil {
		log.Fatal(err)
	}
	configz, err := os.ReadFile(filepath.Join(dir, "configz.json"))
	if err != nil {
		log.Fatal(err)
	}
	result, err := qos.Check(qos.CheckOptions{
		Snapshot: snap, Pods: pods, CompletePodList: true,
		Facts: qos.Facts{KubeletConfig: configz, KubeletSource: "configz.json"},
	})
	if err != nil {
		log.Fatal(err)
	}
	// The statuses of the files add up to the files; results about whole
	// cgroups (here the cgroup of an init container that finished) are
	// counted apart.
	f, c := result.Report.Levels()
	fmt.Printf("%d cgroups, %d files: %d match, %d explained, %d unexplained\n", f.Cgroups, f.Files, f.Match, f.Explained, f.Unexplained())
	fmt.Printf("whole cgroups: %d explained, %d unexplained\n", c.Explained, c.Unexplained())
	fmt.Println("OCI runtime:", result.Report.ProfileSources["ociRuntime"])
	// Output:
	// 34 cgroups, 205 files: 205 match, 0 explained, 0 unexplained
	// whole cgroups: 1 explained, 0 unexplained
	// OCI runtime: default: unknown, both formulas accepted; the report infers it
}
