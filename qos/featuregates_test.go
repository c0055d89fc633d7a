package qos

import (
	"errors"
	"strings"
	"testing"
)

// TestUnknownFeatureGates: a gate the kubelet does not know is an error
// (it refuses to start), with the nearest known name, in --feature-gates,
// in a KubeletConfiguration and in overrides; a /configz document, which a
// running kubelet served, keeps its gates.
func TestUnknownFeatureGates(t *testing.T) {
	for _, tt := range []struct{ in, gate, suggest string }{
		{"MemoryQos=true", "MemoryQos", "MemoryQoS"},
		{"memoryqos=false", "memoryqos", "MemoryQoS"},
		{"PodLevelResource=true", "PodLevelResource", "PodLevelResources"},
		{"UserNamespaceSupport=true", "UserNamespaceSupport", "UserNamespacesSupport"},
		{"NoSuchGateAnywhere=true", "NoSuchGateAnywhere", ""},
	} {
		err := CheckFeatureGates(map[string]bool{tt.gate: true})
		var ue *UnknownFeatureGateError
		if !errors.As(err, &ue) || ue.Gate != tt.gate || ue.Suggestion != tt.suggest {
			t.Errorf("CheckFeatureGates(%s) = %v (%+v), want unknown %s, suggesting %q", tt.gate, err, ue, tt.gate, tt.suggest)
			continue
		}
		if tt.suggest != "" && !strings.Contains(err.Error(), "did you mean "+tt.suggest) {
			t.Errorf("CheckFeatureGates(%s): %v, want a did-you-mean", tt.gate, err)
		}
	}
	if err := CheckFeatureGates(map[string]bool{"MemoryQoS": true, "GracefulNodeShutdown": true, "CustomCPUCFSQuotaPeriod": true, "AllAlpha": false, "ContextualLogging": true}); err != nil {
		t.Errorf("known gates: %v", err)
	}

	_, err := ParseKubeletConfiguration([]byte("kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nfeatureGates:\n  MemoryQos: true\n"))
	var ue *UnknownFeatureGateError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "featureGates.MemoryQos") || !strings.Contains(err.Error(), "did you mean MemoryQoS") {
		t.Errorf("kubelet configuration: %v", err)
	}
	if _, err := ParseKubeletConfiguration([]byte(`{"kubeletconfig": {"featureGates": {"SomeNewerGate": true}}}`)); err != nil {
		t.Errorf("configz: %v", err)
	}
	if _, _, err := ResolveProfile(Facts{}, Overrides{FeatureGates: map[string]bool{"MemoryQos": true}}); !errors.As(err, &ue) {
		t.Errorf("overrides: %v", err)
	}
}
