package qos

import (
	"bytes"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
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
	p := DefaultProfile()
	f.Fuzz(func(t *testing.T, data []byte) {
		pods, err := ReadPods(bytes.NewReader(data), "fuzz")
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

// FuzzParseFeatureGates: what parses renders back to a flag that parses
// to the same gates, and the profile's gate resolution never panics on it.
func FuzzParseFeatureGates(f *testing.F) {
	f.Add("MemoryQoS=true,CPUCFSQuotaPeriod=false")
	f.Add("A=TRUE")
	f.Add(",=")
	f.Add(" A = false ,B=True")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseFeatureGates(s)
		if err != nil {
			return
		}
		flag := formatFeatureGates(g)
		back, err := ParseFeatureGates(flag)
		if err != nil {
			t.Fatalf("%q parsed to %v, whose flag %q does not parse: %v", s, g, flag, err)
		}
		if !maps.Equal(g, back) {
			t.Fatalf("%q parsed to %v, but its flag %q parses to %v", s, g, flag, back)
		}
		p := DefaultProfile()
		p.FeatureGates = g
		_, _ = p.EffectiveFeatureGates()
	})
}

// formatFeatureGates renders gates in the kubelet's --feature-gates
// syntax, sorted by name.
func formatFeatureGates(g map[string]bool) string {
	var b strings.Builder
	for i, name := range slices.Sorted(maps.Keys(g)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name + "=" + strconv.FormatBool(g[name]))
	}
	return b.String()
}

// FuzzParseResourceList: every parsed quantity is non-negative.
func FuzzParseResourceList(f *testing.F) {
	f.Add("cpu=8,memory=32Gi,pids=32768,hugepages-2Mi=0")
	f.Add("cpu=-1")
	f.Add("memory=1e3")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseResourceList(s)
		if err != nil {
			return
		}
		for k, q := range l {
			if q.Sign() < 0 {
				t.Fatalf("%s negative: %s", k, q.String())
			}
		}
	})
}
