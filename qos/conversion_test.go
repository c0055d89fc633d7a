package qos

import (
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
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
				req, lim, err := ParseConversionInput(tc.req, tc.lim)
				if err != nil {
					t.Fatal(err)
				}
				doc, err := ConvertContainer(req, lim, v, f)
				if err != nil {
					t.Fatal(err)
				}
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

func TestParseConversionInput(t *testing.T) {
	for _, tc := range []struct{ req, lim, want string }{
		{"cpu=abc", "", `requests: bad token "cpu=abc": invalid quantity "abc": want a number with an optional suffix such as 250m, 1.5 or 256Mi`},
		{"", "memory=1x", `--limits: bad token "memory=1x": invalid quantity "1x"`},
		{"cpu=1,memory", "", `requests: bad token "memory": want resource=quantity, for example cpu=250m`},
		{"gpu=1", "", `resource "gpu" is not cpu, memory or hugepages-<size>`},
		{"cpu=-1", "", `negative quantity "-1"`},
		{"cpu=1,cpu=2", "", `requests: resource "cpu" given twice`},
		{"cpu=2", "cpu=1", `request cpu=2 is above its limit 1`},
		{"", "hugepages-2MB=4Mi", `hugepages-2MB`},
	} {
		_, _, err := ParseConversionInput(tc.req, tc.lim)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %q: error %v, want %q", tc.req, tc.lim, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "regular expression") {
			t.Errorf("%q %q: %v", tc.req, tc.lim, err)
		}
	}
	req, lim, err := ParseConversionInput("", "cpu=1")
	rq, lq := req["cpu"], lim["cpu"]
	if err != nil || rq.String() != "1" || lq.String() != "1" {
		t.Errorf("a request defaults to its limit: %v %v %v", req, lim, err)
	}
}

// FuzzParseConversionInput: any REQUESTS and LIMITS either fail with an
// error or give non-negative requests within their limits, which
// ConvertContainer takes without panicking.
func FuzzParseConversionInput(f *testing.F) {
	f.Add("cpu=250m,memory=100M", "cpu=1,memory=256Mi")
	f.Add("", "cpu=15m,memory=100M,hugepages-2Mi=4Mi")
	f.Add("cpu=abc", "")
	f.Add(" cpu = 1 ,", "memory=1E")
	f.Fuzz(func(t *testing.T, requests, limits string) {
		req, lim, err := ParseConversionInput(requests, limits)
		if err != nil {
			return
		}
		for name, q := range req {
			if q.Sign() < 0 {
				t.Fatalf("negative request %s=%s", name, q.String())
			}
			if l, ok := lim[name]; ok && q.Cmp(l) > 0 {
				t.Fatalf("request %s=%s above its limit %s", name, q.String(), l.String())
			}
		}
		for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
			_, _ = ConvertContainer(req, lim, v, convert.WeightQuadratic)
		}
	})
}
