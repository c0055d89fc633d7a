package cluster

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/agentfake"
	"github.com/kubecgroups/kubecgroups/internal/nodegen"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/agent"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

// agentRig is a generated node (pods of node-1 in a fake clientset, their
// cgroups in a directory) watched by a started agent.
type agentRig struct {
	agent  *agent.Agent
	client *fake.Clientset
}

// startAgent starts an agent on a generated node of pods pods and runs
// its first check, whose report it returns.
func startAgent(t *testing.T, pods int) (*agentRig, context.Context, *qos.DiffReport) {
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
	var objs []runtime.Object
	for _, p := range n.Pods {
		objs = append(objs, p.DeepCopy())
	}
	client := fake.NewClientset(objs...)
	a, err := agent.New(agent.Options{
		NodeName: "node-1", Client: agentfake.New(client), Tree: tree, Recorder: record.NewFakeRecorder(100),
		Facts:    qos.Facts{Machine: n.Machine(), MachineSource: "host"},
		Interval: time.Hour, Debounce: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := a.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &agentRig{agent: a, client: client}, ctx, rep
}

// proxied answers a pod proxy GET with what handler serves for the path.
type proxied struct {
	h    http.Handler
	path string
}

func (p proxied) DoRaw(ctx context.Context) ([]byte, error) {
	rc, err := p.Stream(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (p proxied) Stream(context.Context) (io.ReadCloser, error) {
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+p.path, nil))
	if rec.Code != http.StatusOK {
		return nil, errors.New(strings.TrimSpace(rec.Body.String()))
	}
	return io.NopCloser(bytes.NewReader(rec.Body.Bytes())), nil
}

// TestFetchAgentThroughPodProxy: a workstation finds the node's ready agent
// pod and reads its report and snapshot through the pod proxy (the fake
// clientset's proxy reactor serves the agent's own handler).
func TestFetchAgentThroughPodProxy(t *testing.T) {
	r, ctx, want := startAgent(t, 3)
	a := r.agent
	var asked []string
	r.client.AddProxyReactor("pods", func(action k8stesting.Action) (bool, rest.ResponseWrapper, error) {
		g := action.(k8stesting.ProxyGetAction)
		asked = append(asked, g.GetNamespace()+"/"+g.GetName()+":"+g.GetPort()+"/"+g.GetPath())
		return true, proxied{a.Handler(), g.GetPath()}, nil
	})
	if _, err := FindAgentPod(ctx, r.client, agent.DefaultNamespace, "node-1"); !errors.Is(err, ErrNoAgent) {
		t.Fatalf("no agent pod yet: %v", err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kubecgroups-agent-x1", Namespace: agent.DefaultNamespace, Labels: map[string]string{agent.PodLabel: agent.PodLabelValue}},
		Spec:       corev1.PodSpec{NodeName: "node-1"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}},
	}
	if _, err := r.client.CoreV1().Pods(agent.DefaultNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := FindAgentPod(ctx, r.client, agent.DefaultNamespace, "node-1"); !errors.Is(err, ErrNoAgent) {
		t.Fatalf("an agent pod that is not ready was found: %v", err)
	}
	pod.Status.Conditions[0].Status = corev1.ConditionTrue
	if _, err := r.client.CoreV1().Pods(agent.DefaultNamespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	found, err := FindAgentPod(ctx, r.client, agent.DefaultNamespace, "node-1")
	if err != nil || found.Name != pod.Name {
		t.Fatalf("FindPod: %v %v", found, err)
	}
	if _, err := FindAgentPod(ctx, r.client, agent.DefaultNamespace, "node-2"); !errors.Is(err, ErrNoAgent) {
		t.Errorf("node-2 has no agent: %v", err)
	}
	got, err := FetchAgentReport(ctx, r.client, found)
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary != want.Summary || len(got.Results) != len(want.Results) {
		t.Errorf("report through the proxy: %+v, want %+v", got.Summary, want.Summary)
	}
	snap, err := FetchAgentSnapshot(ctx, r.client, found, cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Info.Hostname != "node-1" {
		t.Errorf("snapshot of %q", snap.Info.Hostname)
	}
	wantAsked := []string{"kubecgroups-system/kubecgroups-agent-x1:9617/report", "kubecgroups-system/kubecgroups-agent-x1:9617/snapshot"}
	if strings.Join(asked, " ") != strings.Join(wantAsked, " ") {
		t.Errorf("proxied %q, want %q", asked, wantAsked)
	}
	// A snapshot over the bound is refused, not read.
	if _, err := FetchAgentSnapshot(ctx, r.client, found, cgroupfs.SnapshotLimits{MaxBytes: 100}); err == nil || !strings.Contains(err.Error(), "more than 100 bytes") {
		t.Errorf("a bounded snapshot: %v", err)
	}
}

// TestReadAgentSnapshot: ReadAgentSnapshot finds the node's agent and reads its
// snapshot, narrowed to a pod when asked; no agent, or agent pods the user
// may not list, is ErrNoAgent.
func TestReadAgentSnapshot(t *testing.T) {
	r, ctx, _ := startAgent(t, 3)
	a := r.agent
	r.client.AddProxyReactor("pods", func(action k8stesting.Action) (bool, rest.ResponseWrapper, error) {
		return true, proxied{a.Handler(), action.(k8stesting.ProxyGetAction).GetPath()}, nil
	})
	if _, err := ReadAgentSnapshot(ctx, r.client, "node-1", AgentSnapshotOptions{}); !errors.Is(err, ErrNoAgent) {
		t.Fatalf("no agent pod yet: %v", err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kubecgroups-agent-x1", Namespace: agent.DefaultNamespace, Labels: map[string]string{agent.PodLabel: agent.PodLabelValue}},
		Spec:       corev1.PodSpec{NodeName: "node-1"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	if _, err := r.client.CoreV1().Pods(agent.DefaultNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	whole, err := ReadAgentSnapshot(ctx, r.client, "node-1", AgentSnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := whole.Snapshot.FS()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	n, err := fsys.Node(cgroupfs.NodeOptions{})
	if err != nil || len(n.Pods) != 3 || whole.Pod.Name != pod.Name {
		t.Fatalf("whole node by %s: %v, %v", whole.Pod.Name, n, err)
	}
	uid := n.Pods[1].UID
	one, err := ReadAgentSnapshot(ctx, r.client, "node-1", AgentSnapshotOptions{Node: cgroupfs.NodeOptions{PodUID: uid}, Description: "one pod"})
	if err != nil {
		t.Fatal(err)
	}
	fsys1, err := one.Snapshot.FS()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys1.Close()
	n1, err := fsys1.Node(cgroupfs.NodeOptions{})
	if err != nil || len(n1.Pods) != 1 || n1.Pods[0].UID != uid || one.Snapshot.Info.Description != "one pod" || one.Snapshot.Info.Hostname != "node-1" {
		t.Errorf("narrowed to %s: %+v, %v (%+v)", uid, n1, err, one.Snapshot.Info)
	}
	r.client.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no list"))
	})
	if _, err := ReadAgentSnapshot(ctx, r.client, "node-1", AgentSnapshotOptions{}); !errors.Is(err, ErrNoAgent) || !apierrors.IsForbidden(err) {
		t.Errorf("forbidden: %v", err)
	}
}
