package cluster

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodRunState(t *testing.T) {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	for _, tc := range []struct {
		name    string
		pod     corev1.Pod
		state   string
		running bool
		err     string
	}{
		{"new", corev1.Pod{}, "not yet seen by the kubelet", false, ""},
		{"creating", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{Name: SnapshotContainer, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}}}, "Pending, container waiting (ContainerCreating)", false, ""},
		{"running", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: SnapshotContainer, State: running}}}}, "running", true, ""},
		{"exited", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: SnapshotContainer, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 127}}}}}}, "", false, "exit code 127"},
		{"config", corev1.Pod{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: SnapshotContainer, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: "runAsNonRoot"}}}}}}, "", false, "cannot run (CreateContainerConfigError: runAsNonRoot)"},
		{"deleting", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{}}}, "", false, "is being deleted"},
		{"unschedulable", corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Message: "taint"}}}}, "", false, "was not admitted to the node: taint"},
	} {
		tc.pod.Spec.Containers = []corev1.Container{{Name: SnapshotContainer, Image: "busybox"}}
		state, running, err := podRunState(&tc.pod)
		if state != tc.state || running != tc.running || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %q %v %v; want %q %v %q", tc.name, state, running, err, tc.state, tc.running, tc.err)
		}
	}
}

func TestSnapshotPodName(t *testing.T) {
	for node, prefix := range map[string]string{
		"node-1":                         "kcg-snapshot-node-1-",
		"ip-10-0-1-23.ec2.internal":      "kcg-snapshot-ip-10-0-1-23-ec2-internal-",
		strings.Repeat("a", 63) + ".x.y": "kcg-snapshot-" + strings.Repeat("a", 40) + "-",
	} {
		got := snapshotPodName(node)
		if !strings.HasPrefix(got, prefix) || len(got) != len(prefix)+5 || len(got) > 63 {
			t.Errorf("snapshotPodName(%q) = %q", node, got)
		}
	}
	long := strings.Repeat("n", 70)
	if p := SnapshotPod(long, "x", "ns", "img"); p.Labels[SnapshotNodeLabel] != "" || p.Annotations[SnapshotNodeLabel] != long {
		t.Errorf("a node name too long for a label: %v %v", p.Labels, p.Annotations)
	}
}
