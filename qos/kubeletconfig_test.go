package qos

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
)

// TestLoadConfigz loads a real v1.37.2 kubelet's /configz response (the
// live-node rig's, testdata/expect/configz-sample.json).
func TestLoadConfigz(t *testing.T) {
	data, err := os.ReadFile(golden.Path(t, "expect", "configz-sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultProfile()
	if err := p.LoadKubeletConfiguration(data); err != nil {
		t.Fatal(err)
	}
	k := p.Kubelet
	if k.CgroupDriver != cgroupfs.DriverCgroupfs || k.CgroupRoot != "/" || !k.CgroupsPerQOS || !k.CPUCFSQuota ||
		k.CPUCFSQuotaPeriod.Duration != 50*time.Millisecond || k.PodPidsLimit != 1024 || k.MemoryReservationPolicy != "None" {
		t.Errorf("kubelet config: %+v", k)
	}
	if q := k.KubeReserved["pid"]; q.Value() != 100 {
		t.Errorf("kubeReserved pid %v", q.String())
	}
	if diff := cmp.Diff([]string{"pods"}, k.EnforceNodeAllocatable); diff != "" {
		t.Error(diff)
	}
}

func TestLoadKubeletConfigurationDefaults(t *testing.T) {
	p := DefaultProfile()
	p.Kubelet.CgroupDriver = cgroupfs.DriverSystemd // overwritten: unset fields take the kubelet's defaults
	if err := p.LoadKubeletConfiguration([]byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\npodPidsLimit: -5\n")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(DefaultKubeletConfig(), p.Kubelet); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestParseKubeletConfigurationErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"kind: Pod\n", `kind "Pod"`},
		{"apiVersion: kubelet.config.k8s.io/v1\nkind: KubeletConfiguration\n", "apiVersion"},
		{"kind: KubeletConfiguration\ncgroupDrivr: systemd\n", `unknown field "cgroupDrivr"`},
		{"kind: KubeletConfiguration\ncpuCFSQuotaPeriod: fast\n", "cpuCFSQuotaPeriod"},
		{"[1, 2]", "want an object"},
	}
	for _, tt := range tests {
		_, err := ParseKubeletConfiguration([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.in, err, tt.want)
		}
	}
	// Kubelet validation through Validate.
	for _, tt := range []struct {
		in, field string
	}{
		{"kind: KubeletConfiguration\ncpuCFSQuotaPeriod: 5ms\n", ""},
		{"kind: KubeletConfiguration\nmemoryThrottlingFactor: 1.5\n", "kubelet.memoryThrottlingFactor"},
		{"kind: KubeletConfiguration\ncgroupDriver: upstart\n", "kubelet.cgroupDriver"},
		{"kind: KubeletConfiguration\nkubeReserved: {cpu: lots}\n", "kubelet.kubeReserved.cpu"},
		{"kind: KubeletConfiguration\nmemoryReservationPolicy: TieredReservation\nfeatureGates: {MemoryQoS: false}\n", "kubelet.memoryReservationPolicy"},
		{"kind: KubeletConfiguration\ncgroupsPerQOS: false\n", "kubelet.enforceNodeAllocatable"},
	} {
		p := DefaultProfile()
		err := p.LoadKubeletConfiguration([]byte(tt.in))
		var pe *ProfileError
		if tt.field == "" {
			if err != nil {
				t.Errorf("%q: %v", tt.in, err)
			}
			continue
		}
		if !errors.As(err, &pe) || pe.Field != tt.field {
			t.Errorf("%q: error %v, want a ProfileError on %s", tt.in, err, tt.field)
		}
	}
}

// TestVersionedGates checks the gate defaults and locks of
// defaultVersionedKubernetesFeatureGates (pkg/features/kube_features.go, v1.37.2).
func TestVersionedGates(t *testing.T) {
	for _, tt := range []struct {
		version string
		gate    string
		want    bool
		present bool
	}{
		{"1.30", GatePodLevelResources, false, false},
		{"1.32", GatePodLevelResources, false, true},
		{"1.34", GatePodLevelResources, true, true},
		{"1.36", GateMemoryQoS, false, true},
		{"1.37", GateMemoryQoS, true, true},
		{"1.35", GateCPUCFSQuotaPeriod, false, true},
		{"1.36", GateCPUCFSQuotaPeriod, true, true},
		{"1.32", GateDisableCPUQuotaWithExclusiveCPUs, false, false},
		{"1.33", GateDisableCPUQuotaWithExclusiveCPUs, true, true},
		{"1.36", GatePodLevelResourcesFixKubeletQOSClass, false, false},
		{"1.37", GatePodLevelResourcesFixKubeletQOSClass, true, true},
		{"1.36", GateDRANodeAllocatableResources, false, true},
	} {
		p := DefaultProfile()
		p.KubernetesVersion = tt.version
		g, err := p.EffectiveFeatureGates()
		if err != nil {
			t.Fatal(err)
		}
		v, ok := g[tt.gate]
		if v != tt.want || ok != tt.present {
			t.Errorf("%s %s = %v (present %v), want %v (%v)", tt.version, tt.gate, v, ok, tt.want, tt.present)
		}
	}
	for _, tt := range []struct {
		version string
		gates   map[string]bool
		want    string
	}{
		{"1.37", map[string]bool{GateNodeSwap: false}, "locked"},
		{"1.37", map[string]bool{GateDisableCPUQuotaWithExclusiveCPUs: false}, "locked"},
		{"1.32", map[string]bool{GateDisableCPUQuotaWithExclusiveCPUs: true}, "unrecognized"},
		{"1.37", map[string]bool{"PerPodPIDLimit": true}, "podPidsLimit"},
		{"1.29", nil, "only 1.30 to 1.37"},
	} {
		p := DefaultProfile()
		p.KubernetesVersion, p.FeatureGates = tt.version, tt.gates
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %v: %v, want %q", tt.version, tt.gates, err, tt.want)
		}
	}
	p := DefaultProfile()
	p.FeatureGates = map[string]bool{"GracefulNodeShutdown": true}
	x, err := Expect([]*corev1.Pod{mkPod("p", []corev1.Container{podtest.Container("c", "", "", "")})}, p)
	if err != nil || len(x.Notes) == 0 || !strings.Contains(x.Notes[0].Message, "GracefulNodeShutdown") {
		t.Errorf("unknown gate: %v %v", err, x)
	}
}

func TestParseOCIRuntime(t *testing.T) {
	for in, want := range map[string]string{"runc-1.3.1": "linear", "runc-1.3.2": "quadratic", "runc-1.4.0-rc.1": "quadratic", "runc-1.2.9": "linear", "crun-1.22": "linear", "crun-1.23": "quadratic", "unknown": "unknown"} {
		o, err := ParseOCIRuntime(in)
		if err != nil || o.WeightFormula().String() != want {
			t.Errorf("%s: %v %v, want %s", in, o.WeightFormula(), err, want)
		}
	}
	for _, bad := range []string{"runc", "youki-1.0", "runc-x"} {
		if _, err := ParseOCIRuntime(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
