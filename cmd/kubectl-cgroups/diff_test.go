package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/qos"
)

// relPath makes a golden path relative to the test's directory, so that
// reports naming it do not depend on where the repository is checked out.
func relPath(t *testing.T, path string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// The real nodes captured by the live-node test (testdata/nodes) must diff
// clean: this is the offline form of the live e2e test.
func TestDiffRealNodes(t *testing.T) {
	for node, path := range map[string]string{"rig-a": golden.RealNode(t), "rig-b": golden.Path(t, "nodes", "rig-b")} {
		t.Run(node, func(t *testing.T) {
			dir := relPath(t, path)
			args := []string{"diff", "--snapshot", filepath.Join(dir, "node.tar.gz"), "-f", filepath.Join(dir, "pods.json"),
				"--node-config", filepath.Join(dir, "configz.json"), "--oci-runtime", "runc-1.1.5", "--complete-pod-list"}
			out, errOut, code := runCLI(t, "", append(args, "-o", "json")...)
			if code != 0 {
				table, _, _ := runCLI(t, "", append(args, "--only-drift")...)
				t.Fatalf("exit %d: %s\n%s", code, errOut, table)
			}
			var r qos.DiffReport
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			if r.Summary.Files < 150 || r.Summary.Match < r.Summary.Files-2 || r.Summary.Cgroups != 34 {
				t.Errorf("summary %+v", r.Summary)
			}
			table, _, _ := runCLI(t, "", args...)
			golden.Check(t, golden.Path(t, "golden", "diff", node+".txt"), []byte(table))
		})
	}
}

func TestDemoGolden(t *testing.T) {
	for _, tc := range []struct{ name, file string }{
		{"", "demo.txt"},
		{"v2-systemd", "demo-v2-systemd.json"},
		{"v2-systemd", "demo-v2-systemd-only-drift.txt"},
	} {
		args := []string{"demo"}
		if tc.name != "" {
			args = append(args, tc.name)
		}
		switch {
		case strings.HasSuffix(tc.file, ".json"):
			args = append(args, "-o", "json")
		case strings.Contains(tc.file, "only-drift"):
			args = append(args, "--only-drift")
		}
		out, errOut, code := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		golden.Check(t, golden.Path(t, "golden", "diff", tc.file), []byte(out))
	}
	out, _, code := runCLI(t, "", "demo", "--list")
	if code != 0 || !strings.Contains(out, "real-node") || !strings.Contains(out, "v2-systemd") {
		t.Errorf("demo --list: %d %q", code, out)
	}
	if _, errOut, code := runCLI(t, "", "demo", "nope"); code != 2 || !strings.Contains(errOut, `no scenario "nope"`) {
		t.Errorf("demo nope: %d %q", code, errOut)
	}
}

// The demo's v2 scenario shows every kind of result the issue asks the
// demo to show: matches, explanations of several kinds, drift, a
// leftover; and its exit status is still 0.
func TestDemoShowsEveryKind(t *testing.T) {
	out, _, code := runCLI(t, "", "demo", "v2-systemd", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var r qos.DiffReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	reasons := map[qos.Reason]bool{}
	for _, x := range r.Results {
		if x.Status == qos.StatusExplained {
			reasons[x.Reason] = true
		}
	}
	for _, want := range []qos.Reason{qos.ReasonWeightFormula, qos.ReasonSystemdQuotaRounding, qos.ReasonResizeInProgress, qos.ReasonQOSTierLag} {
		if !reasons[want] {
			t.Errorf("the demo shows no %s", want)
		}
	}
	if r.Summary.Drift != 1 || r.Summary.Unexpected != 1 || r.Summary.Match == 0 {
		t.Errorf("summary %+v", r.Summary)
	}
}

func TestDiffExitCodes(t *testing.T) {
	dir := golden.RealNode(t)
	base := []string{"diff", "--snapshot", filepath.Join(dir, "node.tar.gz"), "--node-config", filepath.Join(dir, "configz.json")}
	// Only one pod given: the others are "unlisted" (not differences), the
	// burstable tier is explained by them.
	pods, err := os.ReadFile(filepath.Join(dir, "pods.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(pods, &list); err != nil {
		t.Fatal(err)
	}
	var pod map[string]any
	if err := json.Unmarshal(list.Items[1], &pod); err != nil {
		t.Fatal(err)
	}
	pod["kind"], pod["apiVersion"] = "Pod", "v1" // items of a list carry no kind
	b, _ := json.Marshal(pod)
	one := filepath.Join(t.TempDir(), "one.json")
	if err := os.WriteFile(one, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "", append(base, "-f", one)...)
	if code != 0 || !strings.Contains(out, "pods not in the input") {
		t.Errorf("one pod: exit %d %s\n%s", code, errOut, out)
	}
	// The same with --complete-pod-list: the others are leftovers.
	if _, _, code := runCLI(t, "", append(base, "-f", one, "--complete-pod-list")...); code != 1 {
		t.Errorf("complete list: exit %d, want 1", code)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{base, "no pods: give -f FILE, --kubelet-pods URL or --static-pods DIR"},
		{append(base, "-f", "/nonexistent.json"), "/nonexistent.json"},
		{[]string{"diff", "--snapshot", "/nonexistent.tar.gz", "-f", one}, "/nonexistent.tar.gz"},
		{append(base, "-f", one, "--kubelet-pods", "http://127.0.0.1:1/pods"), "if any flags in the group"},
		{append(base, "-o", "xml", "-f", one), `unsupported output format "xml"`},
	} {
		_, errOut, code := runCLI(t, "", tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestDiffKubeletEndpoints(t *testing.T) {
	dir := golden.RealNode(t)
	pods, err := os.ReadFile(filepath.Join(dir, "pods.json"))
	if err != nil {
		t.Fatal(err)
	}
	configz, err := os.ReadFile(filepath.Join(dir, "configz.json"))
	if err != nil {
		t.Fatal(err)
	}
	hang := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/pods" && r.Header.Get("Authorization") == "Bearer s3cret":
			w.Write(pods)
		case r.URL.Path == "/configz" && r.Header.Get("Authorization") == "Bearer s3cret":
			w.Write(configz)
		case r.URL.Path == "/hang":
			<-hang
		case r.URL.Path == "/notjson":
			w.Write([]byte("<html>not json</html>"))
		default:
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	defer close(hang) // runs first: releases the hanging handler so Close returns
	token := filepath.Join(t.TempDir(), "token")
	os.WriteFile(token, []byte("s3cret\n"), 0o600)
	snap := []string{"diff", "--snapshot", filepath.Join(dir, "node.tar.gz"), "--oci-runtime", "runc-1.1.5"}

	_, errOut, code := runCLI(t, "", append(snap, "--kubelet-pods", srv.URL+"/pods", "--node-config", srv.URL+"/configz", "--kubelet-token-file", token, "--kubelet-insecure-skip-tls-verify")...)
	if code != 0 {
		t.Errorf("authenticated kubelet: exit %d: %s", code, errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--kubelet-pods", srv.URL + "/pods", "--kubelet-insecure-skip-tls-verify"}, "401 Unauthorized (give --kubelet-token"},
		{[]string{"--kubelet-pods", srv.URL + "/pods", "--kubelet-token", "s3cret"}, "certificate"},
		{[]string{"--kubelet-pods", srv.URL + "/hang", "--kubelet-insecure-skip-tls-verify", "--kubelet-request-timeout", "300ms"}, "/hang"},
		{[]string{"--kubelet-pods", srv.URL + "/notjson", "--kubelet-insecure-skip-tls-verify"}, "/notjson"},
		{[]string{"--kubelet-pods", srv.URL + "/pods", "--kubelet-token", "a", "--kubelet-token-file", token, "--kubelet-insecure-skip-tls-verify"}, "not both"},
		{[]string{"-f", filepath.Join(dir, "pods.json"), "--node-config", srv.URL + "/notjson", "--kubelet-insecure-skip-tls-verify"}, "--node-config"},
	} {
		start := time.Now()
		_, errOut, code := runCLI(t, "", append(snap, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%v took %s", tc.args, time.Since(start))
		}
	}
}

// --static-pods: the manifests carry no UID and no status; the kubelet's
// pod log directories give the UIDs and its container log links the
// container IDs. Rebuilt here from the real node rig-a.
func TestDiffStaticPods(t *testing.T) {
	dir := golden.RealNode(t)
	data, err := os.ReadFile(filepath.Join(dir, "pods.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []struct {
			Metadata struct{ Name, Namespace, UID string }
			Spec     map[string]any
			Status   struct {
				ContainerStatuses, InitContainerStatuses []struct{ Name, ContainerID string }
			}
		}
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	manifests, podLogs, ctrLogs := filepath.Join(tmp, "manifests"), filepath.Join(tmp, "pods"), filepath.Join(tmp, "containers")
	for _, d := range []string{manifests, podLogs, ctrLogs} {
		os.MkdirAll(d, 0o755)
	}
	for _, p := range list.Items {
		base := strings.TrimSuffix(p.Metadata.Name, "-kcg-node")
		m, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]string{"name": base}, "spec": p.Spec})
		os.WriteFile(filepath.Join(manifests, base+".json"), m, 0o644)
		os.Mkdir(filepath.Join(podLogs, p.Metadata.Namespace+"_"+p.Metadata.Name+"_"+p.Metadata.UID), 0o755)
		for _, cs := range append(p.Status.ContainerStatuses, p.Status.InitContainerStatuses...) {
			_, id, _ := strings.Cut(cs.ContainerID, "://")
			link := filepath.Join(ctrLogs, p.Metadata.Name+"_"+p.Metadata.Namespace+"_"+cs.Name+"-"+id+".log")
			if err := os.Symlink("/nonexistent", link); err != nil {
				t.Fatal(err)
			}
		}
	}
	args := []string{"diff", "--snapshot", filepath.Join(dir, "node.tar.gz"), "--node-config", filepath.Join(dir, "configz.json"),
		"--static-pods", manifests, "--pod-logs-dir", podLogs, "--container-logs-dir", ctrLogs, "--complete-pod-list"}
	out, errOut, code := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	if !strings.Contains(out, "default/sidecar-kcg-node") || !strings.Contains(out, "Every file matches or is explained.") {
		t.Errorf("report:\n%s", out)
	}
	// A manifest the kubelet does not run.
	os.WriteFile(filepath.Join(manifests, "ghost.json"), []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ghost"},"spec":{"containers":[{"name":"c","image":"x"}]}}`), 0o644)
	_, errOut, code = runCLI(t, "", args...)
	if code != 2 || !strings.Contains(errOut, "static pod default/ghost: no directory default_ghost-kcg-node_*") {
		t.Errorf("ghost: exit %d %q", code, errOut)
	}
}

// TestREADMEDemoExcerpt keeps the walkthrough in README.md true: its
// report excerpt is what `demo v2-systemd --only-drift` prints.
func TestREADMEDemoExcerpt(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const opening = "```\nNODE  unified (cgroup v2), systemd driver"
	start := strings.Index(string(readme), opening)
	if start < 0 {
		t.Fatal("README.md: no demo excerpt starting with the v2-systemd NODE header")
	}
	excerpt := string(readme[start+len("```\n"):])
	excerpt = excerpt[:strings.Index(excerpt, "```")]
	out, errOut, code := runCLI(t, "", "demo", "v2-systemd", "--only-drift")
	if code != 0 {
		t.Fatalf("demo: exit %d: %s", code, errOut)
	}
	i := strings.Index(out, "NODE  ")
	if i < 0 {
		t.Fatalf("demo output has no NODE header:\n%s", out)
	}
	if got := out[i:]; got != excerpt {
		t.Errorf("README.md's demo excerpt is stale; replace it with:\n%s", got)
	}
}

// TestDiffFlagContradictsTree: a flag the tree contradicts exits 2 with
// the flag, its value and what the tree shows.
func TestDiffFlagContradictsTree(t *testing.T) {
	dir := golden.RealNode(t)
	base := []string{"diff", "--snapshot", filepath.Join(dir, "node.tar.gz"), "-f", filepath.Join(dir, "pods.json")}
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--cgroup-version", "v2"}, "--cgroup-version v2 contradicts the tree"},
		{[]string{"--cgroup-driver", "systemd"}, "--cgroup-driver systemd contradicts the tree"},
		{[]string{"--cgroup-root", "/custom"}, "--cgroup-root /custom contradicts the tree"},
	} {
		_, errOut, code := runCLI(t, "", append(base, tc.flags...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.flags, code, errOut, tc.want)
		}
	}
}

// TestDiffGuessedCapacity (issue 18, item 2): a snapshot without machine
// facts. Without a kubelet configuration the tree proves the capacity
// (CPUs from kubepods cpuset.cpus, allocatable memory and pids from the
// kubepods limits): every file matches, where the assumed 8 CPUs and
// 32 GiB gave drift and exit 1. With one (so its reservations are known)
// memory and pids stay assumed: kubepods memory.max and pids.max are
// unverified, naming the input and --node-capacity, and the exit is 0.
func TestDiffGuessedCapacity(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "diff", "clean-v2-cgroupfs")
	data, err := os.ReadFile(filepath.Join(dir, "pods.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list map[string]any
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	for _, it := range list["items"].([]any) {
		it.(map[string]any)["kind"], it.(map[string]any)["apiVersion"] = "Pod", "v1" // items of a list carry no kind
	}
	pods := filepath.Join(t.TempDir(), "pods.json")
	b, _ := json.Marshal(list)
	if err := os.WriteFile(pods, b, 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"diff", "--snapshot", filepath.Join(dir, "node.txtar"), "-f", pods, "-o", "json"}
	decode := func(out string) qos.DiffReport {
		var r qos.DiffReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return r
	}
	out, errOut, code := runCLI(t, "", base...)
	r := decode(out)
	if code != 0 || r.Summary.Match != r.Summary.Files || !strings.HasPrefix(r.ProfileSources["capacity"], qos.SourceInferred) {
		t.Errorf("inferred: exit %d %s, summary %+v, capacity from %q", code, errOut, r.Summary, r.ProfileSources["capacity"])
	}
	config := filepath.Join(t.TempDir(), "kubelet.yaml")
	if err := os.WriteFile(config, []byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, "", append(base, "--node-config", config)...)
	r = decode(out)
	got := map[string]qos.DiffResult{}
	for _, res := range r.Results {
		if res.Status == qos.StatusUnverified {
			got[res.File] = res
		}
	}
	if mem := got["memory.max"]; code != 0 || r.Summary.Unexplained() != 0 || len(got) != 2 || mem.Input != qos.InputMemoryCapacity || !strings.Contains(mem.Message, "--node-capacity memory=N") || got["pids.max"].Input != qos.InputPIDCapacity {
		t.Errorf("assumed: exit %d %s, summary %+v, unverified %+v", code, errOut, r.Summary, got)
	}
}
