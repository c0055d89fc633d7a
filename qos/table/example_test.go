package table_test

import (
	"log"
	"os"
	"path/filepath"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/table"
)

// ExampleWriteDiff prints, as "kubectl-cgroups diff --only-drift" does,
// the drift of the demo's real node: none.
func ExampleWriteDiff() {
	dir := filepath.Join("..", "..", "internal", "demo", "data", "1-real-node")
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
	result, err := qos.Check(qos.CheckOptions{Snapshot: snap, Pods: pods, CompletePodList: true,
		Facts: qos.Facts{KubeletConfig: configz, KubeletSource: "configz.json"}})
	if err != nil {
		log.Fatal(err)
	}
	result.Report.ProfileSources = nil // keep the example short
	if err := table.WriteDiff(os.Stdout, result.Report, table.DiffOptions{OnlyDrift: true}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// NODE  hybrid (cgroup v1), cgroupfs driver, cgroupRoot /
	//       kubelet 1.37, containerd + unknown
	//
	// STATUS     LEVEL      CGROUP
	//
	// Notes:
	//   - MemoryQoS is on but does nothing on cgroup v1: no memory.min, memory.low or
	//     memory.high anywhere
	//   - a 1.37 kubelet refuses to start on cgroup v1 unless failCgroupV1 is false
	//
	// 34 cgroups, 205 files: 205 match, 0 explained, 0 drift, 0 missing, 0 unexpected; whole cgroups: 1 explained
	// Every file matches or is explained.
}
