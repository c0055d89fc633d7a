package qos_test

import (
	"fmt"
	"log"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

const manifest = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, uid: "1234"}
spec:
  containers:
  - name: app
    image: web
    resources:
      requests: {cpu: 250m, memory: 256Mi}
      limits: {cpu: "1", memory: 512Mi}
`

// Expect computes every cgroup of a node for a set of pods.
func ExampleExpect() {
	pods, err := qos.ReadPods(strings.NewReader(manifest), "web.yaml")
	if err != nil {
		panic(err)
	}
	p := qos.DefaultProfile() // v1.37.2, cgroup v2, cgroupfs, containerd, runc 1.4
	for _, pod := range pods {
		if err := p.DefaultPod(pod); err != nil {
			panic(err)
		}
	}
	x, err := qos.Expect(pods, p)
	if err != nil {
		panic(err)
	}
	pod := x.Pods[0]
	fmt.Println(pod.QOSClass, pod.Cgroup(cgroupfs.LevelPod, "", "").Path)
	app := pod.Cgroup(cgroupfs.LevelContainer, qos.ContainerApp, "app")
	w := app.Files["cpu.weight"]
	fmt.Println("cpu.weight", w.Accept, "from shares", w.Shares, "- also", w.Explained[0].Values, w.Explained[0].Reason)
	fmt.Println("cpu.max", app.Files["cpu.max"].Accept)
	fmt.Println("oom_score_adj", pod.OOMScoreAdj["app"])
	// Output:
	// Burstable /kubepods/burstable/pod1234
	// cpu.weight [35] from shares 256 - also [10] weight-formula
	// cpu.max [100000 100000]
	// oom_score_adj 993
}

// An Expecter computes a node's expectation again as its pods change,
// computing only the pods that changed: here a resize the API server
// took, which moves the pod's cgroup and the burstable tier.
func ExampleExpecter() {
	pods, err := qos.ReadPods(strings.NewReader(manifest), "web.yaml")
	if err != nil {
		panic(err)
	}
	p := qos.DefaultProfile()
	ex, err := qos.NewExpecter(p)
	if err != nil {
		panic(err)
	}
	x, err := ex.Expect(pods)
	if err != nil {
		panic(err)
	}
	podCPU := func(x *qos.Expectation) string {
		return x.Pods[0].Cgroup(cgroupfs.LevelPod, "", "").Files["cpu.weight"].Accept[0]
	}
	fmt.Println("before:", podCPU(x), ex.Stats())

	resized := pods[0].DeepCopy()
	resized.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("500m")
	if x, err = ex.Expect([]*corev1.Pod{resized}); err != nil {
		panic(err)
	}
	fmt.Println("after: ", podCPU(x), ex.Stats())
	if _, err = ex.Expect([]*corev1.Pod{resized}); err != nil {
		panic(err)
	}
	fmt.Println("again: ", ex.Stats())
	// Output:
	// before: 10 {1 0}
	// after:  20 {2 0}
	// again:  {2 1}
}

// QOSClass decides the class as the kubelet does.
func ExampleQOSClass() {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
	opts, _ := qos.DefaultProfile().ClassOptions()
	fmt.Println(qos.QOSClass(pod, opts))
	// Output: BestEffort
}

// A kubelet configuration (file or /configz JSON) fills the profile.
func ExampleProfile_LoadKubeletConfiguration() {
	p := qos.DefaultProfile()
	err := p.LoadKubeletConfiguration([]byte(`{"kubeletconfig": {"cgroupDriver": "systemd", "cpuCFSQuotaPeriod": "50ms", "podPidsLimit": 1024}}`))
	fmt.Println(err, p.Kubelet.CgroupDriver, p.Kubelet.CPUCFSQuotaPeriod.Duration, p.Kubelet.PodPidsLimit)
	// Output: <nil> systemd 50ms 1024
}

// Diff puts a node's cgroups next to what its pods ask for. The node here
// is real: captured from a kubelet v1.37.2 on containerd 1.6 and runc
// 1.1.5 by the live-node test (cgroup snapshot, the kubelet's /pods and
// /configz).
func ExampleDiff() {
	dir := filepath.Join("..", "internal", "demo", "data", "1-real-node")
	f, err := os.Open(filepath.Join(dir, "node.tar.gz"))
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

	// The profile: the kubelet's /configz, what the tree shows, and the
	// machine facts the snapshot recorded.
	p := qos.DefaultProfile()
	configz, err := os.ReadFile(filepath.Join(dir, "configz.json"))
	if err != nil {
		log.Fatal(err)
	}
	if err := p.LoadKubeletConfiguration(configz); err != nil {
		log.Fatal(err)
	}
	p.CgroupVersion = fsys.Mode().Version()
	p.Machine.PageSize = fsys.PageSizeBytes()
	p.ApplyMachine(snap.Info.Machine)
	if p.Runtime.OCI, err = qos.ParseOCIRuntime("runc-1.1.5"); err != nil {
		log.Fatal(err)
	}

	podsFile, err := os.Open(filepath.Join(dir, "pods.json"))
	if err != nil {
		log.Fatal(err)
	}
	defer podsFile.Close()
	pods, err := qos.ReadPods(podsFile, "pods.json")
	if err != nil {
		log.Fatal(err)
	}
	x, err := qos.Expect(pods, p)
	if err != nil {
		log.Fatal(err)
	}
	// Read exactly the files the expectation compares, then compare.
	node, err := fsys.Node(cgroupfs.NodeOptions{Files: x.Files()})
	if err != nil {
		log.Fatal(err)
	}
	report := qos.Diff(x, node, qos.DiffOptions{Now: snap.Info.CapturedAt, CompletePodList: true})
	files, cgroups := report.Levels()
	fmt.Printf("%d cgroups, %d files: %d match, %d explained, %d unexplained; whole cgroups: %d explained\n", files.Cgroups, files.Files, files.Match, files.Explained, files.Unexplained(), cgroups.Explained)
	reasons := map[qos.Reason]int{}
	for _, r := range report.Results {
		if r.Status == qos.StatusExplained {
			reasons[r.Reason]++
		}
	}
	for _, reason := range slices.Sorted(maps.Keys(reasons)) {
		fmt.Println(reason, reasons[reason])
	}
	// Output:
	// 34 cgroups, 273 files: 205 match, 68 explained, 0 unexplained; whole cgroups: 1 explained
	// container-exited 1
	// controller-unavailable 68
}
