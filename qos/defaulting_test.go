package qos_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// storedPod is a pod an older API server stored: pod-level requests above
// its containers' limits, no pod-level limits, every container limited.
// 1.37 defaulting would give it pod-level limits max(request, container
// limits) = 200Mi and 200m; as stored the kubelet limits the pod cgroup to
// the containers' 100Mi and 100m.
func storedPod(stored bool) *corev1.Pod {
	lim := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("50Mi")}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "stored", UID: "0a1b2c3d-0000-4000-8000-000000000001"},
		Spec: corev1.PodSpec{
			Resources: &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("200Mi")}},
			Containers: []corev1.Container{
				{Name: "a", Resources: corev1.ResourceRequirements{Limits: lim.DeepCopy(), Requests: lim.DeepCopy()}},
				{Name: "b", Resources: corev1.ResourceRequirements{Limits: lim.DeepCopy(), Requests: lim.DeepCopy()}},
			},
		},
	}
	if stored {
		pod.CreationTimestamp = metav1.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	return pod
}

// podFile is the value the expectation gives a pod cgroup file.
func podFile(t *testing.T, x *qos.Expectation, file string) string {
	t.Helper()
	for _, p := range x.Pods {
		for _, cg := range p.Cgroups {
			if cg.Level == cgroupfs.LevelPod {
				if f, ok := cg.Files[file]; ok {
					return f.Accept[0]
				}
			}
		}
	}
	t.Fatalf("no pod cgroup file %s", file)
	return ""
}

// TestCheckDefaulting: pods as the API server stored them (read from the
// API server or the kubelet's /pods, or carrying metadata.creationTimestamp
// or a status) are not defaulted again; plain manifests are; the option
// forces either way.
func TestCheckDefaulting(t *testing.T) {
	snap, err := cgroupfs.ReadSnapshotFile(filepath.Join("..", "internal", "demo", "data", "1-real-node", "node.tar.gz"), cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	const defaulted = "209715200" // 200Mi: the 1.37 defaulted pod-level limit
	const stored = "104857600"    // 100Mi: the containers' limits
	tests := []struct {
		name       string
		pod        *corev1.Pod
		fromAPI    bool
		defaulting qos.Defaulting
		want       string
	}{
		{"manifest, auto", storedPod(false), false, qos.DefaultingAuto, defaulted},
		{"creationTimestamp, auto", storedPod(true), false, qos.DefaultingAuto, stored},
		{"from the API server, auto", storedPod(false), true, qos.DefaultingAuto, stored},
		{"status, auto", func() *corev1.Pod { p := storedPod(false); p.Status.Phase = corev1.PodRunning; return p }(), false, qos.DefaultingAuto, stored},
		{"creationTimestamp, always", storedPod(true), false, qos.DefaultingAlways, defaulted},
		{"manifest, never", storedPod(false), false, qos.DefaultingNever, stored},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := qos.Check(qos.CheckOptions{Snapshot: snap, Pods: []*corev1.Pod{tt.pod}, PodsFromAPIServer: tt.fromAPI, Defaulting: tt.defaulting})
			if err != nil {
				t.Fatal(err)
			}
			if got := podFile(t, res.Expectation, "memory.limit_in_bytes"); got != tt.want {
				t.Errorf("pod memory.limit_in_bytes = %s, want %s", got, tt.want)
			}
			wantQuota := map[string]string{defaulted: "20000", stored: "10000"}[tt.want]
			if got := podFile(t, res.Expectation, "cpu.cfs_quota_us"); got != wantQuota {
				t.Errorf("pod cpu.cfs_quota_us = %s, want %s", got, wantQuota)
			}
		})
	}
	if _, err := qos.ParseDefaulting("sometimes"); err == nil {
		t.Error("ParseDefaulting(sometimes): no error")
	}
}

func TestDefaultPods(t *testing.T) {
	mk := func(stored bool) *corev1.Pod {
		p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{podtest.Container("c", "i", "", "cpu=1,memory=1Gi")}}}
		if stored {
			p.Status.QOSClass = corev1.PodQOSGuaranteed
		}
		return p
	}
	defaulted := func(p *corev1.Pod) bool { return p.Spec.Containers[0].Resources.Requests.Cpu().String() == "1" }
	for _, tc := range []struct {
		d             qos.Defaulting
		fromAPIServer bool
		want          [2]bool // plain, stored
	}{
		{qos.DefaultingAuto, false, [2]bool{true, false}},
		{"", false, [2]bool{true, false}},
		{qos.DefaultingAuto, true, [2]bool{false, false}},
		{qos.DefaultingAlways, true, [2]bool{true, true}},
		{qos.DefaultingNever, false, [2]bool{false, false}},
	} {
		pods := []*corev1.Pod{mk(false), mk(true)}
		if err := qos.DefaultProfile().DefaultPods(pods, tc.d, tc.fromAPIServer); err != nil {
			t.Fatal(err)
		}
		if got := [2]bool{defaulted(pods[0]), defaulted(pods[1])}; got != tc.want {
			t.Errorf("%q, fromAPIServer %v: defaulted %v, want %v", tc.d, tc.fromAPIServer, got, tc.want)
		}
	}
	if err := qos.DefaultProfile().DefaultPods([]*corev1.Pod{mk(false)}, "sometimes", false); err == nil {
		t.Error("an unknown defaulting was accepted")
	}
}
