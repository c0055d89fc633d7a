package qos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// FuzzReadPods: any input either decodes into pods that Expect handles,
// or yields a *ManifestError; never a panic.
func FuzzReadPods(f *testing.F) {
	for _, name := range []string{"node-pods.yaml", "workloads.yaml", "pod-level.yaml", "resize.yaml"} {
		if b, err := os.ReadFile(golden.Path(f, "expect", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("kind: Pod\nspec:\n  containers:\n  - name: c\n    resources: {limits: {cpu: 1x}}\n"))
	f.Add([]byte(`{"kind":"PodList","items":[{"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"1"}}}]}},{"metadata":{"name":"b"}}]}`))
	f.Add([]byte(`{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","resources":{"requests":{"memory":"-1"}}}]}}]}`))
	p := DefaultProfile()
	f.Fuzz(func(t *testing.T, data []byte) {
		pods, err := ReadPods(bytes.NewReader(data), "fuzz")
		if js := bytes.TrimSpace(data); len(js) > 0 && js[0] == '{' && json.Valid(js) {
			// A JSON object skips the document reader: the same pods or
			// error as through it.
			viaReader, rerr := readDocuments(data, "fuzz")
			if fmt.Sprint(err) != fmt.Sprint(rerr) || !equality.Semantic.DeepEqual(pods, viaReader) {
				t.Fatalf("JSON read directly: %v, %v; through the document reader: %v, %v", len(pods), err, len(viaReader), rerr)
			}
		}
		if err != nil {
			return
		}
		for _, pod := range pods {
			if err := p.DefaultPod(pod); err != nil {
				t.Fatal(err)
			}
		}
		_, _ = Expect(pods, p)
	})
}

// FuzzParseKubeletConfiguration: decoding and applying never panics, and
// a profile that validates can compute an expectation.
func FuzzParseKubeletConfiguration(f *testing.F) {
	for _, name := range []string{"configz-sample.json", "kubelet-tiered.yaml", "kubelet-custom-root.yaml"} {
		if b, err := os.ReadFile(golden.Path(f, "expect", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"kubeletconfig": {"cpuCFSQuotaPeriod": "5ms"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		kc, err := ParseKubeletConfiguration(data)
		if err != nil {
			return
		}
		p := DefaultProfile()
		if err := p.ApplyKubeletConfiguration(kc); err != nil {
			return
		}
		if p.Validate() != nil {
			return
		}
		if _, err := Expect([]*corev1.Pod{mkPod("p", []corev1.Container{podtest.Container("c", "", "cpu=100m,memory=64Mi", "cpu=200m,memory=128Mi")})}, p); err != nil {
			t.Fatalf("valid profile, Expect failed: %v", err)
		}
	})
}
