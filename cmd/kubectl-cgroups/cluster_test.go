package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/internal/testutil"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	utilexec "k8s.io/client-go/util/exec"
)

// The fake cluster: node kcg-node is the live-node rig's node captured in
// internal/demo/data/1-real-node (its cgroups, its pods as the kubelet listed them,
// its /configz), served through client-go's fake clientset, a fake node
// proxy and a fake exec that streams the archive a snapshot pod would.

const fakeNode = "kcg-node"

// fakeCluster is a fake API server with its kubelets.
type fakeCluster struct {
	t      *testing.T
	client *fake.Clientset
	// kubelet answers node proxy requests: node -> path -> body, or
	// kubeletErr.
	kubelet    map[string]map[string][]byte
	kubeletErr map[string]error
	exec       *fakeExec
	// startStatus is the status snapshot pods get; nil: running.
	startStatus *corev1.PodStatus
	// uids counts the pods created, for their UIDs.
	mu   sync.Mutex
	uids int
}

// fakeExec streams the archive of a node, as the snapshot script would.
type fakeExec struct {
	fc *fakeCluster
	// archives are the trees of each node (plain tar.gz, as busybox tar
	// writes them); the snapshot pod's own cgroup is added on the fly.
	archives map[string][]byte
	// err fails the exec of a node.
	err map[string]error
	// started is closed at the first exec; block makes exec wait for
	// its context (an interrupted stream).
	started chan struct{}
	once    sync.Once
	block   bool
	mu      sync.Mutex
	calls   []string
}

func (e *fakeExec) Exec(ctx context.Context, ns, pod, container string, command []string, stdout, stderr io.Writer) error {
	e.mu.Lock()
	e.calls = append(e.calls, ns+"/"+pod+"/"+container)
	e.mu.Unlock()
	e.once.Do(func() { close(e.started) })
	if e.block {
		<-ctx.Done()
		return ctx.Err()
	}
	if len(command) < 3 || command[0] != "sh" || command[2] != cluster.SnapshotCommand("", "")[2] {
		return fmt.Errorf("unexpected command %q", command)
	}
	p, err := e.fc.client.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return err
	}
	node := p.Spec.NodeName
	if err := e.err[node]; err != nil {
		fmt.Fprintln(stderr, "exec failed")
		return err
	}
	archive, ok := e.archives[node]
	if !ok {
		return fmt.Errorf("no archive for node %s", node)
	}
	// The snapshot pod is one of the node's pods: its cgroup is in the
	// tree it reads (and must be left out of every result).
	withSelf, err := addBestEffortPod(archive, string(p.UID))
	if err != nil {
		return err
	}
	_, err = stdout.Write(withSelf)
	return err
}

// newFakeCluster serves kcg-node, plus the given extra nodes (which share
// its archive unless the test changes them).
func newFakeCluster(t *testing.T, extraNodes ...*corev1.Node) *fakeCluster {
	t.Helper()
	dir := golden.RealNode(t)
	podsJSON, err := os.ReadFile(filepath.Join(dir, "pods.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list corev1.PodList
	if err := json.Unmarshal(podsJSON, &list); err != nil {
		t.Fatal(err)
	}
	objects := []runtime.Object{testNode(fakeNode, "v1.37.2", "containerd://1.6.20")}
	for _, n := range extraNodes {
		objects = append(objects, n)
	}
	for i := range list.Items {
		p := list.Items[i].DeepCopy()
		p.Labels = map[string]string{"app": strings.TrimSuffix(p.Name, "-"+fakeNode)}
		if p.Status.QOSClass == corev1.PodQOSBurstable {
			p.Labels["tier"] = "burstable"
		}
		objects = append(objects, p)
	}
	// A pod on another node, which no check of kcg-node may see.
	objects = append(objects, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere", Namespace: "default", UID: "e1"},
		Spec: corev1.PodSpec{NodeName: "node-b", Containers: []corev1.Container{{Name: "c", Image: "x"}}}})
	configz, err := os.ReadFile(filepath.Join(dir, "configz.json"))
	if err != nil {
		t.Fatal(err)
	}
	fc := &fakeCluster{t: t, client: fake.NewClientset(objects...), kubeletErr: map[string]error{}}
	fc.kubelet = map[string]map[string][]byte{}
	fc.exec = &fakeExec{fc: fc, archives: map[string][]byte{}, err: map[string]error{}, started: make(chan struct{})}
	fc.exec.archives[fakeNode] = plainArchive(t, filepath.Join(dir, "node.tar.gz"))
	for _, n := range append([]*corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: fakeNode}}}, extraNodes...) {
		fc.kubelet[n.Name] = map[string][]byte{
			"configz":       configz,
			"stats/summary": []byte(`{"node":{"nodeName":"` + n.Name + `","rlimit":{"time":"2026-11-25T15:26:03Z","maxpid":32768,"curproc":300}}}`),
		}
		fc.exec.archives[n.Name] = fc.exec.archives[fakeNode]
	}
	// The kubelet side of the snapshot pod: it runs as soon as it is
	// created, with a UID as the API server gives one.
	fc.client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		if p.Labels[cluster.SnapshotPodLabel] != cluster.SnapshotPodLabelValue {
			return false, nil, nil
		}
		fc.mu.Lock()
		fc.uids++
		p.UID = types.UID(fmt.Sprintf("5a0b0000-0000-4000-8000-%012d", fc.uids))
		fc.mu.Unlock()
		p.CreationTimestamp = metav1.Now()
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
			Name: cluster.SnapshotContainer, ContainerID: "containerd://" + strings.Repeat("ab", 32),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		}}}
		if fc.startStatus != nil {
			p.Status = *fc.startStatus
		}
		return false, nil, nil
	})
	return fc
}

func testNode(name, kubelet, runtime string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelOSStable: "linux"}},
		Status: corev1.NodeStatus{
			Capacity: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("2"),
				corev1.ResourceMemory: *resource.NewQuantity(25276026880, resource.BinarySI),
				"hugepages-2Mi":       resource.MustParse("0"),
				corev1.ResourcePods:   resource.MustParse("110"),
			},
			NodeInfo: corev1.NodeSystemInfo{KubeletVersion: kubelet, ContainerRuntimeVersion: runtime},
		},
	}
}

// api is the clusterAPI of the fake cluster.
func (fc *fakeCluster) api() *clusterAPI {
	return &clusterAPI{namespace: "default", API: &cluster.API{
		Client: fc.client,
		Exec:   fc.exec,
		Kubelet: func(ctx context.Context, node, path string) ([]byte, error) {
			if err := fc.kubeletErr[node+"/"+path]; err != nil {
				return nil, err
			}
			if b, ok := fc.kubelet[node][path]; ok {
				return b, nil
			}
			return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "nodes/proxy"}, node)
		},
	}}
}

// run runs the command line against the fake cluster.
func (fc *fakeCluster) run(ctx context.Context, args ...string) (string, string, int) {
	fc.t.Helper()
	var out, errb bytes.Buffer
	code := runWith(ctx, args, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb}, func(f *clusterFlags) (*clusterAPI, error) {
		api := fc.api()
		if ns := *f.kube.Namespace; ns != "" {
			api.namespace = ns // as the kubeconfig loader resolves -n
		}
		return api, nil
	})
	return out.String(), errb.String(), code
}

// snapshotPods lists the snapshot pods left in the cluster.
func (fc *fakeCluster) snapshotPods() []string {
	fc.t.Helper()
	list, err := fc.client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{LabelSelector: cluster.SnapshotPodLabel + "=" + cluster.SnapshotPodLabelValue})
	if err != nil {
		fc.t.Fatal(err)
	}
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return names
}

// actions counts the fake clientset's actions on pods by verb.
func (fc *fakeCluster) podActions(verb string) int {
	n := 0
	for _, a := range fc.client.Actions() {
		if a.GetVerb() == verb && a.GetResource().Resource == "pods" && a.GetSubresource() == "" {
			n++
		}
	}
	return n
}

// readSnapshotFile reads the snapshot archive at path.
func readSnapshotFile(t *testing.T, path string) *cgroupfs.Snapshot {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := cgroupfs.ReadSnapshot(f, cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return snap
}

// plainArchive turns a kubecgroups snapshot into what the snapshot pod
// streams: a plain tar.gz of the copied tree ("./" names, directories
// first) with the metadata its shell writes (no mode, pid_max as a pid
// namespace of Linux 6.14 shows it).
func plainArchive(t *testing.T, path string) []byte {
	t.Helper()
	snap := readSnapshotFile(t, path)
	meta := fmt.Sprintf(`{"apiVersion":"kubecgroups.io/v1alpha1","kind":"CgroupSnapshot","capturedAt":"%s","pageSizeBytes":4096,"machine":{"pidMax":4194304,"threadsMax":192729}}`+"\n",
		snap.Info.CapturedAt.UTC().Format(time.RFC3339))
	return testutil.PlainArchive(t, snap, testutil.ArchiveOptions{Prefix: "./", MetadataName: cgroupfs.MetadataFile, Metadata: meta})
}

// addBestEffortPod adds a BestEffort pod cgroup with one container to a
// plain v1 archive (the snapshot pod as the node shows it).
func addBestEffortPod(archive []byte, uid string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		tw.WriteHeader(h)
		io.Copy(tw, tr)
	}
	files := map[string]string{"cpu/%s/cpu.shares": "2\n", "cpu/%s/cpu.cfs_quota_us": "-1\n", "cpu/%s/cpu.cfs_period_us": "100000\n", "memory/%s/memory.limit_in_bytes": "9223372036854771712\n", "pids/%s/pids.max": "max\n"}
	for _, cg := range []string{"kubepods/besteffort/pod" + uid, "kubepods/besteffort/pod" + uid + "/" + strings.Repeat("ab", 32)} {
		for _, ctrl := range []string{"cpu", "memory", "pids"} {
			tw.WriteHeader(&tar.Header{Name: "./" + ctrl + "/" + cg + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		}
		for name, v := range files {
			tw.WriteHeader(&tar.Header{Name: "./" + fmt.Sprintf(name, cg), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(v))})
			tw.Write([]byte(v))
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes(), nil
}

var snapshotPodNameRE = regexp.MustCompile(`kcg-snapshot-([a-z0-9-]+)-[a-z0-9]{5}\b`)

// stable replaces the random part of snapshot pod names.
func stable(s string) string {
	return snapshotPodNameRE.ReplaceAllString(s, "kcg-snapshot-$1-xxxxx")
}

func decodeList(t *testing.T, out string) *cluster.DiffReportList {
	t.Helper()
	var l cluster.DiffReportList
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	return &l
}

// TestClusterDiffNode diffs the whole node through the fake API: the
// real node of the rig matches, the snapshot pod is created as specified,
// left out of the report, and deleted.
func TestClusterDiffNode(t *testing.T) {
	fc := newFakeCluster(t)
	out, errOut, code := fc.run(context.Background(), "diff", "--node", fakeNode)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	golden.Check(t, golden.Path(t, "golden", "cluster", "diff-node.txt"), []byte(stable(out)))
	if left := fc.snapshotPods(); len(left) != 0 {
		t.Errorf("snapshot pods left: %v", left)
	}
	if fc.podActions("create") != 1 || fc.podActions("delete") != 1 {
		t.Errorf("pods created %d, deleted %d; want 1 and 1", fc.podActions("create"), fc.podActions("delete"))
	}

	// The pod as created: pinned, read-only, unprivileged, BestEffort.
	var created *corev1.Pod
	for _, a := range fc.client.Actions() {
		if c, ok := a.(k8stesting.CreateAction); ok && a.GetResource().Resource == "pods" {
			created = c.GetObject().(*corev1.Pod)
		}
	}
	if created == nil {
		t.Fatal("no pod created")
	}
	sc := created.Spec.Containers[0].SecurityContext
	switch {
	case created.Namespace != cluster.DefaultNamespace, created.Spec.NodeName != fakeNode,
		!strings.HasPrefix(created.Name, "kcg-snapshot-kcg-node-"),
		created.Labels[cluster.SnapshotPodLabel] != cluster.SnapshotPodLabelValue, created.Labels[cluster.SnapshotNodeLabel] != fakeNode,
		len(created.OwnerReferences) != 0,
		created.Spec.Tolerations[0].Operator != corev1.TolerationOpExists,
		sc == nil || *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem || sc.Capabilities.Drop[0] != "ALL",
		!*created.Spec.SecurityContext.RunAsNonRoot,
		created.Spec.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault,
		*created.Spec.Volumes[0].HostPath.Type != corev1.HostPathDirectory, !created.Spec.Containers[0].VolumeMounts[0].ReadOnly,
		created.Spec.Volumes[1].EmptyDir.Medium != corev1.StorageMediumMemory,
		created.Spec.Containers[0].Image != cluster.DefaultImage,
		len(created.Spec.Containers[0].Resources.Requests) != 0 || len(created.Spec.Containers[0].Resources.Limits) != 0,
		created.Spec.HostNetwork || created.Spec.HostPID || created.Spec.HostIPC,
		*created.Spec.AutomountServiceAccountToken,
		// --snapshot-timeout 2m plus a minute for the pod list and the delete.
		created.Spec.ActiveDeadlineSeconds == nil || *created.Spec.ActiveDeadlineSeconds != 180,
		created.Spec.Containers[0].VolumeMounts[0].RecursiveReadOnly == nil || *created.Spec.Containers[0].VolumeMounts[0].RecursiveReadOnly != corev1.RecursiveReadOnlyIfPossible,
		strings.Join(created.Spec.Containers[0].Command, " ") != "sh -c trap 'exit 0' TERM; sleep 3600 & wait",
		!regexp.MustCompile(`^kcg-\d{8}t\d{6}-[a-z0-9]{5}$`).MatchString(created.Labels[cluster.SnapshotRunIDLabel]):
		t.Errorf("snapshot pod spec: %+v", created)
	}
	if !strings.Contains(cluster.DefaultImage, "@sha256:") {
		t.Errorf("the default image %s is not pinned by digest", cluster.DefaultImage)
	}

	// The JSON document of the same check.
	out, _, code = fc.run(context.Background(), "diff", "--node", fakeNode, "-o", "json")
	if code != 0 {
		t.Fatalf("json: exit %d", code)
	}
	l := decodeList(t, out)
	if l.Kind != cluster.KindDiffReportList || len(l.Items) != 1 || l.Summary.Checked != 1 || l.Summary.Nodes != 1 {
		t.Fatalf("list %+v", l.Summary)
	}
	it := l.Items[0]
	if it.NodeName != fakeNode || it.Scope != "node" || it.Kind != qos.KindDiffReport || it.Summary.Cgroups != 34 || it.Summary.Unexplained() != 0 || l.Summary.Files != it.Summary.Files {
		t.Errorf("item %s %s %s %+v", it.NodeName, it.Scope, it.Kind, it.Summary)
	}
	for k, want := range map[string]string{"kubernetesVersion": "node-object", "runtime": "node-object", "kubelet": "configz", "capacity": "node-object, stats/summary (pid)", "cgroupVersion": "snapshot"} {
		if got := it.ProfileSources[k]; got != want {
			t.Errorf("profileSources[%s] = %q, want %q", k, got, want)
		}
	}
	for _, r := range it.Results {
		if strings.Contains(r.Pod, "kcg-snapshot") || strings.HasPrefix(r.UID, "5a0b0000") {
			t.Errorf("the snapshot pod is in the report: %+v", r)
		}
	}
	if pid := it.Profile.Machine.Capacity["pid"]; pid.Value() != 32768 {
		t.Errorf("pid capacity %v, want the kubelet's 32768", pid.String())
	}
}

// TestClusterDiffPods diffs one pod, several pods and a selector: the
// whole node is compared, only those pods reported.
func TestClusterDiffPods(t *testing.T) {
	fc := newFakeCluster(t)
	out, errOut, code := fc.run(context.Background(), "diff", "pod/guaranteed-kcg-node")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	golden.Check(t, golden.Path(t, "golden", "cluster", "diff-pod.txt"), []byte(stable(out)))

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"diff", "guaranteed-kcg-node", "pods/sidecar-kcg-node", "-n", "default"}, []string{"default/guaranteed-kcg-node", "default/sidecar-kcg-node"}},
		{[]string{"diff", "-l", "tier=burstable"}, []string{"default/burstable-partial-kcg-node", "default/init-container-kcg-node", "default/limits-only-kcg-node", "default/multi-container-kcg-node", "default/requests-only-kcg-node", "default/sidecar-kcg-node"}},
		{[]string{"diff", "-A", "-l", "app in (besteffort)"}, []string{"default/besteffort-kcg-node"}},
	} {
		out, errOut, code := fc.run(context.Background(), append(tc.args, "-o", "json")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		l := decodeList(t, out)
		if len(l.Items) != 1 || l.Items[0].Scope != "pods" || strings.Join(l.Items[0].Pods, " ") != strings.Join(tc.want, " ") {
			t.Fatalf("%v: items %+v", tc.args, l.Items)
		}
		seen := map[string]bool{}
		for _, r := range l.Items[0].Results {
			seen[r.Pod] = true
			if r.Level != cgroupfs.LevelPod && r.Level != cgroupfs.LevelContainer {
				t.Errorf("%v: node-level result in a pod report: %+v", tc.args, r)
			}
		}
		if len(seen) != len(tc.want) {
			t.Errorf("%v: results for %v", tc.args, seen)
		}
		if sum := l.Items[0].Summary; sum.Files == 0 || sum.Match == 0 || sum.Unexplained() != 0 || sum.Cgroups == 0 {
			t.Errorf("%v: summary %+v", tc.args, l.Items[0].Summary)
		}
	}
	if left := fc.snapshotPods(); len(left) != 0 {
		t.Errorf("snapshot pods left: %v", left)
	}
}

// TestClusterDiffMirrorPod: a static pod's mirror carries another UID
// than the cgroup; the mirror annotation holds the real one.
func TestClusterDiffMirrorPod(t *testing.T) {
	fc := newFakeCluster(t)
	ctx := context.Background()
	p, err := fc.client.CoreV1().Pods("default").Get(ctx, "guaranteed-kcg-node", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fc.client.CoreV1().Pods("default").Delete(ctx, p.Name, metav1.DeleteOptions{})
	p.Annotations[cluster.MirrorPodAnnotation] = string(p.UID)
	p.UID, p.ResourceVersion = "0c7a11f5-0000-4000-8000-000000000001", ""
	if _, err := fc.client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := fc.run(ctx, "diff", "--node", fakeNode, "--only-drift"); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
}

// TestClusterDiffAllNodes: every Linux node, concurrently; a node that
// fails is reported and warned about, the others still checked; exit 2
// only when no node could be checked.
func TestClusterDiffAllNodes(t *testing.T) {
	win := testNode("win-1", "v1.37.2", "containerd://1.7.0")
	win.Labels[corev1.LabelOSStable] = "windows"
	fc := newFakeCluster(t, testNode("node-b", "v1.37.2", "containerd://1.6.20"), testNode("node-c", "v1.37.2", "containerd://1.6.20"), win)
	// node-b: the exec fails; node-c: an empty node (its tree has the
	// rig's pods, which the API does not list there: leftovers).
	fc.exec.err["node-b"] = errors.New("connection reset by peer")
	out, errOut, code := fc.run(context.Background(), "diff", "--all-nodes", "--max-concurrency", "2", "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (node-c has unexplained leftovers): %s\n%s", code, errOut, out)
	}
	l := decodeList(t, out)
	s := l.Summary
	if s.Nodes != 4 || s.Checked != 2 || s.Failed != 1 || s.Skipped != 1 || len(l.Items) != 2 || l.Items[0].NodeName != fakeNode || l.Items[1].NodeName != "node-c" {
		t.Fatalf("summary %+v, items %d", s, len(l.Items))
	}
	if l.Failed[0].NodeName != "node-b" || !strings.Contains(l.Failed[0].Error, "node node-b: exec into the snapshot pod") || !strings.Contains(l.Failed[0].Error, "connection reset") {
		t.Errorf("failed %+v", l.Failed)
	}
	if l.Skipped[0].NodeName != "win-1" || !strings.Contains(l.Skipped[0].Error, "windows") {
		t.Errorf("skipped %+v", l.Skipped)
	}
	if !strings.Contains(errOut, "warning: node node-b:") {
		t.Errorf("no warning on stderr: %q", errOut)
	}
	if s.Unexpected != l.Items[1].Summary.Unexpected || s.Unexpected == 0 || s.Files != l.Items[0].Summary.Files+l.Items[1].Summary.Files {
		t.Errorf("summary does not add up: %+v", s)
	}
	if left := fc.snapshotPods(); len(left) != 0 {
		t.Errorf("snapshot pods left: %v", left)
	}

	// The table: one section per node, the failure, the totals.
	out, _, _ = fc.run(context.Background(), "diff", "--all-nodes", "--only-drift")
	for _, want := range []string{"=== node kcg-node, read 2026-11-25T15:26:03Z by pod kubecgroups/kcg-snapshot-kcg-node-", "=== node node-c", "=== node node-b: not checked", "=== node win-1: skipped", "4 nodes: 2 checked, 1 not checked, 1 skipped;"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	// Nothing checked: exit 2, every reason given.
	fc.exec.err[fakeNode], fc.exec.err["node-c"] = errors.New("boom"), errors.New("boom")
	out, errOut, code = fc.run(context.Background(), "diff", "--all-nodes")
	if code != 2 || out != "" || !strings.Contains(errOut, "no node could be checked") || strings.Count(errOut, "node ") < 3 {
		t.Errorf("all failed: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if left := fc.snapshotPods(); len(left) != 0 {
		t.Errorf("snapshot pods left: %v", left)
	}
}

// TestClusterDegradedKubelet: without nodes/proxy the kubelet settings are
// the defaults, the pid capacity the snapshot pod's, and the report says
// so; the diff still runs.
func TestClusterDegradedKubelet(t *testing.T) {
	fc := newFakeCluster(t)
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "nodes/proxy"}, fakeNode, errors.New(`User "u" cannot get resource "nodes/proxy"`))
	fc.kubeletErr[fakeNode+"/configz"] = forbidden
	fc.kubeletErr[fakeNode+"/stats/summary"] = forbidden
	out, errOut, code := fc.run(context.Background(), "diff", "--node", fakeNode, "-o", "json")
	// The rig's kubelet has a 50 ms CFS period and podPidsLimit 1024; the
	// assumed defaults do not: unverified, naming the settings, not drift
	// (exit 0).
	if code != 0 {
		t.Fatalf("exit %d, want 0: %s\n%s", code, errOut, out)
	}
	it := decodeList(t, out).Items[0]
	inputs := map[qos.Input]int{}
	for _, r := range it.Results {
		if r.Status == qos.StatusUnverified {
			inputs[r.Input]++
		}
	}
	if inputs[qos.InputCPUCFSQuotaPeriod] == 0 || inputs[qos.InputPodPidsLimit] == 0 || inputs[qos.InputPIDCapacity] != 1 || it.Summary.Unverified == 0 || it.Summary.Unexplained() != 0 {
		t.Errorf("unverified inputs %v, summary %+v", inputs, it.Summary)
	}
	if !strings.HasPrefix(it.ProfileSources["kubelet"], "default") || it.ProfileSources["capacity"] != "node-object, snapshot pod (pid)" {
		t.Errorf("profileSources %v", it.ProfileSources)
	}
	reasons := map[qos.Reason]string{}
	for _, n := range it.Notes {
		reasons[n.Reason] += n.Message + "\n"
	}
	if m := reasons["kubelet-config-unknown"]; !strings.Contains(m, "forbidden: reading it needs get on nodes/proxy") || !strings.Contains(m, "--node-config") {
		t.Errorf("note %q", m)
	}
	if m := reasons["capacity-uncertain"]; !strings.Contains(m, "pid namespace") {
		t.Errorf("note %q", m)
	}
	period := false
	for _, n := range it.Notes {
		period = period || strings.Contains(n.Message, "cpuCFSQuotaPeriod=50ms? give --node-config")
	}
	if !period {
		t.Errorf("no note groups the 50 ms periods: %+v", it.Notes)
	}
	if pid := it.Profile.Machine.Capacity["pid"]; pid.Value() != 192729 {
		t.Errorf("pid capacity %v, want min(pid_max, threads-max) as the pod read them", pid.String())
	}
	// --node-config replaces configz: back to a match but for pids.max.
	out, _, code = fc.run(context.Background(), "diff", "--node", fakeNode, "-o", "json", "--node-config", golden.RealNode(t, "configz.json"), "--node-capacity", "pids=32768")
	if code != 0 {
		t.Errorf("with --node-config and --node-capacity: exit %d\n%s", code, out)
	}
	// The table shows the notes.
	out, _, _ = fc.run(context.Background(), "diff", "--node", fakeNode)
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "could not be read (forbidden: reading it needs get on nodes/proxy)") {
		t.Errorf("table:\n%s", out)
	}
}

// TestClusterExecForbidden: a user without pods/exec gets an error that
// says so, and the snapshot pod is deleted.
func TestClusterExecForbidden(t *testing.T) {
	fc := newFakeCluster(t)
	fc.exec.err[fakeNode] = errors.New(`unable to upgrade connection: pods "kcg-snapshot-kcg-node-abcde" is forbidden: User "kcg-noexec" cannot create resource "pods/exec" in API group "" in the namespace "kubecgroups"`)
	_, errOut, code := fc.run(context.Background(), "diff", "pod/guaranteed-kcg-node")
	if code != 2 || !strings.Contains(errOut, "error: node kcg-node: cannot exec into the snapshot pod kubecgroups/kcg-snapshot-kcg-node-") ||
		!strings.Contains(errOut, "needs create on pods/exec in namespace kubecgroups") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if left := fc.snapshotPods(); len(left) != 0 || fc.podActions("delete") != 1 {
		t.Errorf("snapshot pods left: %v (deletes %d)", left, fc.podActions("delete"))
	}
	// A failing script: its exit status and error output.
	fc.exec.err[fakeNode] = utilexec.CodeExitError{Err: errors.New("command terminated with exit code 3"), Code: 3}
	_, errOut, code = fc.run(context.Background(), "inspect", "node/"+fakeNode)
	if code != 2 || !strings.Contains(errOut, "failed (exit status 3): exec failed") {
		t.Errorf("script failure: exit %d: %s", code, errOut)
	}
	if left := fc.snapshotPods(); len(left) != 0 {
		t.Errorf("snapshot pods left: %v", left)
	}
}

// TestClusterInterrupt: Ctrl-C while the archive streams deletes the
// snapshot pod, waits until it is gone and exits 2.
func TestClusterInterrupt(t *testing.T) {
	fc := newFakeCluster(t)
	fc.exec.block = true
	// The deleted pod lingers for two reads (terminating), as on a real
	// node: the command must wait for it.
	var gets int
	var mu sync.Mutex
	deleted := false
	fc.client.PrependReactor("delete", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		deleted = true
		mu.Unlock()
		return false, nil, nil
	})
	fc.client.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		if deleted && strings.HasPrefix(a.(k8stesting.GetAction).GetName(), cluster.SnapshotPodPrefix) && gets < 2 {
			gets++
			return true, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: a.(k8stesting.GetAction).GetName(), UID: "5a0b0000-0000-4000-8000-000000000001", DeletionTimestamp: &metav1.Time{Time: time.Now()}}}, nil
		}
		return false, nil, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-fc.exec.started
		cancel()
	}()
	_, errOut, code := fc.run(ctx, "diff", "--node", fakeNode)
	if code != 2 || !strings.Contains(errOut, "interrupted: deleting the snapshot pod kubecgroups/kcg-snapshot-kcg-node-") || !strings.Contains(errOut, "error: interrupted") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if gets != 2 {
		t.Errorf("the command read the terminating pod %d times, want 2 (it must wait until it is gone)", gets)
	}
	if left := fc.snapshotPods(); len(left) != 0 {
		t.Errorf("snapshot pods left: %v", left)
	}
}

// TestClusterCreateInFlight: an interrupt that arrives while the
// snapshot pod's Create is in flight does not abandon the pod: the
// Create completes (its context is not the run's) and the pod is deleted.
func TestClusterCreateInFlight(t *testing.T) {
	fc := newFakeCluster(t)
	ctx, cancel := context.WithCancel(context.Background())
	fc.client.PrependReactor("create", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		cancel() // Ctrl-C now; the API server still creates the pod
		return false, nil, nil
	})
	_, errOut, code := fc.run(ctx, "diff", "--node", fakeNode)
	if code != 2 || !strings.Contains(errOut, "interrupted: deleting the snapshot pod kubecgroups/kcg-snapshot-kcg-node-") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if fc.podActions("create") != 1 || fc.podActions("delete") != 1 {
		t.Errorf("pods created %d, deleted %d; want 1 and 1", fc.podActions("create"), fc.podActions("delete"))
	}
	if len(fc.exec.calls) != 0 {
		t.Errorf("exec after the interrupt: %v", fc.exec.calls)
	}
	if left := fc.snapshotPods(); len(left) != 0 {
		t.Errorf("snapshot pods left: %v", left)
	}
}

// TestClusterCreateUncertain: a Create that fails without an answer (a
// lost connection, a timeout) may have created the pod: the pod of that
// name is deleted if it carries this run's ID, and left alone otherwise.
func TestClusterCreateUncertain(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		created   bool
		wantGet   bool
		wantError string
	}{
		{"lost after creating", errors.New("http2: client connection lost"), true, true, "creating the snapshot pod in namespace kubecgroups: http2: client connection lost"},
		{"timeout before creating", apierrors.NewTimeoutError("request did not complete", 0), false, true, "creating the snapshot pod"},
		{"refused", apierrors.NewBadRequest("bad pod"), false, false, "bad pod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeCluster(t)
			fc.client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
				if tc.created {
					p := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
					p.UID = "5a0b0000-0000-4000-8000-00000000abcd"
					if err := fc.client.Tracker().Create(a.GetResource(), p, p.Namespace); err != nil {
						t.Fatal(err)
					}
				}
				return true, nil, tc.err
			})
			_, errOut, code := fc.run(context.Background(), "diff", "--node", fakeNode)
			if code != 2 || !strings.Contains(errOut, tc.wantError) {
				t.Errorf("exit %d: %s\nwant %q", code, errOut, tc.wantError)
			}
			gets := 0
			for _, a := range fc.client.Actions() {
				if a.GetVerb() == "get" && a.GetResource().Resource == "pods" {
					gets++
				}
			}
			if (gets > 0) != tc.wantGet {
				t.Errorf("looked for the pod %d times, want %v", gets, tc.wantGet)
			}
			if want := map[bool]int{true: 1}[tc.created]; fc.podActions("delete") != want {
				t.Errorf("deleted %d pods, want %d", fc.podActions("delete"), want)
			}
			if left := fc.snapshotPods(); len(left) != 0 {
				t.Errorf("snapshot pods left: %v", left)
			}
		})
	}
	// A pod of that name from another run is not ours to delete.
	fc := newFakeCluster(t)
	fc.client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod).DeepCopy()
		p.Labels[cluster.SnapshotRunIDLabel] = "someone-else"
		fc.client.Tracker().Create(a.GetResource(), p, p.Namespace)
		return true, nil, errors.New("connection reset by peer")
	})
	if _, errOut, code := fc.run(context.Background(), "diff", "--node", fakeNode); code != 2 || fc.podActions("delete") != 0 || len(fc.snapshotPods()) != 1 {
		t.Errorf("another run's pod: exit %d, %d deletes, left %v: %s", code, fc.podActions("delete"), fc.snapshotPods(), errOut)
	}
}

// TestClusterLeftoverWarning: when the snapshot pod's deletion cannot be
// confirmed, the run says so, naming the pod and the cleanup command of
// its run.
func TestClusterLeftoverWarning(t *testing.T) {
	fc := newFakeCluster(t)
	fc.client.PrependReactor("delete", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	_, errOut, code := fc.run(context.Background(), "inspect", "node/"+fakeNode)
	left := fc.snapshotPods()
	if code != 0 || len(left) != 1 {
		t.Fatalf("exit %d, left %v: %s", code, left, errOut)
	}
	p, err := fc.client.CoreV1().Pods("kubecgroups").Get(context.Background(), strings.TrimPrefix(left[0], "kubecgroups/"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("warning: deleting %s: connection refused; the snapshot pod %s may be left over; kubectl-cgroups cleanup --run-id %s removes it", left[0], left[0], p.Labels[cluster.SnapshotRunIDLabel])
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr %q\nwant %q", errOut, want)
	}
}

// TestClusterLeftoversOfEarlierRuns: the next run finds the snapshot pods
// a killed run left (ended, or older than any snapshot pod lives) by
// their labels, and names the cleanup of their run; pods that may still
// be in use by another run are not mentioned.
func TestClusterLeftoversOfEarlierRuns(t *testing.T) {
	fc := newFakeCluster(t)
	ctx := context.Background()
	ended := cluster.SnapshotPod(cluster.SnapshotPodSpec{Node: "node-a", Name: "kcg-snapshot-node-a-aaaaa", Namespace: "kubecgroups", Image: "busybox", RunID: "kcg-20261206t010000-aaaaa"})
	running := cluster.SnapshotPod(cluster.SnapshotPodSpec{Node: "node-b", Name: "kcg-snapshot-node-b-bbbbb", Namespace: "kubecgroups", Image: "busybox", RunID: "kcg-20261206t020000-bbbbb"})
	for _, p := range []*corev1.Pod{ended, running} {
		if _, err := fc.client.CoreV1().Pods("kubecgroups").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The kubelet ended the first at its activeDeadlineSeconds.
	ended, _ = fc.client.CoreV1().Pods("kubecgroups").Get(ctx, ended.Name, metav1.GetOptions{})
	ended.Status = corev1.PodStatus{Phase: corev1.PodFailed, Reason: "DeadlineExceeded"}
	fc.client.CoreV1().Pods("kubecgroups").UpdateStatus(ctx, ended, metav1.UpdateOptions{})
	for _, args := range [][]string{{"diff", "--node", fakeNode}, {"inspect", "node/" + fakeNode}} {
		_, errOut, code := fc.run(ctx, args...)
		want := "warning: 1 snapshot pod(s) of earlier runs (kcg-20261206t010000-aaaaa) are left over in namespace kubecgroups; kubectl-cgroups cleanup --run-id kcg-20261206t010000-aaaaa removes them\n"
		if code != 0 || !strings.Contains(errOut, want) || strings.Contains(errOut, "bbbbb") {
			t.Errorf("%q: exit %d: %s", args, code, errOut)
		}
	}
}

// TestClusterPodStartFailures: a pod that cannot run fails the node with
// the reason, and is deleted; so is a pod that never starts.
func TestClusterPodStartFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status corev1.PodStatus
		args   []string
		want   string
	}{
		{"image", corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{Name: cluster.SnapshotContainer, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "Back-off pulling image"}}}}},
			[]string{"--image", "registry.example/busybox:nope"}, "its image registry.example/busybox:nope cannot be pulled (ImagePullBackOff: Back-off pulling image); give --image"},
		{"rejected", corev1.PodStatus{Phase: corev1.PodFailed, Reason: "OutOfmemory", Message: "Node didn't have enough resource: memory"}, nil, "ended (Failed) before it could be read: OutOfmemory Node didn't have enough resource"},
		{"pending", corev1.PodStatus{Phase: corev1.PodPending}, []string{"--snapshot-timeout", "600ms"}, "did not start within --snapshot-timeout 600ms: Pending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeCluster(t)
			fc.startStatus = &tc.status
			_, errOut, code := fc.run(context.Background(), append([]string{"diff", "--node", fakeNode}, tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d: %s\nwant %q", code, errOut, tc.want)
			}
			if left := fc.snapshotPods(); len(left) != 0 {
				t.Errorf("snapshot pods left: %v", left)
			}
		})
	}
}

// TestClusterCreateErrors: the snapshot namespace is missing, or its Pod
// Security level refuses the pod, or the user may not create pods.
func TestClusterCreateErrors(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "kubecgroups"), "namespace kubecgroups does not exist: create it with the RBAC of cluster mode"},
		{apierrors.NewForbidden(gr, "kcg-snapshot-x", errors.New(`violates PodSecurity "baseline:latest": hostPath volumes`)), "label the namespace pod-security.kubernetes.io/enforce=privileged"},
		{apierrors.NewForbidden(gr, "", errors.New(`User "bob" cannot create resource "pods"`)), "cannot create the snapshot pod in namespace kubecgroups"},
	} {
		fc := newFakeCluster(t)
		fc.client.PrependReactor("create", "pods", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tc.err })
		_, errOut, code := fc.run(context.Background(), "diff", "--node", fakeNode)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("exit %d: %s\nwant %q", code, errOut, tc.want)
		}
	}
}

// TestClusterArgs: mixing the modes, and targets that do not exist.
func TestClusterArgs(t *testing.T) {
	fc := newFakeCluster(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", "pod/x", "--snapshot", "node.tar.gz"}, "pod/x read the cluster through the Kubernetes API (cluster mode), --snapshot read one node directly (node mode)"},
		{[]string{"diff", "--node", "n", "-f", "pods.json"}, "--node read the cluster"},
		{[]string{"diff", "-f", "pods.json", "-n", "shop"}, "--namespace applies to cluster mode"},
		{[]string{"diff", "--all-nodes", "--node", "x"}, "--all-nodes checks every node"},
		{[]string{"diff", "-A", "pod/x"}, "-A (--all-namespaces) selects pods with -l"},
		{[]string{"diff", "deploy/web"}, `"deploy/web": want pod/NAME or node/NAME`},
		{[]string{"diff", "pod/nope"}, "pod nope not found in namespace default"},
		{[]string{"diff", "pod/nope", "-n", "shop"}, "pod nope not found in namespace shop"},
		{[]string{"diff", "-l", "app=nope"}, "no scheduled pod matches -l app=nope in namespace default"},
		{[]string{"diff", "--node", "nope"}, "node nope not found"},
		{[]string{"diff", "--node", fakeNode, "--max-concurrency", "0"}, "--max-concurrency 0"},
		{[]string{"diff", "--node", fakeNode, "--max-concurrency", "21"}, "--max-concurrency 21: want 1 to 20"},
		{[]string{"diff", "--node", fakeNode, "--image", "busybox@sha256:abc"}, `--image: image "busybox@sha256:abc": the digest must be sha256: and 64 lower-case hex digits`},
		{[]string{"inspect", "node/" + fakeNode, "--image", ""}, "--image: image: empty"},
		{[]string{"diff", "--node", fakeNode, "--snapshot-timeout", "59m1s"}, "--snapshot-timeout 59m1s: want more than 0 and at most 59m0s (a snapshot pod lives at most 1h0m0s)"},
		{[]string{"inspect", "node/a", "--root", "/sys/fs/cgroup"}, "--root reads a tree on this machine"},
		{[]string{"inspect", "node/a", "node/b"}, "accepts at most 1 arg(s)"},
		{[]string{"inspect", "pod/guaranteed-kcg-node", "--pod", "x"}, "give pod/NAME or --pod UID, not both"},
		{[]string{"snapshot", "deploy/web", "-o", "x.tar.gz"}, `"deploy/web": want pod/NAME or node/NAME`},
		{[]string{"snapshot", "node/kcg-node", "-o", "x.zip", "--format", "zip"}, `--format "zip"`},
	} {
		out, errOut, code := fc.run(context.Background(), tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q, want %q", tc.args, code, out, errOut, tc.want)
		}
	}
	if fc.podActions("create") != 0 {
		t.Errorf("%d snapshot pods created for arguments that are refused", fc.podActions("create"))
	}
	// A pod not scheduled yet.
	ctx := context.Background()
	fc.client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pending", Namespace: "default"}, Status: corev1.PodStatus{Phase: corev1.PodPending}}, metav1.CreateOptions{})
	if _, errOut, code := fc.run(ctx, "diff", "pod/pending"); code != 2 || !strings.Contains(errOut, "pod default/pending is not scheduled to a node yet") {
		t.Errorf("pending: exit %d: %s", code, errOut)
	}
}

// TestClusterInspectAndSnapshot reads the node with inspect, and captures
// it with snapshot; the archive diffs offline exactly like the live node.
func TestClusterInspectAndSnapshot(t *testing.T) {
	fc := newFakeCluster(t)
	out, errOut, code := fc.run(context.Background(), "inspect", "node/"+fakeNode)
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, errOut)
	}
	golden.Check(t, golden.Path(t, "golden", "cluster", "inspect-node.txt"), []byte(stable(out)))
	out, errOut, code = fc.run(context.Background(), "inspect", "pod/sidecar-kcg-node", "-o", "json")
	if code != 0 {
		t.Fatalf("inspect pod: exit %d: %s", code, errOut)
	}
	var doc struct {
		Source cgroupfs.Source
		Pods   []struct{ UID string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Source.Kind != "cluster" || doc.Source.Path != "node/kcg-node" || len(doc.Pods) != 1 || doc.Pods[0].UID != "0b86d562867c758b29b1dc063f77648b" {
		t.Errorf("inspect pod: %+v", doc)
	}

	file := filepath.Join(t.TempDir(), "node.tar.gz")
	_, errOut, code = fc.run(context.Background(), "snapshot", "node/"+fakeNode, "-o", file)
	if code != 0 || !strings.HasPrefix(stable(errOut), "wrote "+file+" (tar.gz, ") || !strings.Contains(errOut, "from node/kcg-node (snapshot pod kubecgroups/kcg-snapshot-kcg-node-") ||
		!strings.Contains(errOut, "9 pods, 22 containers") {
		t.Fatalf("snapshot: exit %d: %s", code, errOut)
	}
	dir := relPath(t, golden.RealNode(t))
	args := []string{"diff", "--snapshot", file, "-f", filepath.Join(dir, "pods.json"), "--node-config", filepath.Join(dir, "configz.json"), "--complete-pod-list"}
	if out, errOut, code := runCLI(t, "", args...); code != 0 {
		t.Errorf("offline diff of the cluster snapshot: exit %d: %s\n%s", code, errOut, out)
	}
	snap := readSnapshotFile(t, file)
	m := snap.Info.Machine
	if snap.Info.Hostname != fakeNode || snap.Info.Mode != cgroupfs.ModeHybrid || m == nil || m.CPUs != 2 || m.MemoryBytes != 25276026880 || m.PIDMax != 32768 || len(m.HugePageSizes) != 1 {
		t.Errorf("snapshot info %+v, machine %+v", snap.Info, m)
	}
	if left := fc.snapshotPods(); len(left) != 0 {
		t.Errorf("snapshot pods left: %v", left)
	}
}

// TestClusterCleanup deletes every labelled snapshot pod of the snapshot
// namespace, and only those.
func TestClusterCleanup(t *testing.T) {
	fc := newFakeCluster(t)
	ctx := context.Background()
	out, _, code := fc.run(ctx, "cleanup")
	if code != 0 || out != "no snapshot pods in namespace kubecgroups\n" {
		t.Errorf("nothing to clean: exit %d %q", code, out)
	}
	for _, p := range []*corev1.Pod{
		cluster.SnapshotPod(cluster.SnapshotPodSpec{Node: "node-a", Name: "kcg-snapshot-node-a-aaaaa", Namespace: "kubecgroups", Image: "busybox", RunID: "run-1"}),
		cluster.SnapshotPod(cluster.SnapshotPodSpec{Node: "node-b", Name: "kcg-snapshot-node-b-bbbbb", Namespace: "kubecgroups", Image: "busybox", RunID: "run-2"}),
		cluster.SnapshotPod(cluster.SnapshotPodSpec{Node: "node-c", Name: "kcg-snapshot-node-c-ccccc", Namespace: "elsewhere", Image: "busybox", RunID: "run-1"}),
		{ObjectMeta: metav1.ObjectMeta{Name: "unrelated", Namespace: "kubecgroups"}},
	} {
		if _, err := fc.client.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// --run-id: that run's pods in the namespace only.
	out, errOut, code := fc.run(ctx, "cleanup", "--run-id", "run-2")
	if code != 0 || !strings.HasPrefix(out, "deleted pod kubecgroups/kcg-snapshot-node-b-bbbbb (node node-b, ") || strings.Count(out, "\n") != 1 {
		t.Errorf("--run-id run-2: exit %d: %q %s", code, out, errOut)
	}
	out, _, code = fc.run(ctx, "cleanup", "--run-id", "run-2")
	if code != 0 || out != "no snapshot pods of run run-2 in namespace kubecgroups\n" {
		t.Errorf("--run-id run-2 again: exit %d: %q", code, out)
	}
	if _, errOut, code := fc.run(ctx, "cleanup", "--run-id", "bad id"); code != 2 || !strings.Contains(errOut, `--run-id "bad id"`) {
		t.Errorf("--run-id with a space: exit %d: %s", code, errOut)
	}
	fc.client.CoreV1().Pods("kubecgroups").Create(ctx, cluster.SnapshotPod(cluster.SnapshotPodSpec{Node: "node-b", Name: "kcg-snapshot-node-b-bbbbb", Namespace: "kubecgroups", Image: "busybox", RunID: "run-2"}), metav1.CreateOptions{})
	out, errOut, code = fc.run(ctx, "cleanup")
	if code != 0 || !strings.Contains(out, "deleted pod kubecgroups/kcg-snapshot-node-a-aaaaa (node node-a, Running, age ") ||
		!strings.Contains(out, "deleted pod kubecgroups/kcg-snapshot-node-b-bbbbb (node node-b") || strings.Count(out, "deleted") != 2 {
		t.Errorf("exit %d: %s %s", code, out, errOut)
	}
	if left := fc.snapshotPods(); len(left) != 1 || left[0] != "elsewhere/kcg-snapshot-node-c-ccccc" {
		t.Errorf("left: %v", left)
	}
	if _, err := fc.client.CoreV1().Pods("kubecgroups").Get(ctx, "unrelated", metav1.GetOptions{}); err != nil {
		t.Errorf("cleanup deleted an unrelated pod: %v", err)
	}
	out, _, code = fc.run(ctx, "cleanup", "--snapshot-namespace", "elsewhere")
	if code != 0 || strings.Count(out, "deleted") != 1 || len(fc.snapshotPods()) != 0 {
		t.Errorf("--snapshot-namespace: exit %d: %s", code, out)
	}
	// A user who may not delete: the pod stays, the command says so.
	snap := cluster.SnapshotPod(cluster.SnapshotPodSpec{Node: "node-a", Name: "kcg-snapshot-node-a-ddddd", Namespace: "kubecgroups", Image: "busybox"})
	fc.client.CoreV1().Pods("kubecgroups").Create(ctx, snap, metav1.CreateOptions{})
	fc.client.PrependReactor("delete", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "x", errors.New("no"))
	})
	_, errOut, code = fc.run(ctx, "cleanup")
	if code != 2 || !strings.Contains(errOut, "1 of 1 snapshot pods could not be deleted") || !strings.Contains(errOut, "warning: deleting kubecgroups/kcg-snapshot-node-a-ddddd") {
		t.Errorf("forbidden: exit %d: %s", code, errOut)
	}
}

// TestNoKubeconfig: cluster mode without any cluster configured says so.
func TestNoKubeconfig(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "config")
	os.WriteFile(empty, nil, 0o600)
	t.Setenv("KUBECONFIG", empty)
	t.Setenv("HOME", t.TempDir())
	_, errOut, code := runCLI(t, "", "diff", "--node", "n")
	if code != 2 || !strings.Contains(errOut, "no cluster to talk to") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestSnapshotScript runs the snapshot pod's script with busybox (the
// default image's shell and tools) on every fake tree laid out on disk,
// and requires the archive it streams to read exactly like the tree. On
// v1 trees a "cpu -> cpu,cpuacct"-style link is added, which must not be
// followed or archived.
func TestSnapshotScript(t *testing.T) {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not found: the snapshot script runs in a busybox image")
	}
	for _, name := range golden.TreeNames(t) {
		t.Run(name, func(t *testing.T) {
			want, _, code := runCLI(t, "", "inspect", "--snapshot", treeFile(name), "-o", "json")
			if code != 0 {
				t.Skipf("the tree itself does not read (exit %d)", code)
			}
			dir := writeSnapshotDir(t, name)
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.IsDir() && strings.Contains(e.Name(), ",") {
					for _, alias := range strings.Split(e.Name(), ",") {
						os.Symlink(e.Name(), filepath.Join(dir, alias))
					}
				}
			}
			work := filepath.Join(t.TempDir(), "work")
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(busybox, cluster.SnapshotCommand(dir, work)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("stderr: %s", stderr.String())
			}
			snap, err := cgroupfs.ReadSnapshot(bytes.NewReader(stdout.Bytes()), cgroupfs.SnapshotLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if snap.Info.CapturedAt.IsZero() || snap.Info.Machine == nil || snap.Info.Machine.ThreadsMax == 0 {
				t.Errorf("metadata %+v", snap.Info)
			}
			file := filepath.Join(t.TempDir(), "pod.tar.gz")
			os.WriteFile(file, stdout.Bytes(), 0o600)
			got, errOut, code := runCLI(t, "", "inspect", "--snapshot", file, "-o", "json")
			if code != 0 {
				t.Fatalf("inspect of the archive: %s", errOut)
			}
			g, w := withoutSource(t, got), withoutSource(t, want)
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			if !bytes.Equal(gj, wj) {
				t.Errorf("the archive reads differently from the tree:\n%s\n%s", gj, wj)
			}
		})
	}
}

// TestSnapshotScriptPlantedNames plants, in the container cgroups of
// every pod but one, a directory whose name holds a newline followed by
// the path of the other pod's memory.max and a forged value: listed one
// name per line, it would overwrite that pod's captured value ("a real
// memory.max drift turned into match"). Names with a newline, another
// control character or a byte outside printable ASCII are left out of
// the capture and counted on standard error; every pod reads as it is
// on disk.
func TestSnapshotScriptPlantedNames(t *testing.T) {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not found: the snapshot script runs in a busybox image")
	}
	const tree = "v2-cgroupfs"
	dir := writeSnapshotDir(t, tree)
	victim := "kubepods/besteffort/pod5b2e20d9-95a7-5004-b435-f768274663a7"
	want, err := os.ReadFile(filepath.Join(dir, victim, "memory.max"))
	if err != nil {
		t.Fatal(err)
	}
	forged := "12345"
	if strings.TrimSpace(string(want)) == forged {
		t.Fatal("the forged value is the real one")
	}
	planted := 0
	err = filepath.WalkDir(filepath.Join(dir, "kubepods"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || !strings.HasPrefix(d.Name(), "cri-containerd-") && len(d.Name()) != 64 || strings.Contains(p, filepath.Base(victim)) {
			return err
		}
		// The line forged: "<victim>/memory.max:12345".
		evil := filepath.Join(p, "x\n"+victim, "memory.max:"+forged+"\nz")
		if err := os.MkdirAll(evil, 0o755); err != nil {
			return err
		}
		planted++
		if err := os.WriteFile(filepath.Join(evil, "memory.max"), []byte("1\n"), 0o644); err != nil {
			return err
		}
		// Other controls and bidi overrides are left out too.
		for _, name := range []string{"\x1b]52;c;aGk=\a", "\x1b[2J", "rtl\u202egnp", "c1\u009b"} {
			if err := os.MkdirAll(filepath.Join(p, name), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(p, name, "memory.max"), []byte("1\n"), 0o644); err != nil {
				return err
			}
		}
		return filepath.SkipDir
	})
	if err != nil || planted < 2 {
		t.Fatalf("planted %d: %v", planted, err)
	}
	work := filepath.Join(t.TempDir(), "work")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(busybox, cluster.SnapshotCommand(dir, work)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	wantErr := fmt.Sprintf("skipped %d cgroup paths whose names have a control character or a byte outside printable ASCII\n", planted*5)
	if stderr.String() != wantErr {
		t.Errorf("stderr %q, want %q", stderr.String(), wantErr)
	}
	snap, err := cgroupfs.ReadSnapshot(bytes.NewReader(stdout.Bytes()), cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := fs.ReadFile(snap, victim+"/memory.max")
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("the victim's memory.max captured as %q (%v), want %q", got, err, want)
	}
	// And everything else reads as the tree does.
	file := filepath.Join(t.TempDir(), "pod.tar.gz")
	os.WriteFile(file, stdout.Bytes(), 0o600)
	gotJSON, errOut, code := runCLI(t, "", "inspect", "--snapshot", file, "-o", "json")
	if code != 0 {
		t.Fatalf("inspect of the archive: %s", errOut)
	}
	wantJSON, _, _ := runCLI(t, "", "inspect", "--snapshot", treeFile(tree), "-o", "json")
	g, w := withoutSource(t, gotJSON), withoutSource(t, wantJSON)
	gj, _ := json.Marshal(g)
	wj, _ := json.Marshal(w)
	if !bytes.Equal(gj, wj) {
		t.Errorf("the archive reads differently from the tree:\n%s\n%s", gj, wj)
	}
}
