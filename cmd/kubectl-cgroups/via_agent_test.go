package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
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
