//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
)

// buildCLI builds kubectl-cgroups once per test binary.
var cliPath string

func buildCLI(t *testing.T) string {
	t.Helper()
	if cliPath != "" {
		return cliPath
	}
	dir, err := os.MkdirTemp("", "kcg-e2e-bin-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "kubectl-cgroups")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kubectl-cgroups")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("e2e: building kubectl-cgroups: %v\n%s", err, out)
	}
	cliPath = bin
	return bin
}

// cliResult is one run of the CLI.
type cliResult struct {
	stdout, stderr string
	code           int
}

func runCLI(t *testing.T, bin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return runCmd(t, exec.CommandContext(ctx, bin, args...))
}

// runCmd runs a command and returns its output and exit status; a command
// that cannot run at all fails the test.
func runCmd(t *testing.T, cmd *exec.Cmd) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("e2e: running %s: %v", strings.Join(cmd.Args, " "), err)
	}
	return cliResult{stdout: out.String(), stderr: errb.String(), code: code}
}

// diffArgs are the arguments of a live diff against the rig: pods from
// the kubelet's /pods, the profile from its /configz, the OCI runtime the
// rig uses.
func (r *nodeRig) diffArgs(extra ...string) []string {
	args := []string{"diff",
		"--kubelet-pods", r.env["KUBELET_PODS_URL"],
		"--node-config", r.env["KUBELET_CONFIGZ_URL"], "--kubelet-insecure-skip-tls-verify",
		"--oci-runtime", "runc-" + strings.SplitN(r.env["RUNC_VERSION"], "+", 2)[0],
	}
	return append(args, extra...)
}

// waitSettled runs the diff until nothing is unexplained: the QoS tier
// values are rewritten by the kubelet once a minute and before each pod,
// and pods start one after another. It returns the last report.
func (r *nodeRig) waitSettled(t *testing.T, bin string) *qos.DiffReport {
	t.Helper()
	deadline := time.Now().Add(150 * time.Second)
	for {
		res := runCLI(t, bin, r.diffArgs("-o", "json")...)
		if res.code != 0 && res.code != 1 {
			t.Fatalf("e2e: diff failed (exit %d): %s", res.code, res.stderr)
		}
		var rep qos.DiffReport
		if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
			t.Fatalf("e2e: diff -o json: %v\n%s", err, res.stdout)
		}
		if res.code == 0 {
			return &rep
		}
		if time.Now().After(deadline) {
			table := runCLI(t, bin, r.diffArgs("--only-drift")...)
			t.Fatalf("e2e: unexplained drift on the live node after 150 s:\n%s", table.stdout)
		}
		time.Sleep(5 * time.Second)
	}
}

// kubeletPods reads the rig's pod list.
func (r *nodeRig) kubeletPods(t *testing.T) []corev1.Pod {
	t.Helper()
	resp, err := http.Get(r.env["KUBELET_PODS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list corev1.PodList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// TestLiveNode runs the rig under both containerd versions and both
// kubelet configurations, and requires the diff of the live node to be
// free of unexplained drift; then it injects a drift and requires exactly
// that drift to be reported.
func TestLiveNode(t *testing.T) {
	bin := buildCLI(t)
	for _, rt := range []string{"containerd1", "containerd2"} {
		for _, cfg := range []string{"a", "b"} {
			t.Run(rt+"-"+cfg, func(t *testing.T) { testLiveNode(t, bin, rt, cfg) })
		}
	}
}

func testLiveNode(t *testing.T, bin, runtime, config string) {
	r := startNodeRig(t, runtime, config)
	start := time.Now()
	rep := r.waitSettled(t, bin)
	t.Logf("e2e: settled after %s: %d cgroups, %d files, %d match, %d explained",
		time.Since(start).Round(time.Second), rep.Summary.Cgroups, rep.Summary.Files, rep.Summary.Match, rep.Summary.Explained)
	if want := 9; countPods(rep) != want {
		t.Errorf("e2e: the report covers %d pods, want %d", countPods(rep), want)
	}
	if rep.Summary.Files < 150 {
		t.Errorf("e2e: only %d files compared", rep.Summary.Files)
	}
	for _, res := range rep.Results {
		if res.Status == qos.StatusExplained && res.Reason != qos.ReasonContainerExited {
			t.Errorf("e2e: unexpected explanation on a settled node: %+v", res)
		}
	}

	if golden.Updating() && runtime == "containerd1" {
		captureNode(t, r, bin, "rig-"+config)
	}

	// Inject a drift: a wrong cpu.shares in one container's cgroup.
	var containerID string
	for _, p := range r.kubeletPods(t) {
		if !strings.HasPrefix(p.Name, "multi-container") {
			continue
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name == "small" {
				_, containerID, _ = strings.Cut(cs.ContainerID, "://")
			}
		}
	}
	if containerID == "" {
		t.Fatal("e2e: no container ID for multi-container/small in /pods")
	}
	var path string
	for _, res := range rep.Results {
		if res.ContainerID == containerID && res.File == "cpu.shares" {
			path = filepath.Join("/sys/fs/cgroup/cpu", res.Path, "cpu.shares")
		}
	}
	if path == "" {
		t.Fatalf("e2e: container %s has no cpu.shares result", containerID)
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("777"), 0); err != nil {
		t.Fatalf("e2e: injecting drift into %s: %v", path, err)
	}
	defer os.WriteFile(path, orig, 0)
	res := runCLI(t, bin, r.diffArgs("-o", "json")...)
	if res.code != 1 {
		t.Fatalf("e2e: diff after injecting drift exited %d, want 1: %s", res.code, res.stderr)
	}
	var drifted qos.DiffReport
	if err := json.Unmarshal([]byte(res.stdout), &drifted); err != nil {
		t.Fatal(err)
	}
	var unexplained []qos.DiffResult
	for _, x := range drifted.Results {
		if x.Status.Unexplained() {
			unexplained = append(unexplained, x)
		}
	}
	if len(unexplained) != 1 {
		t.Fatalf("e2e: want exactly the injected drift, got %d unexplained results: %+v", len(unexplained), unexplained)
	}
	got := unexplained[0]
	want := qos.DiffResult{ResultCgroup: &qos.ResultCgroup{Pod: "default/multi-container-kcg-node", Container: "small", ContainerID: containerID}, File: "cpu.shares", Actual: "777", Status: qos.StatusDrift}
	if got.ResultCgroup == nil || got.Pod != want.Pod || got.Container != want.Container || got.ContainerID != want.ContainerID || got.File != want.File || got.Actual != want.Actual || got.Status != want.Status || len(got.Expected) != 1 || got.Expected[0] != "15" {
		t.Errorf("e2e: drift reported as %+v %+v, want %+v %+v with expected [15]", got.ResultCgroup, got, want.ResultCgroup, want)
	}
	table := runCLI(t, bin, r.diffArgs("--only-drift")...)
	if table.code != 1 || !strings.Contains(table.stdout, "cpu.shares expected 15 = 15m request, found 777 = 759m request") {
		t.Errorf("e2e: the table does not show the drift:\n%s", table.stdout)
	}
}

func countPods(rep *qos.DiffReport) int {
	seen := map[string]bool{}
	for _, r := range rep.Results {
		if r.UID != "" && r.Level == cgroupfs.LevelPod {
			seen[r.UID] = true
		}
	}
	return len(seen)
}

// captureNode stores the live node in testdata/nodes/NAME: a snapshot of
// its cgroups, the kubelet's pod list and its /configz, which the demo and
// the golden tests use as a real node.
func captureNode(t *testing.T, r *nodeRig, bin, name string) {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "testdata", "nodes", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, bin, "snapshot", "-o", filepath.Join(dir, "node.tar.gz"),
		"--description", fmt.Sprintf("live-node rig, config %s: kubelet %s, containerd %s, runc %s, cgroup v1 hybrid, cgroupfs driver", r.env["CONFIG"], r.env["KUBELET_VERSION"], r.env["CONTAINERD_VERSION"], r.env["RUNC_VERSION"]))
	if res.code != 0 {
		t.Fatalf("e2e: snapshot: %s", res.stderr)
	}
	for file, url := range map[string]string{"pods.json": r.env["KUBELET_PODS_URL"], "configz.json": r.env["KUBELET_CONFIGZ_URL"]} {
		out, err := exec.Command("curl", "-sSfk", url).Output()
		if err != nil {
			t.Fatalf("e2e: fetching %s: %v", url, err)
		}
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("e2e: %s is not JSON: %v", url, err)
		}
		pretty, _ := json.MarshalIndent(v, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, file), append(pretty, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("e2e: captured the live node into %s", dir)
}
