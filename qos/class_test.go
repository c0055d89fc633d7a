package qos

import (
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestComputePodQOS ports the vectors of TestComputePodQOS
// (pkg/apis/core/v1/helper/qos/qos_test.go, v1.37.2).
func TestComputePodQOS(t *testing.T) {
	const (
		G  = corev1.PodQOSGuaranteed
		B  = corev1.PodQOSBurstable
		BE = corev1.PodQOSBestEffort
	)
	on := ClassOptions{PodLevelResources: true, FixKubeletQOSClass: true}
	noFix := ClassOptions{PodLevelResources: true}
	off := ClassOptions{}
	gc := podtest.Container("g", "", "cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi")
	bc := podtest.Container("b", "", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi")
	bec := podtest.Container("be", "", "", "")
	single := []struct {
		name string
		c    corev1.Container
		want corev1.PodQOSClass
	}{
		{"guaranteed with ephemeral storage", podtest.Container("c", "", "cpu=100m,memory=100Mi,ephemeral-storage=10Gi", "cpu=100m,memory=100Mi"), G},
		{"empty", podtest.Container("c", "", "", ""), BE},
		{"zero requests", podtest.Container("c", "", "cpu=0,memory=0", ""), BE},
		{"zero requests and limits", podtest.Container("c", "", "cpu=0,memory=0", "cpu=0,memory=0"), BE},
		{"empty quantities", corev1.Container{Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": resource.Quantity{}, "memory": resource.Quantity{}}}}, BE},
		{"ephemeral storage only", podtest.Container("c", "", "ephemeral-storage=10Gi", ""), BE},
		{"limits above requests", podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi"), B},
		{"memory limit above", podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=100m,memory=200Mi"), B},
		{"cpu limit above", podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=200m,memory=100Mi"), B},
		{"requests only", podtest.Container("c", "", "cpu=100m,memory=100Mi", ""), B},
		{"cpu limit only", podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=100m"), B},
	}
	for _, tt := range single {
		if got := QOSClass(mkPod("p", []corev1.Container{tt.c}), on); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
		// The same stanza at pod level with a Guaranteed container decides
		// alone, unless it has no cpu/memory/hugepages key.
		pod := mkPod("p", []corev1.Container{gc})
		r := tt.c.Resources.DeepCopy()
		pod.Spec.Resources = r
		want := tt.want
		if len(r.Requests)+len(r.Limits) == 0 || tt.name == "ephemeral storage only" {
			want = G
		}
		if got := QOSClass(pod, on); got != want {
			t.Errorf("pod-level %s: %s, want %s", tt.name, got, want)
		}
		if got := QOSClass(pod, off); got != G {
			t.Errorf("pod-level %s with the gate off: %s, want Guaranteed", tt.name, got)
		}
	}
	two := []struct {
		name string
		a, b corev1.Container
		want corev1.PodQOSClass
	}{
		{"G+G", gc, podtest.Container("g2", "", "cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi"), G},
		{"BE+BE", bec, podtest.Container("be2", "", "", ""), BE},
		{"B+B", bc, podtest.Container("b2", "", "cpu=1", ""), B},
		{"G+B", gc, bc, B},
		{"G+BE", gc, bec, B},
		{"B+BE", bc, bec, B},
	}
	for _, tt := range two {
		if got := QOSClass(mkPod("p", []corev1.Container{tt.a, tt.b}), on); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
		if got := QOSClass(mkPod("p", []corev1.Container{tt.b}, withInit(tt.a)), on); got != tt.want {
			t.Errorf("%s (init): %s, want %s", tt.name, got, tt.want)
		}
	}
	eph := mkPod("p", []corev1.Container{gc})
	eph.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "dbg"}}}
	if got := QOSClass(eph, on); got != G {
		t.Errorf("ephemeral container changed the class: %s", got)
	}
	explicit := []struct {
		name string
		pod  *corev1.Pod
		opts ClassOptions
		want corev1.PodQOSClass
	}{
		{"empty maps, fix on", mkPod("p", []corev1.Container{gc}, func(p *corev1.Pod) {
			p.Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
		}), on, G},
		{"empty stanza, fix off", mkPod("p", []corev1.Container{gc}, withPodLevel("", "")), noFix, BE},
		{"empty stanza, fix on", mkPod("p", []corev1.Container{gc}, withPodLevel("", "")), on, G},
		{"zero pod level, fix on", mkPod("p", []corev1.Container{gc}, withPodLevel("cpu=0,memory=0", "cpu=0,memory=0")), on, BE},
		{"zero pod level, fix off", mkPod("p", []corev1.Container{gc}, withPodLevel("cpu=0,memory=0", "cpu=0,memory=0")), noFix, BE},
		{"nil stanza", mkPod("p", []corev1.Container{gc}), on, G},
		{"pod-level with hugepages", mkPod("p", []corev1.Container{bec}, withPodLevel("cpu=10m,memory=100Mi,hugepages-2Mi=100Mi", "cpu=10m,memory=100Mi,hugepages-2Mi=100Mi")), on, G},
		{"pod-level hugepages limits only", mkPod("p", []corev1.Container{bec}, withPodLevel("cpu=10m,hugepages-2Mi=100Mi", "hugepages-2Mi=100Mi")), on, B},
		{"status wins", mkPod("p", []corev1.Container{gc}, func(p *corev1.Pod) { p.Status.QOSClass = BE }), on, BE},
	}
	for _, tt := range explicit {
		if got := QOSClass(tt.pod, tt.opts); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
