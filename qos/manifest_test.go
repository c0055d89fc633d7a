package qos

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
)

func TestReadPodsKinds(t *testing.T) {
	in := `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: a}}
  template: {spec: {containers: [{name: c, image: x}]}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec:
  selector: {matchLabels: {app: a}}
  template: {spec: {containers: [{name: c, image: x}]}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}}
---
apiVersion: v1
kind: PodList
items:
- metadata: {name: p1}
  spec: {containers: [{name: c, image: x}]}
`
	pods, err := ReadPods(strings.NewReader(in), "in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pods {
		got = append(got, p.Namespace+"/"+p.Name+"="+p.Annotations[TemplateAnnotation])
	}
	want := "data/db=StatefulSet/db /agent=DaemonSet/agent /rs=ReplicaSet/rs /j=Job/j /p1="
	if strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
}

func TestReadPodsErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, resources: {limits: {memory: 1GiB}}}]}\n",
			`in.yaml: document 1 (Pod default/a): spec.containers[0].resources.limits.memory: invalid quantity "1GiB"`},
		{"---\nkind: Pod\nmetadata: {name: a}\n---\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: c, resourcse: {}}]}}}\n",
			`in.yaml: document 2 (Deployment default/d): spec.template.spec.containers[0].resourcse: unknown field`},
		{"kind: Service\nmetadata: {name: s}\n", `document 1 (Service default/s): kind: "Service" is not supported`},
		{"metadata: {name: s}\n", "kind: missing"},
		{"kind: Pod\nspec: {containers: [{name: c, resources: {requests: {cpu: -1}}}]}\n", `negative quantity "-1"`},
		{"kind: List\nitems:\n- kind: Pod\n  spec: {containers: 3}\n", "items[0].spec.containers"},
		{"kind: Pod\n  bad: [\n", "not YAML"},
	}
	for _, tt := range tests {
		_, err := ReadPods(strings.NewReader(tt.in), "in.yaml")
		var me *ManifestError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q:\n got %v\nwant %q", tt.in, err, tt.want)
		}
	}
}

// TestExpectPodErrors: invalid pods name the pod and field.
func TestExpectPodErrors(t *testing.T) {
	tests := []struct {
		pod  *corev1.Pod
		want string
	}{
		{mkPod("p", nil), "pod default/p: spec.containers: a pod needs at least one container"},
		{mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=2", "cpu=1")}), "pod default/p: spec.containers[0].resources.requests.cpu: request 2 is above the limit 1"},
		{mkPod("p", []corev1.Container{podtest.Container("c", "", "", ""), podtest.Container("c", "", "", "")}), `spec.containers[1].name: "c" is also the name of spec.containers[0]`},
		{mkPod("p", []corev1.Container{podtest.Container("", "", "", "")}), "spec.containers[0].name: required"},
		{mkPod("p", []corev1.Container{podtest.Container("a", "", "", ""), podtest.Container("c", "", "", "")}, withInit(podtest.Container("i", "", "", ""), podtest.Container("c", "", "", ""))),
			`spec.containers[1].name: "c" is also the name of spec.initContainers[1]`},
		{mkPod("p", []corev1.Container{podtest.Container("a", "", "", "")}, withInit(podtest.Container("i", "", "", ""), podtest.Container("i", "", "", ""))),
			`spec.initContainers[1].name: "i" is also the name of spec.initContainers[0]`},
		{mkPod("p", []corev1.Container{podtest.Container("a", "", "", "")}, withInit(podtest.Container("i", "", "memory=2Gi", "memory=1Gi"))),
			"spec.initContainers[0].resources.requests.memory: request 2Gi is above the limit 1Gi"},
		{mkPod("p", []corev1.Container{podtest.Container("a", "", "", "")}, withPodLevel("cpu=2", "cpu=1")),
			"spec.resources.requests.cpu: request 2 is above the limit 1"},
	}
	for _, tt := range tests {
		_, err := Expect([]*corev1.Pod{tt.pod}, DefaultProfile())
		var pe *PodError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
}

// TestDefaultPod checks API-side defaulting (pkg/apis/core/v1/defaults.go:
// SetDefaults_Pod; pkg/api/pod/util.go: DefaultPodLevelResources, v1.37.2)
// with the pod-level cases of test/e2e/common/node/pod_level_resources.go.
func TestDefaultPod(t *testing.T) {
	p := DefaultProfile()
	tests := []struct {
		name  string
		pod   *corev1.Pod
		class corev1.PodQOSClass
		req   string
		lim   string
	}{
		{"limits only", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "cpu=1,memory=1Gi")}), corev1.PodQOSGuaranteed, "", ""},
		{"two containers req = lim", mkPod("p", []corev1.Container{podtest.Container("a", "", "", "cpu=50m,memory=70Mi"), podtest.Container("b", "", "", "cpu=70m,memory=50Mi")}, withPodLevel("", "cpu=120m,memory=120Mi")), corev1.PodQOSGuaranteed, "cpu=120m,memory=120Mi", "cpu=120m,memory=120Mi"},
		{"pod limits only", mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")}, withPodLevel("", "cpu=100m,memory=100Mi")), corev1.PodQOSGuaranteed, "cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi"},
		{"pod limits + container limits", mkPod("p", []corev1.Container{podtest.Container("a", "", "", "cpu=50m,memory=50Mi"), podtest.Container("b", "", "", "cpu=30m,memory=30Mi")}, withPodLevel("", "cpu=100m,memory=100Mi")), corev1.PodQOSBurstable, "cpu=80m,memory=80Mi", "cpu=100m,memory=100Mi"},
		{"pod requests + all containers limited", mkPod("p", []corev1.Container{podtest.Container("a", "", "", "cpu=50m,memory=50Mi"), podtest.Container("b", "", "", "cpu=50m,memory=50Mi")}, withPodLevel("cpu=100m,memory=100Mi", "")), corev1.PodQOSGuaranteed, "cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi"},
		{"pod requests + one container limited", mkPod("p", []corev1.Container{podtest.Container("a", "", "", "cpu=50m,memory=50Mi"), podtest.Container("b", "", "", "")}, withPodLevel("cpu=100m,memory=100Mi", "")), corev1.PodQOSBurstable, "cpu=100m,memory=100Mi", ""},
		{"pod cpu limit, memory req = lim", mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=100m,memory=100Mi", "cpu=100m,memory=100Mi")}, withPodLevel("memory=200Mi", "cpu=200m,memory=200Mi")), corev1.PodQOSBurstable, "cpu=100m,memory=200Mi", "cpu=200m,memory=200Mi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.DefaultPod(tt.pod); err != nil {
				t.Fatal(err)
			}
			if got := QOSClass(tt.pod, ClassOptions{PodLevelResources: true, FixKubeletQOSClass: true}); got != tt.class {
				t.Errorf("class %s, want %s", got, tt.class)
			}
			if tt.pod.Spec.Resources == nil {
				return
			}
			if !equalLists(tt.pod.Spec.Resources.Requests, podtest.ResourceList(tt.req)) || !equalLists(tt.pod.Spec.Resources.Limits, podtest.ResourceList(tt.lim)) {
				t.Errorf("pod-level %v / %v, want %s / %s", tt.pod.Spec.Resources.Requests, tt.pod.Spec.Resources.Limits, tt.req, tt.lim)
			}
		})
	}
}

func equalLists(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !v.Equal(w) {
			return false
		}
	}
	return true
}
