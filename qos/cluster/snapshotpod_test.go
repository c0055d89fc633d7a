package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
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
	if p := SnapshotPod(SnapshotPodSpec{Node: long, Name: "x", Namespace: "ns", Image: "img"}); p.Labels[SnapshotNodeLabel] != "" || p.Annotations[SnapshotNodeLabel] != long {
		t.Errorf("a node name too long for a label: %v %v", p.Labels, p.Annotations)
	}
}

func TestSnapshotPodLifetime(t *testing.T) {
	for life, want := range map[time.Duration]int64{
		0:                                    3600,
		-time.Second:                         3600,
		3*time.Minute + time.Millisecond:     181,
		MaxSnapshotPodLifetime:               3600,
		MaxSnapshotPodLifetime + time.Second: 3600,
	} {
		p := SnapshotPod(SnapshotPodSpec{Node: "n", Name: "x", Namespace: "ns", Image: "img", RunID: "r", Lifetime: life})
		if got := *p.Spec.ActiveDeadlineSeconds; got != want {
			t.Errorf("lifetime %s: activeDeadlineSeconds %d, want %d", life, got, want)
		}
		if p.Labels[SnapshotRunIDLabel] != "r" || p.Spec.HostNetwork {
			t.Errorf("labels %v, hostNetwork %v", p.Labels, p.Spec.HostNetwork)
		}
	}
}

func TestValidateImage(t *testing.T) {
	digest := "sha256:" + strings.Repeat("0a", 32)
	for image, want := range map[string]string{
		DefaultImage:                       "",
		"busybox":                          "",
		"registry.example:5000/x/y:1.0":    "",
		"busybox@" + digest:                "",
		"busybox:1.37@" + digest:           "",
		"":                                 "empty",
		"busybox@sha256:0A" + digest[9:]:   "64 lower-case hex",
		"busybox@sha512:" + digest[7:]:     "must be sha256",
		"@" + digest:                       "no name",
		"busybox@" + digest + "@" + digest: "digest must be",
		"busy box":                         "white space",
	} {
		err := ValidateImage(image)
		if (err == nil) != (want == "") || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("ValidateImage(%q) = %v, want %q", image, err, want)
		}
	}
	if n := NewRunID(); len(validation.IsValidLabelValue(n)) != 0 || !strings.HasPrefix(n, "kcg-") {
		t.Errorf("NewRunID() = %q", n)
	}
}

func TestDefinitelyNotCreated(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods"}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{apierrors.NewForbidden(gr, "x", errors.New("no")), true},
		{apierrors.NewAlreadyExists(gr, "x"), true},
		{apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, "x", nil), true},
		{apierrors.NewTimeoutError("slow", 1), false},
		{apierrors.NewTooManyRequests("busy", 1), false},
		{apierrors.NewInternalError(errors.New("etcd")), false},
		{errors.New("connection reset by peer"), false},
		{context.DeadlineExceeded, false},
	} {
		if got := definitelyNotCreated(tc.err); got != tc.want {
			t.Errorf("definitelyNotCreated(%v) = %v", tc.err, got)
		}
	}
}
