package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/agentfake"
	"github.com/kubecgroups/kubecgroups/internal/nodegen"
	"github.com/kubecgroups/kubecgroups/qos"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
)

// rig is a generated node written to a directory (read live by cgroupfs,
// so that a test changes a value by writing a file), its pods served by
// client-go's fake clientset.
type rig struct {
	n      *nodegen.Node
	dir    string
	tree   *cgroupfs.FS
	client *fake.Clientset
}

func newRig(t testing.TB, pods int) *rig {
	t.Helper()
	n := nodegen.MustGenerate(nodegen.Options{Pods: pods})
	dir := t.TempDir()
	if err := n.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	tree, err := cgroupfs.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	capacity := corev1.ResourceList{}
	for k, q := range n.Profile.Machine.Capacity {
		if k != "pid" && k != "swap" {
			capacity[k] = q
		}
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", UID: "node-uid-1"},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity,
			NodeInfo:    corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", ContainerRuntimeVersion: "containerd://2.1.4"},
		},
	}
	objs := []runtime.Object{node}
	for _, p := range n.Pods {
		objs = append(objs, p.DeepCopy())
	}
	return &rig{n: n, dir: dir, tree: tree, client: fake.NewClientset(objs...)}
}

func (r *rig) options(rec record.EventRecorder) Options {
	return Options{
		NodeName: "node-1", Client: agentfake.New(r.client), Tree: r.tree, Recorder: rec,
		Facts:    qos.Facts{Machine: r.n.Machine(), MachineSource: "host"},
		Interval: time.Hour, Debounce: 10 * time.Millisecond,
	}
}

func (r *rig) start(t testing.TB, rec record.EventRecorder) (*Agent, context.Context) {
	t.Helper()
	a, err := New(r.options(rec))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return a, ctx
}

// containerFile returns the pod's first app container's cgroup file
// path on disk, its expected value, and the container's name.
func (r *rig) containerFile(t testing.TB, pod int, file string) (path, want, container string) {
	t.Helper()
	pe := r.n.Expectation.Pod(string(r.n.Pods[pod].UID))
	for _, cg := range pe.Cgroups {
		if cg.Level == cgroupfs.LevelContainer && cg.ContainerType == qos.ContainerApp {
			f, ok := cg.Files[file]
			if !ok {
				t.Fatalf("%s has no %s", cg.Path, file)
			}
			return filepath.Join(r.dir, filepath.FromSlash(cg.Path), file), f.Accept[0], cg.Container
		}
	}
	t.Fatalf("pod %d has no app container", pod)
	return
}

func write(t testing.TB, path, value string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(value+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// series returns the values of a metric family by their labels
// ("k=v,k=v", names sorted as Gather sorts them).
func series(t testing.TB, a *Agent, name string) map[string]float64 {
	t.Helper()
	fams, err := a.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			out[strings.Join(ls, ",")] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

func mustCheck(t testing.TB, a *Agent) *qos.DiffReport {
	t.Helper()
	r, err := a.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// drained returns the events the fake recorder holds.
func drained(rec *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// TestCleanNode: a generated node diffs clean through the agent's own
// profile resolution (Node object, tree, host machine), every pod has a
// zero kubecgroups_pod_drift series, and no file has a drift series.
func TestCleanNode(t *testing.T) {
	r := newRig(t, 10)
	rec := record.NewFakeRecorder(100)
	a, _ := r.start(t, rec)
	rep := mustCheck(t, a)
	if u := rep.Summary.Unexplained(); u != 0 {
		for _, res := range rep.Results {
			if res.Status.Unexplained() {
				t.Errorf("%s %s %s: %s", res.Status, res.Path, res.File, res.Message)
			}
		}
		t.Fatalf("%d unexplained: %+v", u, rep.Summary)
	}
	if got := rep.ProfileSources["kubernetesVersion"]; got != "node-object" {
		t.Errorf("kubernetesVersion source %q, want node-object", got)
	}
	if got := rep.ProfileSources["kubelet"]; !strings.HasPrefix(got, "default") {
		t.Errorf("kubelet source %q, want the default (no node proxy given)", got)
	}
	if !hasReason(rep.Notes, qos.ReasonKubeletConfigUnknown) {
		t.Errorf("no %s note: %+v", qos.ReasonKubeletConfigUnknown, rep.Notes)
	}
	if d := series(t, a, "kubecgroups_file_drift"); len(d) != 0 {
		t.Errorf("drift series on a clean node: %v", d)
	}
	pods := series(t, a, "kubecgroups_pod_drift")
	if len(pods) != 10 {
		t.Errorf("%d pod series, want 10: %v", len(pods), pods)
	}
	for k, v := range pods {
		if v != 0 {
			t.Errorf("%s = %v on a clean node", k, v)
		}
	}
	files := series(t, a, "kubecgroups_files")
	if files["status=match"] != float64(rep.Summary.Match) || rep.Summary.Match == 0 {
		t.Errorf("kubecgroups_files{status=match} = %v, report says %d", files["status=match"], rep.Summary.Match)
	}
	if ev := drained(rec); len(ev) != 0 {
		t.Errorf("events on a clean node: %q", ev)
	}
	if err := a.Ready(); err != nil {
		t.Errorf("not ready after a clean check: %v", err)
	}
}

func hasReason(notes []qos.Note, r qos.Reason) bool {
	for _, n := range notes {
		if n.Reason == r {
			return true
		}
	}
	return false
}

// TestSteadyStateComputesNoExpectation: checks without pod changes, and
// after status updates that change nothing the expectation reads, reuse
// the cached expectation; a spec change or a deleted pod recomputes it.
func TestSteadyStateComputesNoExpectation(t *testing.T) {
	r := newRig(t, 6)
	a, ctx := r.start(t, record.NewFakeRecorder(100))
	mustCheck(t, a)
	for range 5 {
		mustCheck(t, a)
	}
	if s := a.Stats(); s.Expectations != 1 || s.Checks != 6 || s.PodsComputed != 6 || s.PodsReused != 0 {
		t.Fatalf("after 6 checks without pod changes: %+v, want 1 expectation of 6 pods", s)
	}

	// A readiness flip: a status update outside the expectation's inputs.
	pods := r.client.CoreV1().Pods(r.n.Pods[0].Namespace)
	p, err := pods.Get(ctx, r.n.Pods[0].Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: metav1.Now()})
	p.Status.ContainerStatuses[0].Ready = false
	p.Status.ContainerStatuses[0].RestartCount = 3
	if _, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the update to be seen", func() bool { return a.Stats().PodUpdatesIgnored >= 1 })
	mustCheck(t, a)
	if s := a.Stats(); s.Expectations != 1 {
		t.Fatalf("a readiness update recomputed the expectation: %+v", s)
	}

	// A deleted pod: recomputed; its series go, its leftover cgroup is
	// unexpected on the node.
	gone := r.n.Pods[1]
	changes := a.Stats().PodChanges
	if err := r.client.CoreV1().Pods(gone.Namespace).Delete(ctx, gone.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deletion to be seen", func() bool { return a.Stats().PodChanges > changes })
	rep := mustCheck(t, a)
	if s := a.Stats(); s.Expectations != 2 || s.PodsComputed != 6 || s.PodsReused != 5 {
		t.Fatalf("a deleted pod: %+v, want a second expectation that computes no pod and keeps the other 5", s)
	}
	for k := range series(t, a, "kubecgroups_pod_drift") {
		if strings.Contains(k, "pod="+gone.Name) {
			t.Errorf("the deleted pod keeps its series %s", k)
		}
	}
	if rep.Summary.Unexpected == 0 {
		t.Errorf("the deleted pod's cgroup (still in the tree) is not unexpected: %+v", rep.Summary)
	}
	leftover := false
	for k := range series(t, a, "kubecgroups_file_drift") {
		if strings.Contains(k, "pod=uid:"+string(gone.UID)) {
			leftover = true
		}
	}
	if !leftover {
		t.Errorf("no drift series for the leftover cgroup of %s: %v", gone.UID, series(t, a, "kubecgroups_file_drift"))
	}

	// A spec change (a resize the API server took, which the tree has
	// not followed): that pod alone is computed again, and its cgroup
	// drifts from the new value.
	var changed *corev1.Pod
	for _, p := range r.n.Pods[2:] {
		if _, ok := p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]; ok {
			changed = p
			break
		}
	}
	if changed == nil {
		t.Fatal("no generated pod with a CPU request")
	}
	q, err := r.client.CoreV1().Pods(changed.Namespace).Get(ctx, changed.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := &q.Spec.Containers[0]
	c.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("777m")
	if lim, ok := c.Resources.Limits[corev1.ResourceCPU]; ok && lim.Cmp(resource.MustParse("777m")) < 0 {
		c.Resources.Limits[corev1.ResourceCPU] = resource.MustParse("777m")
	}
	changes = a.Stats().PodChanges
	if _, err := r.client.CoreV1().Pods(changed.Namespace).Update(ctx, q, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the update to be seen", func() bool { return a.Stats().PodChanges > changes })
	rep = mustCheck(t, a)
	if s := a.Stats(); s.Expectations != 3 || s.PodsComputed != 7 || s.PodsReused != 9 {
		t.Fatalf("one pod's spec changed: %+v, want a third expectation that computes that pod and keeps 4", s)
	}
	drifted := false
	for _, res := range rep.Results {
		if res.Status == qos.StatusDrift && res.ResultCgroup != nil && res.UID == string(changed.UID) {
			drifted = true
		}
	}
	if !drifted {
		t.Errorf("%s asks for 777m but its cgroup still holds the old value: no drift in %+v", changed.Name, rep.Summary)
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDriftMetricsAndEvents: a container's cpu.weight changed on disk
// shows as one kubecgroups_file_drift series and one CgroupDrift Event
// naming file, expected and found; an unchanged drift repeats no Event;
// another value re-announces it; the restored value clears the series and
// emits CgroupDriftResolved.
func TestDriftMetricsAndEvents(t *testing.T) {
	r := newRig(t, 6)
	rec := record.NewFakeRecorder(100)
	a, _ := r.start(t, rec)
	mustCheck(t, a)
	path, want, container := r.containerFile(t, 2, "cpu.weight")
	pod := r.n.Pods[2]
	write(t, path, "7")
	rep := mustCheck(t, a)
	if rep.Summary.Drift != 1 {
		t.Fatalf("drift %d, want 1: %+v", rep.Summary.Drift, rep.Summary)
	}
	key := fmt.Sprintf("container=%s,file=cpu.weight,level=container,namespace=%s,pod=%s", container, pod.Namespace, pod.Name)
	if d := series(t, a, "kubecgroups_file_drift"); len(d) != 1 || d[key] != 1 {
		t.Fatalf("drift series %v, want only %s", d, key)
	}
	if got := series(t, a, "kubecgroups_pod_drift")["namespace="+pod.Namespace+",pod="+pod.Name]; got != 1 {
		t.Errorf("pod_drift %v, want 1", got)
	}
	var expected []string
	for _, res := range rep.Results {
		if res.Status == qos.StatusDrift {
			expected = res.Expected // both formulas' weights: the OCI runtime is not given
		}
	}
	if !slices.Contains(expected, want) {
		t.Fatalf("the drift result expects %q, not the generated %s", expected, want)
	}
	wantEvent := fmt.Sprintf("Warning CgroupDrift app container %s cpu.weight: expected %s, found \"7\"", container, strings.Join(expected, " or "))
	if ev := drained(rec); len(ev) != 1 || ev[0] != wantEvent {
		t.Fatalf("events %q, want [%q]", ev, wantEvent)
	}
	mustCheck(t, a)
	if ev := drained(rec); len(ev) != 0 {
		t.Errorf("unchanged drift repeated events: %q", ev)
	}
	write(t, path, "8")
	mustCheck(t, a)
	if ev := drained(rec); len(ev) != 1 || !strings.Contains(ev[0], `found "8"`) {
		t.Errorf("changed drift: events %q, want one naming the new value", ev)
	}
	write(t, path, want)
	mustCheck(t, a)
	if d := series(t, a, "kubecgroups_file_drift"); len(d) != 0 {
		t.Errorf("drift series after the restore: %v", d)
	}
	if ev := drained(rec); len(ev) != 1 || !strings.HasPrefix(ev[0], "Normal CgroupDriftResolved ") {
		t.Errorf("after the restore: events %q, want one CgroupDriftResolved", ev)
	}
}

// TestRestartRepeatsNoEvent: an agent that starts where an earlier one
// announced drift (its Events in the API) announces nothing for the same
// drift, but does announce a change of it.
func TestRestartRepeatsNoEvent(t *testing.T) {
	r := newRig(t, 4)
	path, _, _ := r.containerFile(t, 1, "cpu.weight")
	write(t, path, "9")
	first, err := New(r.options(nil)) // the real recorder, writing Events through the fake clientset
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx) }()
	var msg string
	waitFor(t, "the first agent's CgroupDrift Event", func() bool {
		list, err := r.client.CoreV1().Events("").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range list.Items {
			if ev.Reason == ReasonCgroupDrift && ev.Source.Component == Component && ev.Source.Host == "node-1" && ev.InvolvedObject.Name == r.n.Pods[1].Name {
				msg = ev.Message
				return true
			}
		}
		return false
	})
	cancel()
	<-done
	if !strings.Contains(msg, `found "9"`) {
		t.Errorf("the Event says %q", msg)
	}

	rec := record.NewFakeRecorder(100)
	second, _ := r.start(t, rec)
	mustCheck(t, second)
	if ev := drained(rec); len(ev) != 0 {
		t.Errorf("the restarted agent repeated events: %q", ev)
	}
	write(t, path, "10")
	mustCheck(t, second)
	if ev := drained(rec); len(ev) != 1 || !strings.Contains(ev[0], `found "10"`) {
		t.Errorf("changed drift after restart: events %q", ev)
	}
}

// TestRunChecksOnPodChange: Run checks at once, then after a new pod
// (debounced), without waiting for the interval (an hour here).
func TestRunChecksOnPodChange(t *testing.T) {
	r := newRig(t, 3)
	a, err := New(r.options(record.NewFakeRecorder(100)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	waitFor(t, "the first check", func() bool { return a.Ready() == nil })
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "late", Namespace: "default", UID: "0000aaaa-0000-0000-0000-00000000late"},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Image: "x",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, QOSClass: corev1.PodQOSBurstable},
	}
	if _, err := r.client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a check seeing the new pod", func() bool {
		rep := a.Report()
		return rep != nil && strings.Contains(rep.ProfileSources["pods"], "4 pods")
	})
	// Its cgroups do not exist: missing, and its pod series counts it.
	rep := a.Report()
	if rep.Summary.Missing == 0 {
		t.Errorf("the new pod's cgroups are not missing: %+v", rep.Summary)
	}
	if got := series(t, a, "kubecgroups_pod_drift")["namespace=default,pod=late"]; got == 0 {
		t.Errorf("pod_drift of the new pod = %v", got)
	}
	// A pod of another node changes nothing.
	other := p.DeepCopy()
	other.Name, other.UID, other.Spec.NodeName = "elsewhere", "0000bbbb-0000-0000-0000-0000elsewhere", "node-2"
	before := a.Stats().PodChanges
	if _, err := r.client.CoreV1().Pods("default").Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if a.Stats().PodChanges != before {
		t.Errorf("a pod of node-2 counted as a change of node-1")
	}
}

// TestHandler: the HTTP endpoints.
func TestHandler(t *testing.T) {
	r := newRig(t, 3)
	a, _ := r.start(t, record.NewFakeRecorder(100))
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before a check: %d", code)
	}
	if code, _ := get("/report"); code != http.StatusServiceUnavailable {
		t.Errorf("/report before a check: %d", code)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	mustCheck(t, a)
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after a check: %d %s", code, body)
	}
	code, body := get("/report")
	if code != http.StatusOK || !strings.Contains(body, `"kind":"DiffReport"`) || !strings.Contains(body, `"match":`) {
		t.Errorf("/report: %d %.200s", code, body)
	}
	code, body = get("/metrics")
	for _, want := range []string{"kubecgroups_files{status=\"match\"}", "kubecgroups_check_duration_seconds_bucket", "kubecgroups_last_check_timestamp_seconds", "kubecgroups_read_errors_total 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %s", code, want)
		}
	}
	resp, err := http.Get(srv.URL + "/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	snap, err := cgroupfs.ReadSnapshot(resp.Body, cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatalf("/snapshot: %v", err)
	}
	fsys, err := snap.FS()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	node, err := fsys.Node(cgroupfs.NodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(node.Pods) != 3 || snap.Info.Hostname != "node-1" {
		t.Errorf("snapshot: %d pods, host %q", len(node.Pods), snap.Info.Hostname)
	}
}

// TestNewRefuses: the required options.
func TestNewRefuses(t *testing.T) {
	r := newRig(t, 1)
	for name, o := range map[string]Options{
		"node name": {Client: agentfake.New(r.client), Tree: r.tree},
		"client":    {NodeName: "n", Tree: r.tree},
		"tree":      {NodeName: "n", Client: agentfake.New(r.client)},
	} {
		if _, err := New(o); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v", name, err)
		}
	}
}

// TestEventMessageBounded: a long drift list is cut with a count.
func TestEventMessageBounded(t *testing.T) {
	var lines []string
	for i := range 100 {
		lines = append(lines, fmt.Sprintf("app container c%02d cpu.weight: expected 100, found \"7\"", i))
	}
	m := eventMessage(lines)
	if len(m) > MaxEventMessage || !strings.HasSuffix(m, " more") || !strings.HasPrefix(m, lines[0]+"; ") {
		t.Errorf("%d bytes: %q", len(m), m)
	}
	if got := eventMessage(lines[:2]); got != lines[0]+"; "+lines[1] {
		t.Errorf("two lines: %q", got)
	}
}

// TestEffectMetrics: a container whose cpu.stat shows throttling and one
// whose memory.events counts OOM kills get kubecgroups_cpu_throttled_ratio
// and kubecgroups_oom_kills_total series (and the report's Effects); no
// other pod or container has one, and the series go when the counters
// no longer show the finding.
func TestEffectMetrics(t *testing.T) {
	r := newRig(t, 6)
	a, _ := r.start(t, record.NewFakeRecorder(100))
	kubepods := filepath.Join(r.dir, filepath.FromSlash(r.n.Cgroups[0].Path))
	write(t, filepath.Join(kubepods, "cpu.stat"), "usage_usec 1000\nuser_usec 500\nsystem_usec 500\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0")
	rep := mustCheck(t, a)
	if rep.Effects == nil {
		t.Fatal("no effects in the report of a tree with counters")
	}
	if th, oom := series(t, a, "kubecgroups_cpu_throttled_ratio"), series(t, a, "kubecgroups_oom_kills_total"); len(th)+len(oom) != 0 {
		t.Fatalf("effect series without a finding: %v %v", th, oom)
	}

	cpuPath, _, cpuContainer := r.containerFile(t, 2, "cpu.weight")
	memPath, _, memContainer := r.containerFile(t, 3, "memory.max")
	cpuStat := filepath.Join(filepath.Dir(cpuPath), "cpu.stat")
	memEvents := filepath.Join(filepath.Dir(memPath), "memory.events")
	write(t, cpuStat, "usage_usec 9000000\nuser_usec 8000000\nsystem_usec 1000000\nnr_periods 200\nnr_throttled 150\nthrottled_usec 4000000")
	write(t, memEvents, "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\noom_group_kill 0")
	rep = mustCheck(t, a)
	var reasons []string
	for _, e := range rep.Effects.Effects {
		reasons = append(reasons, string(e.Reason)+" "+e.Pod+" "+e.Container)
	}
	cpuPod, memPod := r.n.Pods[2], r.n.Pods[3]
	cpuKey := fmt.Sprintf("container=%s,namespace=%s,pod=%s", cpuContainer, cpuPod.Namespace, cpuPod.Name)
	memKey := fmt.Sprintf("container=%s,namespace=%s,pod=%s", memContainer, memPod.Namespace, memPod.Name)
	if th := series(t, a, "kubecgroups_cpu_throttled_ratio"); len(th) != 1 || th[cpuKey] != 0.75 {
		t.Errorf("throttled series %v, want only %s = 0.75 (effects: %q)", th, cpuKey, reasons)
	}
	// The pod's cgroup counts its containers' kills on v1 only; here
	// (v2) the kill is the container's.
	oom := series(t, a, "kubecgroups_oom_kills_total")
	if oom[memKey] != 2 {
		t.Errorf("oom kills series %v, want %s = 2 (effects: %q)", oom, memKey, reasons)
	}
	for k := range oom {
		if !strings.HasSuffix(k, ",namespace="+memPod.Namespace+",pod="+memPod.Name) {
			t.Errorf("oom kills series of another pod: %s", k)
		}
	}

	write(t, cpuStat, "usage_usec 9000000\nuser_usec 8000000\nsystem_usec 1000000\nnr_periods 200\nnr_throttled 0\nthrottled_usec 0")
	write(t, memEvents, "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0")
	mustCheck(t, a)
	if th, oom := series(t, a, "kubecgroups_cpu_throttled_ratio"), series(t, a, "kubecgroups_oom_kills_total"); len(th)+len(oom) != 0 {
		t.Errorf("effect series after the counters cleared: %v %v", th, oom)
	}
}

// TestWriteReportIsMarshal: /report's streamed document is byte for byte
// json.Marshal of the report, results, effects and notes included.
func TestWriteReportIsMarshal(t *testing.T) {
	r := newRig(t, 6)
	a, _ := r.start(t, record.NewFakeRecorder(100))
	path, _, _ := r.containerFile(t, 1, "cpu.weight")
	write(t, path, "9")
	rep := mustCheck(t, a)
	rep.Notes = append(rep.Notes, qos.Note{Reason: qos.ReasonTree, Message: `a "results":null inside a string`})
	want, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := writeReport(&got, rep); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), append(want, '\n')) {
		t.Errorf("streamed report differs from json.Marshal (%d vs %d bytes)", got.Len(), len(want)+1)
	}
}

// TestStripPod: the informer's cache keeps what the expectation reads of
// a pod (the kubelet's config annotations among them) and drops the rest.
func TestStripPod(t *testing.T) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: "p", Labels: map[string]string{"app": "x"},
		Annotations: map[string]string{
			corev1.MirrorPodAnnotationKey: "uid-1", "kubernetes.io/config.source": "file",
			"kubectl.kubernetes.io/last-applied-configuration": strings.Repeat("x", 4096),
		},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}}
	before := p.DeepCopy()
	obj, err := stripPod(p)
	if err != nil {
		t.Fatal(err)
	}
	q := obj.(*corev1.Pod)
	if len(q.Annotations) != 2 || q.Annotations[corev1.MirrorPodAnnotationKey] != "uid-1" || q.Labels != nil || q.ManagedFields != nil {
		t.Errorf("stripped pod: annotations %v, labels %v, managed fields %v", q.Annotations, q.Labels, q.ManagedFields)
	}
	if !qos.SameInputs(q, before) {
		t.Error("stripping changed what the expectation reads of the pod")
	}
}

// TestPIDCapacity: the kubepods pids.max rests on the kubelet's pid
// capacity (its rlimit MaxPID). The agent's own pid_max, read in its
// container, need not be it: with the kubelet's stats/summary (node
// proxy) or --node-capacity pids=N the file matches; with neither, a
// pids.max that differs from the container's view is unverified, not
// drift, and has no drift series.
func TestPIDCapacity(t *testing.T) {
	r := newRig(t, 3)
	real := r.n.Machine()
	capacity := real.PIDMax
	if real.ThreadsMax > 0 && real.ThreadsMax < capacity {
		capacity = real.ThreadsMax
	}
	seen := *real
	seen.PIDMax, seen.ThreadsMax = capacity/2, capacity // the container's pid namespace
	kubelet := func(_ context.Context, node, path string) ([]byte, error) {
		switch path {
		case "stats/summary":
			return fmt.Appendf(nil, `{"node":{"nodeName":%q,"rlimit":{"maxpid":%d,"curproc":300}}}`, node, capacity), nil
		}
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "nodes/proxy"}, path)
	}
	for name, tc := range map[string]struct {
		kubelet   func(context.Context, string, string) ([]byte, error)
		capacity  corev1.ResourceList
		want      qos.Status
		source    string
		uncertain bool
	}{
		"stats/summary": {kubelet: kubelet, want: qos.StatusMatch, source: "node-object, stats/summary (pid)"},
		"node-capacity": {capacity: corev1.ResourceList{"pids": *resource.NewQuantity(capacity, resource.DecimalSI)}, want: qos.StatusMatch, source: "node-object, host (pid) and flag"},
		"neither":       {want: qos.StatusUnverified, source: "node-object, host (pid)", uncertain: true},
		"proxy refused": {kubelet: func(context.Context, string, string) ([]byte, error) {
			return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "nodes/proxy"}, "", errors.New("no"))
		}, want: qos.StatusUnverified, source: "node-object, host (pid)", uncertain: true},
	} {
		t.Run(name, func(t *testing.T) {
			o := r.options(record.NewFakeRecorder(100))
			o.Facts.Machine = &seen
			o.Kubelet = tc.kubelet
			o.Overrides.Capacity = tc.capacity
			a, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := a.Start(ctx); err != nil {
				t.Fatal(err)
			}
			rep := mustCheck(t, a)
			var got *qos.DiffResult
			for i, res := range rep.Results {
				if res.ResultCgroup != nil && res.Level == cgroupfs.LevelKubepods && res.File == "pids.max" {
					got = &rep.Results[i]
				}
			}
			if got == nil {
				t.Fatal("no kubepods pids.max result")
			}
			if got.Status != tc.want {
				t.Errorf("kubepods pids.max %s (expected %q, found %q), want %s", got.Status, got.Expected, got.Actual, tc.want)
			}
			if tc.want == qos.StatusUnverified && (got.Input != qos.InputPIDCapacity || got.Reason != qos.ReasonCapacityUncertain) {
				t.Errorf("unverified on %q (%s), want %s (%s)", got.Input, got.Reason, qos.InputPIDCapacity, qos.ReasonCapacityUncertain)
			}
			if s := rep.ProfileSources["capacity"]; s != tc.source {
				t.Errorf("capacity source %q, want %q", s, tc.source)
			}
			pidNote := false
			for _, n := range rep.Notes {
				if n.Reason == qos.ReasonCapacityUncertain && strings.Contains(n.Message, "rlimit.maxpid") {
					pidNote = true
				}
			}
			if pidNote != tc.uncertain {
				t.Errorf("pid capacity note %v, want %v: %+v", pidNote, tc.uncertain, rep.Notes)
			}
			if d := series(t, a, "kubecgroups_file_drift"); len(d) != 0 {
				t.Errorf("drift series: %v", d)
			}
			if u := rep.Summary.Unexplained(); u != 0 {
				t.Errorf("%d unexplained: %+v", u, rep.Summary)
			}
		})
	}
}

// TestManifestsNodeCapacity: --node-capacity reaches the DaemonSet's
// arguments only when given, and a bad one is refused.
func TestManifestsNodeCapacity(t *testing.T) {
	var with, without bytes.Buffer
	if err := WriteManifests(&with, ManifestOptions{Image: "img:1", NodeCapacity: "pids=4194304"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteManifests(&without, ManifestOptions{Image: "img:1"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(with.String(), "\n        - --node-capacity=pids=4194304\n") || strings.Contains(without.String(), "node-capacity") {
		t.Errorf("--node-capacity in the DaemonSet: with %v, without %v", strings.Contains(with.String(), "node-capacity"), strings.Contains(without.String(), "node-capacity"))
	}
	if err := WriteManifests(io.Discard, ManifestOptions{Image: "img:1", NodeCapacity: "pids=many"}); err == nil || !strings.Contains(err.Error(), "--node-capacity") {
		t.Errorf("a bad --node-capacity: %v", err)
	}
}
