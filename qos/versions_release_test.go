package qos

import (
	"strings"
	"testing"
)

func TestKubernetesVersions(t *testing.T) {
	vs := KubernetesVersions()
	if len(vs) != maxMinor-minMinor+1 || vs[0] != "1.30" {
		t.Fatalf("KubernetesVersions() = %v", vs)
	}
	for _, v := range vs {
		if _, err := ParseKubernetesVersion(v); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	// The newest supported minor is the release the model follows.
	if !strings.HasPrefix(KubeletRelease, "v"+vs[len(vs)-1]+".") {
		t.Errorf("KubeletRelease %s is not the newest supported version %s", KubeletRelease, vs[len(vs)-1])
	}
}

func TestParseCRIRuntime(t *testing.T) {
	for in, want := range map[string]CRIRuntime{"containerd": CRIContainerd, "crio": CRICRIO, "cri-o": CRICRIO, "cri-dockerd": CRIDockerd} {
		if got, err := ParseCRIRuntime(in); err != nil || got != want {
			t.Errorf("ParseCRIRuntime(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseCRIRuntime("docker"); err == nil || err.Error() != `"docker": want containerd, crio or cri-dockerd` {
		t.Errorf("ParseCRIRuntime(docker): %v", err)
	}
}
