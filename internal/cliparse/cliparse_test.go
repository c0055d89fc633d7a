package cliparse_test

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/cliparse"
	"github.com/kubecgroups/kubecgroups/qos"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestFeatureGates(t *testing.T) {
	g, err := cliparse.FeatureGates("MemoryQoS=false, NodeSwap=TRUE")
	if err != nil || g["MemoryQoS"] || !g["NodeSwap"] || len(g) != 2 {
		t.Errorf("%v %v", g, err)
	}
	if g, err := cliparse.FeatureGates("  "); err != nil || len(g) != 0 {
		t.Errorf("blank: %v %v", g, err)
	}
	for bad, want := range map[string]string{
		"MemoryQoS":                      `bad token "MemoryQoS": want Gate=true or Gate=false`,
		"=true":                          `bad token "=true"`,
		"MemoryQoS=maybe":                `"maybe" is not true or false`,
		"MemoryQoS=true,MemoryQoS=false": `feature gate "MemoryQoS" given twice`,
	} {
		if _, err := cliparse.FeatureGates(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", bad, err, want)
		}
	}
}

// TestUnknownFeatureGates: a gate the kubelet does not know is a
// *qos.UnknownFeatureGateError with the nearest known name (the
// suggestions themselves are qos's TestUnknownFeatureGates).
func TestUnknownFeatureGates(t *testing.T) {
	_, err := cliparse.FeatureGates("MemoryQoS=true,MemoryQos=true")
	var ue *qos.UnknownFeatureGateError
	if !errors.As(err, &ue) || ue.Gate != "MemoryQos" || !strings.Contains(err.Error(), "did you mean MemoryQoS") {
		t.Errorf("FeatureGates: %v (%+v), want MemoryQos unknown, suggesting MemoryQoS", err, ue)
	}
	if _, err := cliparse.FeatureGates("MemoryQoS=true,GracefulNodeShutdown=true,CustomCPUCFSQuotaPeriod=true,AllAlpha=false,ContextualLogging=true"); err != nil {
		t.Errorf("gates the kubelet knows: %v", err)
	}
}

func TestResourceList(t *testing.T) {
	l, err := cliparse.ResourceList("cpu=8, memory=32Gi,pids=4194304")
	if err != nil || !l.Cpu().Equal(resource.MustParse("8")) || !l.Memory().Equal(resource.MustParse("32Gi")) || l.Name("pids", resource.DecimalSI).Value() != 4194304 {
		t.Errorf("%v %v", l, err)
	}
	for bad, want := range map[string]string{
		"cpu":         `bad token "cpu": want name=quantity`,
		"cpu=x":       `invalid quantity "x"`,
		"cpu=-1":      `negative quantity`,
		"cpu=1,cpu=2": `"cpu" given twice`,
	} {
		if _, err := cliparse.ResourceList(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", bad, err, want)
		}
	}
}

func TestConversionInput(t *testing.T) {
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
		_, _, err := cliparse.ConversionInput(tc.req, tc.lim)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %q: error %v, want %q", tc.req, tc.lim, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "regular expression") {
			t.Errorf("%q %q: %v", tc.req, tc.lim, err)
		}
	}
	req, lim, err := cliparse.ConversionInput("", "cpu=1")
	rq, lq := req["cpu"], lim["cpu"]
	if err != nil || rq.String() != "1" || lq.String() != "1" {
		t.Errorf("a request defaults to its limit: %v %v %v", req, lim, err)
	}
}

// FuzzFeatureGates: what parses renders back to a flag that parses to
// the same gates, and the profile's gate resolution never panics on it.
func FuzzFeatureGates(f *testing.F) {
	f.Add("MemoryQoS=true,CPUCFSQuotaPeriod=false")
	f.Add("A=TRUE")
	f.Add(",=")
	f.Add(" MemoryQoS = false ,NodeSwap=True")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		g, err := cliparse.FeatureGates(s)
		if err != nil {
			return
		}
		flag := formatFeatureGates(g)
		back, err := cliparse.FeatureGates(flag)
		if err != nil {
			t.Fatalf("%q parsed to %v, whose flag %q does not parse: %v", s, g, flag, err)
		}
		if !maps.Equal(g, back) {
			t.Fatalf("%q parsed to %v, but its flag %q parses to %v", s, g, flag, back)
		}
		p := qos.DefaultProfile()
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

// FuzzResourceList: every parsed quantity is non-negative, and the list
// renders back to a flag that parses to equal quantities.
func FuzzResourceList(f *testing.F) {
	f.Add("cpu=8,memory=32Gi,pids=32768,hugepages-2Mi=0")
	f.Add("cpu=-1")
	f.Add("memory=1e3")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := cliparse.ResourceList(s)
		if err != nil {
			return
		}
		var parts []string
		for k, q := range l {
			if q.Sign() < 0 {
				t.Fatalf("%s negative: %s", k, q.String())
			}
			parts = append(parts, string(k)+"="+q.String())
		}
		back, err := cliparse.ResourceList(strings.Join(parts, ","))
		if err != nil || len(back) != len(l) {
			t.Fatalf("%q parsed to %v, which renders to %q: %v %v", s, l, strings.Join(parts, ","), back, err)
		}
		for k, q := range l {
			if b := back[k]; !b.Equal(q) {
				t.Fatalf("%q: %s=%s renders and parses back to %s", s, k, q.String(), b.String())
			}
		}
	})
}

// FuzzConversionInput: any REQUESTS and LIMITS either fail with an error
// or give non-negative requests within their limits, which
// qos.ConvertContainer takes without panicking.
func FuzzConversionInput(f *testing.F) {
	f.Add("cpu=250m,memory=100M", "cpu=1,memory=256Mi")
	f.Add("", "cpu=15m,memory=100M,hugepages-2Mi=4Mi")
	f.Add("cpu=abc", "")
	f.Add(" cpu = 1 ,", "memory=1E")
	f.Fuzz(func(t *testing.T, requests, limits string) {
		req, lim, err := cliparse.ConversionInput(requests, limits)
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
			_, _ = qos.ConvertContainer(req, lim, v, convert.WeightQuadratic)
		}
	})
}
