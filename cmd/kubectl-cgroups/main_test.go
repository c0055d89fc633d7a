package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// runCLI runs the command line in-process and returns stdout, stderr and
// the exit status.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errb})
	return out.String(), errb.String(), code
}

func TestConvertGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"convert-burstable-v2.txt", []string{"convert", "cpu=250m,memory=100M", "--limits", "cpu=1,memory=256Mi"}},
		{"convert-burstable-v2-linear.txt", []string{"convert", "cpu=250m,memory=100M", "--limits", "cpu=1,memory=256Mi", "--weight-formula", "linear"}},
		{"convert-burstable-v1.txt", []string{"convert", "cpu=250m,memory=100M", "--limits", "cpu=1,memory=256Mi", "--cgroup-version", "v1"}},
		{"convert-limits-only-v2.json", []string{"convert", "", "--limits", "cpu=15m,memory=100M,hugepages-2Mi=4Mi", "-o", "json"}},
		{"convert-besteffort-v1.yaml", []string{"convert", "", "--cgroup-version", "v1", "-o", "yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden.Check(t, golden.Path(t, "golden", "cli", tt.name), []byte(out))
		})
	}
}

func TestConvertErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"convert", "cpu=abc"}, `bad token "cpu=abc"`},
		{[]string{"convert", "cpu=1,memory"}, `bad token "memory"`},
		{[]string{"convert", "gpu=1"}, `resource "gpu" is not cpu, memory or hugepages-<size>`},
		{[]string{"convert", "cpu=-1"}, `negative quantity "-1"`},
		{[]string{"convert", "cpu=1,cpu=2"}, `resource "cpu" given twice`},
		{[]string{"convert", "cpu=2", "--limits", "cpu=1"}, `request cpu=2 is above its limit 1`},
		{[]string{"convert", "", "--limits", "hugepages-2MB=4Mi"}, `hugepages-2MB`},
		{[]string{"convert", "", "--limits", "memory=1Gi,memory=2Gi"}, `--limits: resource "memory" given twice`},
		{[]string{"convert", "", "--cgroup-version", "v3"}, `--cgroup-version`},
		{[]string{"convert", "", "--weight-formula", "unknown"}, `--weight-formula "unknown"`},
		{[]string{"convert", "", "-o", "wide"}, `unsupported output format "wide"`},
		{[]string{"convert"}, `convert takes one argument, REQUESTS`},
		{[]string{"convert", "cpu=1", "memory=1Gi"}, `join resources with commas`},
		{[]string{"convert", "cpu=abc"}, `invalid quantity "abc": want a number with an optional suffix such as 250m, 1.5 or 256Mi`},
		{[]string{"convert", "", "--limits", "memory=1x"}, `--limits: bad token "memory=1x": invalid quantity "1x"`},
		{[]string{"convert", "", "--nope"}, `unknown flag: --nope`},
		{[]string{"nope"}, `unknown command "nope"`},
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

func TestVersion(t *testing.T) {
	out, _, code := runCLI(t, "", "version")
	if code != 0 || !strings.Contains(out, "predicts kubelet v1.37.2") {
		t.Errorf("version: %d %q", code, out)
	}
	out, _, code = runCLI(t, "", "version", "-o", "json")
	if code != 0 || !strings.Contains(out, `"kind": "Version"`) || !strings.Contains(out, `"kubernetesVersion": "v1.37.2"`) {
		t.Errorf("version -o json: %d %q", code, out)
	}
	// The module version and VCS revision from the build information (a
	// test binary has neither: the fallbacks).
	if !strings.Contains(out, `"version": "(devel)"`) || !strings.Contains(out, `"revision": "unknown"`) {
		t.Errorf("version -o json lacks version or revision: %q", out)
	}
	if out, _, _ = runCLI(t, "", "version"); !strings.Contains(out, "(devel) (revision unknown)") {
		t.Errorf("version: %q", out)
	}
}

// TestSnapshotRecordsVersion: a snapshot records the version and revision
// of the tool that wrote it.
func TestSnapshotRecordsVersion(t *testing.T) {
	out, errOut, code := runCLI(t, "", "snapshot", "--snapshot", treeFile("v1-systemd"), "-o", "-", "--format", "txtar")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"toolVersion":"kubectl-cgroups (devel) (revision unknown)"`) {
		t.Errorf("snapshot header: %.300s", out)
	}
}

func TestHelpTeaches(t *testing.T) {
	out, _, code := runCLI(t, "", "convert", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Examples:", "--weight-formula", "runc >= 1.3.2", "--limits"} {
		if !strings.Contains(out, want) {
			t.Errorf("convert --help lacks %q", want)
		}
	}
}

// TestCommandName: the program kubectl runs as the plugin names itself
// "kubectl cgroups"; any other name (a test binary, a renamed copy) is not
// the plugin.
func TestCommandName(t *testing.T) {
	for arg0, want := range map[string]string{
		"/usr/local/bin/kubectl-cgroups":     "kubectl cgroups",
		"kubectl-cgroups":                    "kubectl cgroups",
		`C:\bin\kubectl-cgroups.exe`:         "kubectl cgroups",
		"/tmp/go-build/kubectl-cgroups.test": "kubectl-cgroups",
		"./kcg":                              "kubectl-cgroups",
	} {
		if got := commandNameOf(arg0); got != want {
			t.Errorf("commandNameOf(%q) = %q, want %q", arg0, got, want)
		}
	}
}

// TestHelpFitsAScreen: diff's help and each mode's help topic fit a
// terminal, every flag of diff is in one of them, and kubectl's connection
// flags are in "options".
func TestHelpFitsAScreen(t *testing.T) {
	all := ""
	for _, args := range [][]string{{"diff", "--help"}, {"help", "cluster-mode"}, {"help", "node-mode"}, {"help", "profile"}} {
		out, errOut, code := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if n := strings.Count(out, "\n"); n > 60 {
			t.Errorf("%v: %d lines", args, n)
		}
		all += out
	}
	for _, flag := range []string{"--selector", "--all-nodes", "--kubelet-token", "--static-pods", "--node-config", "--oci-runtime", "--only-drift", "--output"} {
		if !strings.Contains(all, flag) {
			t.Errorf("no help shows %s", flag)
		}
	}
	if strings.Contains(all, "--kubeconfig string") {
		t.Error("diff's help lists kubectl's flags")
	}
	out, _, _ := runCLI(t, "", "options")
	for _, flag := range []string{"--kubeconfig", "--context", "--token", "--request-timeout"} {
		if !strings.Contains(out, flag) {
			t.Errorf("options does not list %s", flag)
		}
	}
	// The defaults diff really uses.
	out, _, _ = runCLI(t, "", "help", "profile")
	if !strings.Contains(out, `(default "unknown")`) || !strings.Contains(out, `(default "from the tree")`) {
		t.Errorf("profile help defaults:\n%s", out)
	}
}
