package qos

import (
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestConvertContainerMatchesExpect: convert lists every file expect
// lists for the same lone container, kernel defaults included, with a
// value expect accepts.
func TestConvertContainerMatchesExpect(t *testing.T) {
	for _, tc := range []struct{ req, lim string }{
		{"", ""},
		{"cpu=250m,memory=100M", "cpu=1,memory=256Mi"},
		{"", "cpu=15m,memory=100M,hugepages-2Mi=4Mi"},
		{"cpu=500m", ""},
		{"memory=1Gi", "memory=1Gi"},
	} {
		for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
			for _, f := range []convert.WeightFormula{convert.WeightLinear, convert.WeightQuadratic} {
				p := DefaultProfile()
				p.CgroupVersion = v
				if f == convert.WeightLinear {
					p.Runtime.OCI = OCIRuntime{Name: "runc", Version: "1.1.15"}
				}
				pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "c", UID: "11111111-2222-3333-4444-555555555555"},
					Spec: corev1.PodSpec{Containers: []corev1.Container{podtest.Container("app", "", tc.req, tc.lim)}}}
				if err := p.DefaultPod(pod); err != nil {
					t.Fatal(err)
				}
				// The container's resources as the API server defaulted
				// them (a request defaults to its limit), as convert's
				// REQUESTS and LIMITS are given.
				res := pod.Spec.Containers[0].Resources
				doc, err := ConvertContainer(quantities(res.Requests), quantities(res.Limits), v, f)
				if err != nil {
					t.Fatal(err)
				}
				x, err := Expect([]*corev1.Pod{pod}, p)
				if err != nil {
					t.Fatal(err)
				}
				var want map[string]ExpectedFile
				for _, cg := range x.Pods[0].Cgroups {
					if cg.Level == cgroupfs.LevelContainer && cg.Container == "app" {
						want = cg.Files
					}
				}
				got := map[string]string{}
				for _, fl := range doc.Files {
					got[fl.Name] = fl.Value
				}
				name := tc.req + " / " + tc.lim + " " + v.String() + " " + f.String()
				for file, ef := range want {
					g, ok := got[file]
					if !ok {
						t.Errorf("%s: convert lacks %s (expect: %s)", name, file, strings.Join(ef.Accept, " or "))
						continue
					}
					if !ef.Accepts(g) {
						t.Errorf("%s: convert %s = %s, expect accepts %s", name, file, g, strings.Join(ef.Accept, " or "))
					}
				}
				for file := range got {
					if _, ok := want[file]; !ok {
						t.Errorf("%s: convert lists %s, expect does not", name, file)
					}
				}
			}
		}
	}
}

// TestConvertContainerKernelDefaults: on v1 with no CPU limit the quota
// reads -1.
func TestConvertContainerKernelDefaults(t *testing.T) {
	doc, err := ConvertContainer(nil, nil, convert.CgroupV1, convert.WeightLinear)
	if err != nil {
		t.Fatal(err)
	}
	var quota string
	for _, f := range doc.Files {
		if f.Name == "cpu.cfs_quota_us" {
			quota = f.Value + " " + f.Derivation
		}
	}
	if !strings.HasPrefix(quota, "-1 ") || !strings.Contains(quota, "kernel default") {
		t.Errorf("cpu.cfs_quota_us: %q", quota)
	}
}

// quantities turns a resource list into the map ConvertContainer takes.
func quantities(l corev1.ResourceList) map[string]resource.Quantity {
	out := make(map[string]resource.Quantity, len(l))
	for k, q := range l {
		out[string(k)] = q
	}
	return out
}
