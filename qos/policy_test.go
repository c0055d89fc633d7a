package qos

import (
	"errors"
	"strings"
	"testing"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
)

func TestParsePolicies(t *testing.T) {
	for _, s := range []string{"none", "static"} {
		if p, err := ParseCPUManagerPolicy(s); err != nil || string(p) != s {
			t.Errorf("ParseCPUManagerPolicy(%q) = %q, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "None", "Static", "dynamic"} {
		if _, err := ParseCPUManagerPolicy(s); err == nil || !strings.Contains(err.Error(), "want none or static") {
			t.Errorf("ParseCPUManagerPolicy(%q): err %v", s, err)
		}
	}
	for _, s := range []string{"None", "TieredReservation"} {
		if p, err := ParseMemoryReservationPolicy(s); err != nil || string(p) != s {
			t.Errorf("ParseMemoryReservationPolicy(%q) = %q, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "none", "tieredReservation", "Tiered"} {
		if _, err := ParseMemoryReservationPolicy(s); err == nil || !strings.Contains(err.Error(), "want None or TieredReservation") {
			t.Errorf("ParseMemoryReservationPolicy(%q): err %v", s, err)
		}
	}
}

// TestApplyKubeletConfigurationPolicies: unknown policy names in a kubelet
// configuration are refused when the configuration is applied, naming the
// field.
func TestApplyKubeletConfigurationPolicies(t *testing.T) {
	for _, tc := range []struct {
		kc    kubeletv1beta1.KubeletConfiguration
		field string
	}{
		{kubeletv1beta1.KubeletConfiguration{CPUManagerPolicy: "dynamic"}, "kubelet.cpuManagerPolicy"},
		{kubeletv1beta1.KubeletConfiguration{MemoryReservationPolicy: "Tiered"}, "kubelet.memoryReservationPolicy"},
	} {
		p := DefaultProfile()
		err := p.ApplyKubeletConfiguration(&tc.kc)
		var pe *ProfileError
		if !errors.As(err, &pe) || pe.Field != tc.field {
			t.Errorf("%+v: err %v, want a ProfileError on %s", tc.kc, err, tc.field)
		}
	}
	p := DefaultProfile()
	if err := p.ApplyKubeletConfiguration(&kubeletv1beta1.KubeletConfiguration{CPUManagerPolicy: "static", MemoryReservationPolicy: "TieredReservation"}); err != nil {
		t.Fatal(err)
	}
	if p.Kubelet.CPUManagerPolicy != CPUManagerPolicyStatic || p.Kubelet.MemoryReservationPolicy != MemoryReservationPolicyTiered {
		t.Errorf("kubelet %+v", p.Kubelet)
	}
}

func FuzzParseCPUManagerPolicy(f *testing.F) {
	for _, s := range []string{"none", "static", "", "Static"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseCPUManagerPolicy(s)
		if (err == nil) != (s == "none" || s == "static") || (err == nil && string(p) != s) {
			t.Fatalf("%q: %q, %v", s, p, err)
		}
	})
}

func FuzzParseMemoryReservationPolicy(f *testing.F) {
	for _, s := range []string{"None", "TieredReservation", "", "none"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseMemoryReservationPolicy(s)
		if (err == nil) != (s == "None" || s == "TieredReservation") || (err == nil && string(p) != s) {
			t.Fatalf("%q: %q, %v", s, p, err)
		}
	})
}
