package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// expectCases are the golden cases: inputs under testdata/expect, outputs
// under testdata/golden/expect.
var expectCases = []struct {
	name string
	args []string
}{
	{"node-pods-v2-cgroupfs", []string{"-f", "node-pods.yaml"}},
	{"node-pods-v1-systemd-runc115", []string{"-f", "node-pods.yaml", "--cgroup-version", "v1", "--cgroup-driver", "systemd", "--oci-runtime", "runc-1.1.5"}},
	{"node-pods-v2-crio-unknown-custom-root", []string{"-f", "node-pods.yaml", "--node-config", "kubelet-custom-root.yaml", "--runtime", "crio", "--oci-runtime", "unknown"}},
	{"node-pods-v1-cri-dockerd", []string{"-f", "node-pods.yaml", "--cgroup-version", "v1", "--runtime", "cri-dockerd"}},
	{"node-pods-v2-dockerd-systemd", []string{"-f", "node-pods.yaml", "--runtime", "cri-dockerd", "--cgroup-driver", "systemd", "--oci-runtime", "crun-1.23"}},
	{"node-pods-tiered-static", []string{"-f", "node-pods.yaml", "--node-config", "kubelet-tiered.yaml", "--node-capacity", "swap=8Gi"}},
	{"node-pods-configz-v1", []string{"-f", "node-pods.yaml", "--node-config", "configz-sample.json", "--cgroup-version", "v1", "--node-capacity", "cpu=2,memory=4Gi,pids=32768,hugepages-2Mi=0", "--oci-runtime", "runc-1.1.5"}},
	{"node-pods-1.33-memoryqos", []string{"-f", "node-pods.yaml", "--kubernetes-version", "1.33", "--feature-gates", "MemoryQoS=true"}},
	{"workloads-v2", []string{"-f", "workloads.yaml"}},
	{"workloads-v1-systemd", []string{"-f", "workloads.yaml", "--cgroup-version", "v1", "--cgroup-driver", "systemd"}},
	{"pod-level-wide", []string{"-f", "pod-level.yaml", "-o", "wide"}},
	{"resize", []string{"-f", "resize.yaml"}},
}

func TestExpectGolden(t *testing.T) {
	dir := golden.Path(t, "expect")
	for _, tc := range expectCases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"expect"}
			for i := 0; i < len(tc.args); i++ {
				a := tc.args[i]
				args = append(args, a)
				if (a == "-f" || a == "--node-config") && i+1 < len(tc.args) {
					i++
					args = append(args, filepath.Join(dir, tc.args[i]))
				}
			}
			out, errOut, code := runCLI(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			out = strings.ReplaceAll(out, dir+string(filepath.Separator), "")
			golden.Check(t, golden.Path(t, "golden", "expect", tc.name+".txt"), []byte(out))
			for _, line := range strings.Split(out, "\n") {
				if n := len([]rune(line)); n > 80 && !strings.Contains(tc.name, "wide") {
					t.Errorf("line wider than 80 columns (%d): %q", n, line)
				}
			}
			js, errOut, code := runCLI(t, "", append(args[:len(args):len(args)], "-o", "json")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(js), &doc); err != nil {
				t.Fatal(err)
			}
			if doc["apiVersion"] != "kubecgroups.io/v1alpha1" || doc["kind"] != "Expectation" {
				t.Errorf("apiVersion/kind: %v %v", doc["apiVersion"], doc["kind"])
			}
			golden.Check(t, golden.Path(t, "golden", "expect", tc.name+".json"), []byte(js))
		})
	}
}

func TestExpectStdinAndYAML(t *testing.T) {
	in, err := os.ReadFile(golden.Path(t, "expect", "workloads.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, string(in), "expect", "-f", "-", "-o", "yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "kind: Expectation") || !strings.Contains(out, "name: web") {
		t.Errorf("yaml output lacks the document or the pod:\n%.400s", out)
	}
}

func TestExpectErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: c\n    resources:\n      limits: {cpu: lots}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(t.TempDir(), "typo.yaml")
	if err := os.WriteFile(typo, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: c\n    resource: {}\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	service := filepath.Join(t.TempDir(), "service.yaml")
	if err := os.WriteFile(service, []byte("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	snapshot := golden.RealNode(t, "node.tar.gz")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"expect"}, "no pods: give -f FILE"},
		{[]string{"expect", "-f", service}, `service.yaml: document 1 (Service default/s): kind: "Service" is not supported`},
		{[]string{"expect", "-f", empty}, "no pods found in " + empty},
		{[]string{"diff", "--snapshot", snapshot, "-f", service}, `kind: "Service" is not supported`},
		{[]string{"diff", "--snapshot", snapshot, "-f", empty}, "no pods found in " + empty},
		{[]string{"diff", "--snapshot", snapshot, "-f", bad}, `invalid quantity "lots"`},
		{[]string{"diff", "--snapshot", snapshot, "-f", typo}, `unknown field "spec.containers[0].resource"`},
		{[]string{"expect", "-f", bad}, "bad.yaml: document 1 (Pod default/x): spec.containers[0].resources.limits.cpu: invalid quantity \"lots\""},
		{[]string{"expect", "-f", typo}, `unknown field "spec.containers[0].resource"`},
		{[]string{"expect", "-f", bad, "--cgroup-version", "v3"}, "--cgroup-version"},
		{[]string{"expect", "-f", bad, "--kubernetes-version", "1.29"}, "only 1.30 to 1.37"},
		{[]string{"expect", "-f", bad, "--oci-runtime", "youki-1"}, "--oci-runtime"},
		{[]string{"expect", "-f", bad, "--feature-gates", "MemoryQoS=yes"}, `"yes" is not true or false`},
		{[]string{"expect", "-f", bad, "--feature-gates", "NodeSwap=false"}, "locked to true"},
		{[]string{"expect", "-f", bad, "--node-capacity", "gpu=1"}, `unknown resource "gpu"`},
		{[]string{"expect", "-f", bad, "--runtime", "rkt"}, "--runtime"},
		{[]string{"expect", "-f", bad, "-o", "xml"}, `unsupported output format "xml"`},
		{[]string{"expect", "-f", "/nonexistent.yaml"}, "nonexistent.yaml"},
	}
	for _, tt := range tests {
		_, errOut, code := runCLI(t, "", tt.args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", tt.args, code)
		}
		if !strings.HasPrefix(errOut, "error: ") || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: stderr %q does not contain %q", tt.args, errOut, tt.want)
		}
	}
}

func TestExpectHelp(t *testing.T) {
	out, _, code := runCLI(t, "", "expect", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Examples:", "--node-config", "--oci-runtime", "--feature-gates", "--node-capacity", "-o, --output"} {
		if !strings.Contains(out, want) {
			t.Errorf("expect --help lacks %q", want)
		}
	}
}

// TestRecursiveFilename: -R reads the manifests of a directory tree; without
// it the tree's root must hold manifests itself.
func TestRecursiveFilename(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	os.MkdirAll(sub, 0o755)
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "expect", "node-pods.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sub, "pods.yaml"), data, 0o644)
	out, errOut, code := runCLI(t, "", "expect", "-f", root, "-R", "-o", "jsonpath={range .pods[*]}{.name} {end}")
	if code != 0 || len(strings.Fields(out)) != 3 {
		t.Errorf("-R: exit %d, pods %q: %s", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, "", "expect", "-f", root); code != 2 || !strings.Contains(errOut, "no .yaml, .yml or .json files") {
		t.Errorf("without -R: exit %d: %s", code, errOut)
	}
}

// TestExpectUnknownFeatureGate: an unknown gate exits 2 with a
// did-you-mean, as the kubelet refuses to start with it.
func TestExpectUnknownFeatureGate(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i}]\n"
	_, errOut, code := runCLI(t, pod, "expect", "-f", "-", "--feature-gates", "MemoryQos=true")
	if code != 2 || !strings.Contains(errOut, "--feature-gates") || !strings.Contains(errOut, "did you mean MemoryQoS") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
