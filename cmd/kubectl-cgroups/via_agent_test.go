package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/qos/agent"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
)

// servedBody answers a pod proxy GET with a fixed body.
type servedBody []byte

func (b servedBody) DoRaw(context.Context) ([]byte, error) { return b, nil }
func (b servedBody) Stream(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b)), nil
}

// TestDiffViaAgent: with a ready agent on the node, diff reads the agent's
// report through the pod proxy and creates no pod; --via agent fails for a
// node without an agent, --via auto falls back to a snapshot pod there.
func TestDiffViaAgent(t *testing.T) {
	fc := newFakeCluster(t, testNode("node-b", "v1.37.2", "containerd://1.6.20"))
	ctx := context.Background()
	// What the snapshot pod sees: the report the agent would serve.
	out, errOut, code := fc.run(ctx, "diff", "--node", fakeNode, "--via", "pod", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var list cluster.DiffReportList
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	report, _ := json.Marshal(list.Items[0].DiffReport)
	var asked []string
	fc.client.AddProxyReactor("pods", func(a k8stesting.Action) (bool, rest.ResponseWrapper, error) {
		g := a.(k8stesting.ProxyGetAction)
		asked = append(asked, g.GetNamespace()+"/"+g.GetName()+":"+g.GetPort()+"/"+g.GetPath())
		return true, servedBody(report), nil
	})
	ready := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kubecgroups-agent-abcde", Namespace: agent.DefaultNamespace, Labels: map[string]string{agent.PodLabel: agent.PodLabelValue}},
		Spec:       corev1.PodSpec{NodeName: fakeNode},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	if _, err := fc.client.CoreV1().Pods(agent.DefaultNamespace).Create(ctx, ready, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	created := fc.podActions("create")
	for _, via := range []string{"auto", "agent"} {
		out, errOut, code = fc.run(ctx, "diff", "pod/guaranteed-kcg-node", "--via", via, "-o", "json")
		if code != 0 {
			t.Fatalf("--via %s: exit %d: %s", via, code, errOut)
		}
		var got cluster.DiffReportList
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		it := got.Items[0]
		if it.SnapshotPod != agent.DefaultNamespace+"/"+ready.Name || it.Scope != "pods" || it.Summary.Files == 0 || it.Summary.Files >= list.Items[0].Summary.Files {
			t.Errorf("--via %s: read by %s, scope %s, %d files", via, it.SnapshotPod, it.Scope, it.Summary.Files)
		}
	}
	if fc.podActions("create") != created || len(asked) != 2 || !strings.HasSuffix(asked[0], ":9617/report") {
		t.Errorf("pods created %d (want %d), proxy GETs %v", fc.podActions("create"), created, asked)
	}
	// node-b has no agent.
	if _, errOut, code := fc.run(ctx, "diff", "--node", "node-b", "--via", "agent"); code != 2 || !strings.Contains(errOut, "no ready agent") {
		t.Errorf("--via agent without an agent: exit %d: %s", code, errOut)
	}
	// (node-b's cgroups are kcg-node's, so its report has leftovers: 1.)
	if _, errOut, code := fc.run(ctx, "diff", "--node", "node-b"); code == 2 || strings.Contains(errOut, "agent") {
		t.Errorf("--via auto without an agent: exit %d: %s", code, errOut)
	}
	if _, errOut, code := fc.run(ctx, "diff", "--node", "node-b", "--via", "ssh"); code != 2 || !strings.Contains(errOut, `--via "ssh"`) {
		t.Errorf("--via ssh: exit %d: %s", code, errOut)
	}
}

// TestDiffViaAutoWithoutAgentRights: a user who may not list pods in the
// agents' namespace (only the snapshot-pod RBAC) still diffs with --via
// auto, through a snapshot pod.
func TestDiffViaAutoWithoutAgentRights(t *testing.T) {
	fc := newFakeCluster(t)
	fc.client.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == agent.DefaultNamespace {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no list"))
		}
		return false, nil, nil
	})
	if _, errOut, code := fc.run(context.Background(), "diff", "--node", fakeNode); code != 0 {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if _, errOut, code := fc.run(context.Background(), "diff", "--node", fakeNode, "--via", "agent"); code != 2 || !strings.Contains(errOut, "forbidden") {
		t.Errorf("--via agent: exit %d: %s", code, errOut)
	}
}

// addAgent adds a ready agent pod on node to the fake cluster whose proxy
// GETs serve (and record in asked) the bodies of serve, by path.
func addAgent(t *testing.T, fc *fakeCluster, node string, serve map[string][]byte, asked *[]string) *corev1.Pod {
	t.Helper()
	fc.client.AddProxyReactor("pods", func(a k8stesting.Action) (bool, rest.ResponseWrapper, error) {
		g := a.(k8stesting.ProxyGetAction)
		*asked = append(*asked, g.GetNamespace()+"/"+g.GetName()+":"+g.GetPort()+"/"+g.GetPath())
		b, ok := serve[g.GetPath()]
		if !ok {
			return true, nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods/proxy"}, g.GetPath())
		}
		return true, servedBody(b), nil
	})
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kubecgroups-agent-" + node, Namespace: agent.DefaultNamespace, Labels: map[string]string{agent.PodLabel: agent.PodLabelValue}},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	if _, err := fc.client.CoreV1().Pods(agent.DefaultNamespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInspectSnapshotViaAgent: with a ready agent on the node, inspect
// node/NAME and pod/NAME and snapshot node/NAME read the agent's snapshot
// through the pod proxy and create no pod; --via pod never asks the agent;
// --via agent fails for a node without an agent, as diff does.
func TestInspectSnapshotViaAgent(t *testing.T) {
	fc := newFakeCluster(t, testNode("node-b", "v1.37.2", "containerd://1.6.20"))
	ctx := context.Background()
	dir := t.TempDir()
	// What the agent serves: the node as a snapshot pod captures it.
	archive := filepath.Join(dir, "pod.tar.gz")
	if _, errOut, code := fc.run(ctx, "snapshot", "node/"+fakeNode, "--via", "pod", "--description", "served by the agent", "-o", archive); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	served, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	byPod, errOut, code := fc.run(ctx, "inspect", "node/"+fakeNode, "--via", "pod", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var asked []string
	ready := addAgent(t, fc, fakeNode, map[string][]byte{"snapshot": served}, &asked)
	created := fc.podActions("create")

	// --via pod: never the agent.
	if _, errOut, code := fc.run(ctx, "inspect", "node/"+fakeNode, "--via", "pod", "-o", "json"); code != 0 || len(asked) != 0 || fc.podActions("create") != created+1 {
		t.Fatalf("--via pod: exit %d, proxy GETs %v, pods created %d: %s", code, asked, fc.podActions("create")-created, errOut)
	}
	created = fc.podActions("create")

	// inspect node/NAME: the same pods as the snapshot pod read, from the
	// agent's archive.
	type doc struct {
		Source struct{ Kind, Path, Description string }
		Pods   []struct{ UID string }
	}
	var want doc
	if err := json.Unmarshal([]byte(byPod), &want); err != nil {
		t.Fatal(err)
	}
	for _, via := range []string{"auto", "agent"} {
		out, errOut, code := fc.run(ctx, "inspect", "node/"+fakeNode, "--via", via, "-o", "json")
		if code != 0 {
			t.Fatalf("--via %s: exit %d: %s", via, code, errOut)
		}
		var got doc
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if got.Source.Path != "node/"+fakeNode || got.Source.Description != "served by the agent" || len(got.Pods) == 0 || len(got.Pods) != len(want.Pods) {
			t.Errorf("--via %s: source %+v, %d pods, want %d", via, got.Source, len(got.Pods), len(want.Pods))
		}
	}
	// inspect pod/NAME: only that pod.
	out, errOut, code := fc.run(ctx, "inspect", "pod/guaranteed-kcg-node", "-o", "json")
	var one doc
	if code != 0 || json.Unmarshal([]byte(out), &one) != nil || len(one.Pods) != 1 {
		t.Errorf("inspect pod/NAME: exit %d, %d pods: %s", code, len(one.Pods), errOut)
	}
	// snapshot node/NAME and pod/NAME: the agent's archive, validated and
	// written, narrowed to the pod.
	for _, arg := range []string{"node/" + fakeNode, "pod/guaranteed-kcg-node"} {
		file := filepath.Join(dir, "agent.tar.gz")
		_, errOut, code := fc.run(ctx, "snapshot", arg, "-o", file)
		if code != 0 || !strings.Contains(errOut, "(agent "+agent.DefaultNamespace+"/"+ready.Name+")") {
			t.Fatalf("snapshot %s: exit %d: %s", arg, code, errOut)
		}
		out, errOut, code := fc.run(ctx, "inspect", "--snapshot", file, "-o", "json")
		var got doc
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
			t.Fatalf("inspect --snapshot: exit %d: %s", code, errOut)
		}
		if wantPods := map[bool]int{true: len(want.Pods), false: 1}[strings.HasPrefix(arg, "node/")]; len(got.Pods) != wantPods {
			t.Errorf("snapshot %s: %d pods, want %d", arg, len(got.Pods), wantPods)
		}
	}
	if fc.podActions("create") != created || len(asked) != 5 || !strings.HasSuffix(asked[0], ":9617/snapshot") {
		t.Errorf("pods created %d (want %d), proxy GETs %v", fc.podActions("create"), created, asked)
	}

	// node-b has no agent.
	for _, cmd := range []string{"inspect", "snapshot"} {
		args := []string{cmd, "node/node-b", "--via", "agent", "-o", filepath.Join(dir, "b.tar.gz")}
		if cmd == "inspect" {
			args = args[:4]
		}
		if _, errOut, code := fc.run(ctx, args...); code != 2 || !strings.Contains(errOut, "no ready agent") {
			t.Errorf("%s --via agent without an agent: exit %d: %s", cmd, code, errOut)
		}
	}
	if _, errOut, code := fc.run(ctx, "inspect", "node/node-b"); code != 0 || fc.podActions("create") != created+1 {
		t.Errorf("--via auto without an agent: exit %d, pods created %d: %s", code, fc.podActions("create")-created, errOut)
	}
}

// TestSnapshotViaAgentUntrusted: an archive from the agent is refused when
// it is not a valid snapshot (the size bound: TestFetchThroughPodProxy).
func TestSnapshotViaAgentUntrusted(t *testing.T) {
	for want, body := range map[string][]byte{
		"not a tar.gz archive": []byte("<html>hello</html>"),
		"cgroupfs: snapshot":   {0x1f, 0x8b, 0, 0},
	} {
		name := want
		t.Run(name, func(t *testing.T) {
			fc := newFakeCluster(t)
			var asked []string
			addAgent(t, fc, fakeNode, map[string][]byte{"snapshot": body}, &asked)
			created := fc.podActions("create")
			_, errOut, code := fc.run(context.Background(), "inspect", "node/"+fakeNode)
			if code != 2 || len(asked) != 1 || !strings.Contains(errOut, "/snapshot: "+want) || fc.podActions("create") != created {
				t.Errorf("exit %d, proxy GETs %v, pods created %d: %s", code, asked, fc.podActions("create")-created, errOut)
			}
		})
	}
}
