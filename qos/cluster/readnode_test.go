package cluster

import (
	"errors"
	"testing"

	"github.com/kubecgroups/kubecgroups/qos/agent"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
)

func TestParseVia(t *testing.T) {
	for _, s := range []string{"auto", "agent", "pod"} {
		if v, err := ParseVia(s); err != nil || string(v) != s {
			t.Errorf("ParseVia(%q) = %q, %v", s, v, err)
		}
	}
	if _, err := ParseVia("ssh"); err == nil || err.Error() != `"ssh": want auto, agent or pod` {
		t.Errorf("ParseVia(ssh): %v", err)
	}
}

// TestReadNodeVia checks which way ReadNode takes: the agent where one
// runs, a snapshot pod otherwise (with auto or pod), never a snapshot
// pod with ViaAgent. The fake cluster has no Node object, so a snapshot
// pod read fails at Gather, after BeforePod.
func TestReadNodeVia(t *testing.T) {
	rig, ctx, _ := startAgent(t, 2)
	rig.client.AddProxyReactor("pods", func(action k8stesting.Action) (bool, rest.ResponseWrapper, error) {
		return true, proxied{rig.agent.Handler(), action.(k8stesting.ProxyGetAction).GetPath()}, nil
	})
	r := NewReader(&API{Client: rig.client}, Options{})
	read := func(via Via) (*NodeSnapshot, bool, error) {
		pod := false
		ns, err := r.ReadNode(ctx, "node-1", ReadNodeOptions{Via: via, BeforePod: func() { pod = true }})
		return ns, pod, err
	}
	if _, pod, err := read(ViaAgent); !errors.Is(err, ErrNoAgent) || pod {
		t.Errorf("agent, none running: %v (snapshot pod %v)", err, pod)
	}
	for _, via := range []Via{ViaAuto, "", ViaPod} {
		if _, pod, err := read(via); err == nil || errors.Is(err, ErrNoAgent) || !pod {
			t.Errorf("%q, no agent: %v (snapshot pod %v)", via, err, pod)
		}
	}
	ap := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kubecgroups-agent-x1", Namespace: agent.DefaultNamespace, Labels: map[string]string{agent.PodLabel: agent.PodLabelValue}},
		Spec:       corev1.PodSpec{NodeName: "node-1"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	if _, err := rig.client.CoreV1().Pods(agent.DefaultNamespace).Create(ctx, ap, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, via := range []Via{ViaAuto, ViaAgent} {
		ns, pod, err := read(via)
		if err != nil || pod || ns.By != "agent "+agent.DefaultNamespace+"/kubecgroups-agent-x1" || ns.Snapshot == nil {
			t.Errorf("%q, agent running: %+v, %v (snapshot pod %v)", via, ns, err, pod)
		}
	}
	if _, pod, err := read(ViaPod); err == nil || !pod {
		t.Errorf("pod, agent running: %v (snapshot pod %v)", err, pod)
	}
}
