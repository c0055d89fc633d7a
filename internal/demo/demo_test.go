package demo

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	"github.com/kubecgroups/kubecgroups/internal/testutil"
	"github.com/kubecgroups/kubecgroups/internal/treegen"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestScenarios(t *testing.T) {
	ss, err := Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) < 2 || ss[0].Name != "real-node" {
		t.Fatalf("%d scenarios, the first %q", len(ss), ss[0].Name)
	}
	for _, s := range ss {
		if s.Title == "" || s.Files["pods.json"] == nil || (s.Files["node.tar.gz"] == nil && s.Files["node.txtar"] == nil) {
			t.Errorf("scenario %s is incomplete", s.Name)
		}
	}
}

// The generated scenario: a cgroup v2 node with the systemd driver,
// containerd and runc 1.4 (quadratic weights), read 20 seconds after a
// pod started. What it shows:
//   - api: the operator believes the node runs runc 1.1.5; the container
//     weights follow the other formula (weight-formula);
//   - batch: a 15m limit, rounded by systemd (systemd-quota-rounding);
//   - resize: an in-place resize the kubelet has allocated but not yet
//     actuated (resize-in-progress);
//   - fresh: started 20 s ago, not yet counted by the burstable tier
//     (qos-tier-lag);
//   - web: someone raised the container's memory.max by hand (drift);
//   - a pod deleted earlier whose cgroup is left behind (unexpected).

var capturedAt = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

func uid(name string) types.UID {
	h := testutil.HexID("uid/" + name)
	return types.UID(h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32])
}

type ctr struct {
	name, req, lim string
	sidecar        bool
}

func pod(name string, started time.Time, cs ...ctr) *corev1.Pod {
	p := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: uid(name), CreationTimestamp: metav1.NewTime(started.Add(-2 * time.Second))},
		Spec:       corev1.PodSpec{NodeName: "node-7"},
	}
	st := metav1.NewTime(started)
	p.Status.StartTime = &st
	p.Status.Phase = corev1.PodRunning
	always := corev1.ContainerRestartPolicyAlways
	for _, c := range cs {
		k := corev1.Container{Name: c.name, Image: "registry.example/" + name + ":1", Resources: corev1.ResourceRequirements{Requests: podtest.ResourceList(c.req), Limits: podtest.ResourceList(c.lim)}}
		status := corev1.ContainerStatus{Name: c.name, ContainerID: "containerd://" + testutil.HexID(name+"/"+c.name), Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: st}}}
		if c.sidecar {
			k.RestartPolicy = &always
			p.Spec.InitContainers = append(p.Spec.InitContainers, k)
			p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, status)
			continue
		}
		p.Spec.Containers = append(p.Spec.Containers, k)
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, status)
	}
	return p
}

func v2Node() qos.Profile {
	p := qos.DefaultProfile()
	p.Kubelet.CgroupDriver = cgroupfs.DriverSystemd
	p.Runtime.OCI, _ = qos.ParseOCIRuntime("runc-1.4.0")
	return p
}

func TestGenerateV2Scenario(t *testing.T) {
	long := capturedAt.Add(-3 * time.Hour)
	web := pod("web", long, ctr{name: "app", req: "cpu=500m,memory=256Mi", lim: "cpu=500m,memory=256Mi"})
	api := pod("api", long, ctr{name: "app", req: "cpu=250m,memory=128Mi", lim: "cpu=1,memory=512Mi"},
		ctr{name: "proxy", req: "cpu=50m,memory=32Mi", lim: "cpu=100m,memory=64Mi", sidecar: true})
	batch := pod("batch", long, ctr{name: "worker", req: "cpu=15m,memory=64Mi", lim: "cpu=15m,memory=128Mi"})
	resize := pod("resize", long, ctr{name: "app", req: "cpu=400m,memory=256Mi", lim: "cpu=800m,memory=512Mi"})
	fresh := pod("fresh", capturedAt.Add(-20*time.Second), ctr{name: "app", req: "cpu=300m,memory=64Mi"})
	idle := pod("idle", long, ctr{name: "app"})
	claimed := []*corev1.Pod{web, api, batch, resize, fresh, idle}

	// The resize: spec and allocation say 400m/800m; the last actuated
	// resources (and the cgroups) are still 200m/400m.
	oldRes := corev1.ResourceRequirements{Requests: podtest.ResourceList("cpu=200m,memory=256Mi"), Limits: podtest.ResourceList("cpu=400m,memory=512Mi")}
	resize.Status.ContainerStatuses[0].AllocatedResources = podtest.ResourceList("cpu=400m,memory=256Mi")
	resize.Status.ContainerStatuses[0].Resources = &oldRes
	resize.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodResizeInProgress, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(capturedAt.Add(-time.Second))}}

	// What the node really holds: the old resize values, a leftover pod.
	actualResize := pod("resize", long, ctr{name: "app", req: "cpu=200m,memory=256Mi", lim: "cpu=400m,memory=512Mi"})
	leftover := pod("deleted-last-week", long, ctr{name: "app"})
	actual := []*corev1.Pod{web, api, batch, actualResize, fresh, idle, leftover}
	// The tier counts allocated resources (the resize's new values) but
	// not the pod that started 20 s ago.
	notYetCounted := []*corev1.Pod{web, api, batch, resize, idle}

	p := v2Node()
	for _, pp := range append(append([]*corev1.Pod{}, claimed...), actualResize, leftover) {
		if err := p.DefaultPod(pp); err != nil {
			t.Fatal(err)
		}
	}
	x, err := qos.Expect(actual, p)
	if err != nil {
		t.Fatal(err)
	}
	lag, err := qos.Expect(notYetCounted, p)
	if err != nil {
		t.Fatal(err)
	}
	tierWeight := lag.NodeCgroup(cgroupfs.LevelBurstable).Files["cpu.weight"].Accept[0]
	files, err := treegen.Files(x, treegen.Options{Value: func(cg *qos.ExpectedCgroup, pe *qos.PodExpectation, file string, ef qos.ExpectedFile) (string, bool) {
		switch {
		case cg.Level == cgroupfs.LevelBurstable && file == "cpu.weight":
			return tierWeight, true
		case pe != nil && pe.Name == "web" && cg.Container == "app" && file == "memory.max":
			return "536870912", true
		case pe != nil && pe.Name == "batch" && file == "cpu.max" && cg.ContainerType != qos.ContainerSandbox:
			return "2000 100000", true
		}
		return "", false
	}})
	if err != nil {
		t.Fatal(err)
	}
	info := cgroupfs.SnapshotInfo{
		Mode: cgroupfs.ModeUnified, CapturedAt: capturedAt, PageSizeBytes: convert.DefaultPageSize,
		Hostname: "node-7", ToolVersion: "generated by internal/demo", Driver: cgroupfs.DriverSystemd, CgroupRoot: "/",
		Machine: &cgroupfs.MachineInfo{CPUs: 8, MemoryBytes: 32 << 30, PIDMax: 4194304, ThreadsMax: 4194304, HugePageSizes: []uint64{2 << 20, 1 << 30}},
	}
	info.Description = "A generated cgroup v2 node (systemd driver, containerd, runc 1.4) with explained and unexplained differences; see internal/demo/demo_test.go."
	tree, err := treegen.Snapshot(files, info)
	if err != nil {
		t.Fatal(err)
	}

	list := corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	for _, pp := range claimed {
		list.Items = append(list.Items, *pp)
	}
	pods, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("data", "2-v2-systemd")
	want := map[string][]byte{
		"node.txtar": tree,
		"pods.json":  append(pods, '\n'),
		"args.txt":   []byte("--kubernetes-version 1.37 --oci-runtime runc-1.1.5 --complete-pod-list\n"),
		"title.txt":  []byte("A generated cgroup v2 node (systemd driver, containerd; the operator believes it runs runc 1.1.5, it runs runc 1.4) read 20 s after a pod started, during an in-place resize, with a container limit changed by hand and a leftover pod cgroup.\n"),
	}
	for name, data := range want {
		golden.Check(t, filepath.Join(dir, name), data)
	}
}
