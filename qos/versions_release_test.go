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

func TestParseMaxPID(t *testing.T) {
	if n, err := ParseMaxPID([]byte(`{"node":{"nodeName":"n","rlimit":{"time":"2026-12-06T10:00:00Z","maxpid":4194304,"curproc":312}}}`)); err != nil || n != 4194304 {
		t.Errorf("ParseMaxPID = %d, %v", n, err)
	}
	for _, body := range []string{`{"node":{}}`, `{"node":{"rlimit":{"maxpid":0}}}`, `{"node":{"rlimit":{}}}`, `not json`} {
		if n, err := ParseMaxPID([]byte(body)); err == nil || n != 0 || !strings.Contains(err.Error(), "stats/summary") {
			t.Errorf("ParseMaxPID(%s) = %d, %v", body, n, err)
		}
	}
}
