//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The cluster-mode test: a real one-node cluster (etcd, kube-apiserver and
// kubelet v1.37.2, containerd, all inside a network namespace the rig
// creates; internal/e2e/cluster), pods of several QoS shapes, and the
// plugin run the way an operator runs it from a workstation: through the
// API server, as a user holding only the shipped RBAC.

// clusterRig is a running one-node cluster started by internal/e2e/cluster.
type clusterRig struct {
	env map[string]string
	dir string // internal/e2e/cluster
}

// startClusterRig installs (if needed) and starts the cluster rig, and
// registers its teardown (also run by TestMain on SIGINT), followed by the
// rig's leftover check.
func startClusterRig(t *testing.T, runtime, config string) *clusterRig {
	t.Helper()
	dir, down := prepareRig(t, "cluster")
	var inode string
	t.Cleanup(func() {
		start := time.Now()
		if err := runScript(t, context.Background(), nil, down); err != nil {
			t.Errorf("e2e: cluster teardown: %v", err)
		}
		t.Logf("e2e: cluster down in %s", time.Since(start).Round(100*time.Millisecond))
		downMu.Lock()
		delete(downScripts, down)
		downMu.Unlock()
		if err := runScript(t, context.Background(), nil, filepath.Join(dir, "leftovers.sh"), inode); err != nil {
			t.Errorf("e2e: the cluster rig left something behind: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	if err := runScript(t, ctx, nil, filepath.Join(dir, "up.sh"), runtime, config); err != nil {
		t.Fatalf("e2e: cluster up %s %s: %v", runtime, config, err)
	}
	t.Logf("e2e: cluster %s/%s up in %s", runtime, config, time.Since(start).Round(100*time.Millisecond))
	env, err := readEnvFile(filepath.Join(workDir(), "cluster.env"))
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	inode = env["NETNS_INODE"]
	return &clusterRig{env: env, dir: dir}
}

// inNamespace runs a command inside the rig's network namespace.
func (r *clusterRig) inNamespace(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.env["NETNS_EXEC"], append([]string{name}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECACHEDIR="+r.env["KUBECACHEDIR"])
	return cmd
}

// kubectl runs the rig's kubectl as the admin and returns its output.
func (r *clusterRig) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := r.inNamespace(ctx, r.env["KUBECTL"], append([]string{"--kubeconfig", r.env["KUBECONFIG_ADMIN"]}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e: kubectl %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// plugin runs kubectl-cgroups inside the namespace with a kubeconfig
// (KUBECONFIG_KCG_USER: the shipped RBAC, "--node-proxy" included) and
// the rig's busybox image pinned by digest (present on the node: nothing
// is ever pulled; the admission policy's ConfigMap lists it).
func (r *clusterRig) plugin(t *testing.T, bin, kubeconfig string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args = append(args, "--kubeconfig", r.env[kubeconfig], "--image", r.env["BUSYBOX_IMAGE_PINNED"])
	return runCmd(t, r.inNamespace(ctx, bin, args...))
}

// kubectlAs runs the rig's kubectl with the kubeconfig named by the env
// key, stdin as given; a kubectl that cannot run fails the test.
func (r *clusterRig) kubectlAs(t *testing.T, kubeconfig, stdin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := r.inNamespace(ctx, r.env["KUBECTL"], append([]string{"--kubeconfig", r.env[kubeconfig]}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	return runCmd(t, cmd)
}

// report runs a cluster-mode diff with -o json and decodes it; exit
// status 0 or 1 is a report, anything else fails the test.
func (r *clusterRig) report(t *testing.T, bin string, args ...string) (*clusterReportList, cliResult) {
	t.Helper()
	res := r.plugin(t, bin, "KUBECONFIG_KCG_USER", append(args, "-o", "json")...)
	if res.code != 0 && res.code != 1 {
		t.Fatalf("e2e: diff %s: exit %d: %s", strings.Join(args, " "), res.code, res.stderr)
	}
	var l clusterReportList
	if err := json.Unmarshal([]byte(res.stdout), &l); err != nil {
		t.Fatalf("e2e: diff %s -o json: %v\n%s", strings.Join(args, " "), err, res.stdout)
	}
	return &l, res
}

// clusterReportList is the DiffReportList contract (README, "Output
// contract: diff in cluster mode").
type clusterReportList struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Summary    struct {
		Nodes, Checked, Failed, Skipped int
		qos.DiffSummary
	} `json:"summary"`
	Items []struct {
		NodeName    string   `json:"nodeName"`
		Scope       string   `json:"scope"`
		Pods        []string `json:"pods"`
		SnapshotPod string   `json:"snapshotPod"`
		qos.DiffReport
	} `json:"items"`
	Failed []struct{ NodeName, Error string } `json:"failed"`
}

// snapshotPods lists the snapshot pods anywhere in the cluster.
func (r *clusterRig) snapshotPods(t *testing.T) string {
	t.Helper()
	return strings.TrimSpace(r.kubectl(t, "get", "pods", "-A", "-l", "app.kubernetes.io/name=kubecgroups-snapshot", "-o", "name"))
}

// requireNoSnapshotPods fails when a snapshot pod is left.
func (r *clusterRig) requireNoSnapshotPods(t *testing.T, after string) {
	t.Helper()
	if left := r.snapshotPods(t); left != "" {
		t.Errorf("e2e: snapshot pods left after %s: %s", after, left)
	}
}

// pod reads a pod as the admin.
func (r *clusterRig) pod(t *testing.T, name string) *corev1.Pod {
	t.Helper()
	var p corev1.Pod
	if err := json.Unmarshal([]byte(r.kubectl(t, "get", "pod", name, "-o", "json")), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// TestLiveCluster runs cluster mode against the one-node cluster with both
// kubelet configurations, on containerd 1.6 and 2.4.
func TestLiveCluster(t *testing.T) {
	bin := buildCLI(t)
	for _, tc := range []struct{ runtime, config string }{{"containerd1", "a"}, {"containerd2", "b"}} {
		t.Run(tc.runtime+"-"+tc.config, func(t *testing.T) { testLiveCluster(t, bin, tc.runtime, tc.config) })
	}
}

func testLiveCluster(t *testing.T, bin, runtime, config string) {
	r := startClusterRig(t, runtime, config)
	start := time.Now()
	r.kubectl(t, "apply", "-f", filepath.Join(r.dir, "testpods"))
	r.kubectl(t, "wait", "--for=condition=Ready", "pod", "-l", "app.kubernetes.io/part-of=kubecgroups-e2e", "--timeout=120s")
	t.Logf("e2e: test pods Ready in %s", time.Since(start).Round(100*time.Millisecond))
	node := r.env["NODE_NAME"]

	// diff --node: every pod of the node, as a user with the shipped RBAC.
	// The burstable tier follows admissions and a once-a-minute refresh:
	// wait until nothing is explained by a lag either.
	start = time.Now()
	var l *clusterReportList
	for {
		t0 := time.Now()
		var res cliResult
		l, res = r.report(t, bin, "diff", "--node", node)
		t.Logf("e2e: diff --node %s: exit %d in %s", node, res.code, time.Since(t0).Round(10*time.Millisecond))
		settled := res.code == 0
		for _, x := range l.Items[0].Results {
			if x.Status == qos.StatusExplained && x.Reason != qos.ReasonContainerExited {
				settled = false
			}
		}
		if settled {
			break
		}
		if time.Since(start) > 150*time.Second {
			table := r.plugin(t, bin, "KUBECONFIG_KCG_USER", "diff", "--node", node)
			t.Fatalf("e2e: the node does not settle (exit %d):\n%s\n%s", res.code, table.stdout, table.stderr)
		}
		time.Sleep(5 * time.Second)
	}
	t.Logf("e2e: settled after %s", time.Since(start).Round(time.Second))
	r.requireNoSnapshotPods(t, "diff --node")
	it := l.Items[0]
	if l.Kind != "DiffReportList" || l.Summary.Checked != 1 || it.NodeName != node || it.Scope != "node" || it.Summary.Unexplained() != 0 || it.Summary.Files < 100 {
		t.Errorf("e2e: diff --node: %+v, item %s %s %+v", l.Summary, it.NodeName, it.Scope, it.Summary)
	}
	pods := map[string]bool{}
	for _, x := range it.Results {
		if x.Pod != "" {
			pods[x.Pod] = true
		}
		if strings.Contains(x.Pod, "kcg-snapshot") {
			t.Errorf("e2e: the snapshot pod is in the report: %+v", x)
		}
	}
	for _, p := range []string{"default/guaranteed", "default/burstable", "default/besteffort", "default/sidecar", "default/resize"} {
		if !pods[p] {
			t.Errorf("e2e: %s is not in the report of the node", p)
		}
	}
	for k, want := range map[string]string{"kubelet": "configz", "kubernetesVersion": "node-object", "runtime": "node-object", "capacity": "node-object, stats/summary (pid)", "cgroupDriver": "snapshot"} {
		if got := it.ProfileSources[k]; got != want {
			t.Errorf("e2e: profileSources[%s] = %q, want %q", k, got, want)
		}
	}
	if want := "1.37"; it.Profile.KubernetesVersion != want {
		t.Errorf("e2e: kubernetes version %q, want %q", it.Profile.KubernetesVersion, want)
	}
	if got, want := it.Profile.Kubelet.CPUCFSQuota, r.env["CPU_CFS_QUOTA"] == "true"; got != want {
		t.Errorf("e2e: cpuCFSQuota %v from configz, want %v", got, want)
	}
	table := r.plugin(t, bin, "KUBECONFIG_KCG_USER", "diff", "--node", node)
	t.Logf("e2e: kubectl cgroups diff --node %s:\n%s", node, table.stdout)

	// Drift: a wrong cpu.shares in the guaranteed pod's container is
	// exactly what diff pod/guaranteed reports.
	var cgroupPath string
	for _, x := range it.Results {
		if x.Pod == "default/guaranteed" && x.Container == "app" && x.File == "cpu.shares" {
			cgroupPath = filepath.Join("/sys/fs/cgroup/cpu", x.Path, "cpu.shares")
		}
	}
	orig, err := os.ReadFile(cgroupPath)
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	if err := os.WriteFile(cgroupPath, []byte("777"), 0); err != nil {
		t.Fatalf("e2e: injecting drift into %s: %v", cgroupPath, err)
	}
	l, res := r.report(t, bin, "diff", "pod/guaranteed")
	var unexplained []qos.DiffResult
	for _, x := range l.Items[0].Results {
		if x.Status.Unexplained() {
			unexplained = append(unexplained, x)
		}
	}
	if res.code != 1 || len(unexplained) != 1 || unexplained[0].Actual != "777" || unexplained[0].Status != qos.StatusDrift || strings.Join(unexplained[0].Expected, ",") != "204" {
		t.Errorf("e2e: the injected drift: exit %d, %+v", res.code, unexplained)
	}
	table = r.plugin(t, bin, "KUBECONFIG_KCG_USER", "diff", "pod/guaranteed", "--only-drift")
	t.Logf("e2e: kubectl cgroups diff pod/guaranteed --only-drift, after writing 777 into %s:\n%s", cgroupPath, table.stdout)
	if err := os.WriteFile(cgroupPath, orig, 0); err != nil {
		t.Fatalf("e2e: restoring %s: %v", cgroupPath, err)
	}

	// diff pod/NAME: the pod's node, that pod only.
	l, res = r.report(t, bin, "diff", "pod/guaranteed", "-n", "default")
	if res.code != 0 || len(l.Items) != 1 || l.Items[0].Scope != "pods" || len(l.Items[0].Pods) != 1 || l.Items[0].Summary.Files < 10 {
		t.Errorf("e2e: diff pod/guaranteed: exit %d %+v", res.code, l.Items)
	}
	for _, x := range l.Items[0].Results {
		if x.Pod != "default/guaranteed" {
			t.Errorf("e2e: diff pod/guaranteed reports %q", x.Pod)
		}
	}
	table = r.plugin(t, bin, "KUBECONFIG_KCG_USER", "diff", "pod/guaranteed")
	t.Logf("e2e: kubectl cgroups diff pod/guaranteed:\n%s", table.stdout)

	// diff -l: the burstable pods.
	l, res = r.report(t, bin, "diff", "-l", "kubecgroups.e2e/expected-qos=Burstable")
	if res.code != 0 || len(l.Items) != 1 || strings.Join(l.Items[0].Pods, " ") != "default/burstable default/resize default/sidecar" {
		t.Errorf("e2e: diff -l: exit %d %+v", res.code, l.Items)
	}

	// diff --all-nodes.
	l, res = r.report(t, bin, "diff", "--all-nodes")
	if res.code != 0 || l.Summary.Nodes != 1 || l.Summary.Checked != 1 || l.Summary.Unexplained() != 0 {
		t.Errorf("e2e: diff --all-nodes: exit %d %+v: %s", res.code, l.Summary, res.stderr)
	}
	r.requireNoSnapshotPods(t, "diff pod/, -l and --all-nodes")

	// inspect, and a snapshot diffed offline against the API's pod list.
	ins := r.plugin(t, bin, "KUBECONFIG_KCG_USER", "inspect", "node/"+node)
	if ins.code != 0 || !strings.Contains(ins.stdout, "Source:   cluster node/"+node) {
		t.Errorf("e2e: inspect: exit %d: %s\n%s", ins.code, ins.stderr, ins.stdout)
	}
	t.Logf("e2e: kubectl cgroups inspect node/%s:\n%s", node, ins.stdout)
	dir := t.TempDir()
	snapFile := filepath.Join(dir, "node.tar.gz")
	if res := r.plugin(t, bin, "KUBECONFIG_KCG_USER", "snapshot", "node/"+node, "-o", snapFile); res.code != 0 {
		t.Fatalf("e2e: snapshot: exit %d: %s", res.code, res.stderr)
	}
	os.WriteFile(filepath.Join(dir, "pods.json"), []byte(r.kubectl(t, "get", "pods", "-A", "--field-selector", "spec.nodeName="+node, "-o", "json")), 0o600)
	os.WriteFile(filepath.Join(dir, "configz.json"), []byte(r.kubectl(t, "get", "--raw", "/api/v1/nodes/"+node+"/proxy/configz")), 0o600)
	off := runCLI(t, bin, "diff", "--snapshot", snapFile, "-f", filepath.Join(dir, "pods.json"), "--node-config", filepath.Join(dir, "configz.json"), "--complete-pod-list", "--only-drift")
	if off.code != 0 {
		t.Errorf("e2e: the snapshot does not diff clean offline: exit %d: %s\n%s", off.code, off.stderr, off.stdout)
	}
	r.requireNoSnapshotPods(t, "inspect and snapshot")

	// A user without pods/exec: a clear error, exit 2, nothing left.
	res = r.plugin(t, bin, "KUBECONFIG_KCG_NOEXEC", "diff", "--node", node)
	if res.code != 2 || !strings.Contains(res.stderr, "cannot exec into the snapshot pod") || !strings.Contains(res.stderr, `cannot create resource "pods/exec"`) || !strings.Contains(res.stderr, "needs create on pods/exec in namespace kubecgroups") {
		t.Errorf("e2e: without pods/exec: exit %d: %s", res.code, res.stderr)
	}
	t.Logf("e2e: without pods/exec: %s", strings.TrimSpace(res.stderr))
	r.requireNoSnapshotPods(t, "the noexec user's run")

	testClusterShippedRBAC(t, r, bin, node)
	testClusterInterrupt(t, r, bin, node)
	testClusterResize(t, r, bin, node)

	// Nothing of ours is left in the cluster (the rig's leftover check of
	// the machine runs after its teardown).
	r.requireNoSnapshotPods(t, "the test")
	if out := strings.TrimSpace(r.kubectl(t, "get", "pods", "-n", r.env["SNAPSHOT_NAMESPACE"], "-o", "name")); out != "" {
		t.Errorf("e2e: pods left in the snapshot namespace: %s", out)
	}
}

// testClusterInterrupt: Ctrl-C while the snapshot pod runs deletes it and
// waits until it is gone; a run killed outright leaves it, and cleanup
// removes it.
func testClusterInterrupt(t *testing.T, r *clusterRig, bin, node string) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := r.inNamespace(ctx, bin, "diff", "--node", node, "--kubeconfig", r.env["KUBECONFIG_KCG_USER"], "--image", r.env["BUSYBOX_IMAGE_PINNED"])
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// netns-exec execs nsenter, which execs the plugin: the PID is
		// the plugin's. Signal it once its pod exists.
		deadline := time.Now().Add(30 * time.Second)
		for r.snapshotPods(t) == "" && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		sent := time.Now()
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		cancel()
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		left := r.snapshotPods(t)
		switch sig {
		case syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP:
			t.Logf("e2e: %s: exit %d %s after the signal; stderr: %s", sig, code, time.Since(sent).Round(10*time.Millisecond), strings.TrimSpace(errb.String()))
			if code != 2 || !strings.Contains(errb.String(), "interrupted: deleting the snapshot pod") || left != "" {
				t.Errorf("e2e: %s: exit %d, pods left %q: %s", sig, code, left, errb.String())
			}
		case syscall.SIGKILL:
			if left == "" {
				t.Errorf("e2e: SIGKILL left no snapshot pod to clean up")
			} else {
				checkLeftSnapshotPod(t, r, left)
			}
			res := r.plugin(t, bin, "KUBECONFIG_KCG_USER", "cleanup")
			t.Logf("e2e: cleanup after SIGKILL: exit %d: %s", res.code, strings.TrimSpace(res.stdout+res.stderr))
			if res.code != 0 || !strings.Contains(res.stdout, "deleted pod kubecgroups/kcg-snapshot-"+node+"-") {
				t.Errorf("e2e: cleanup: exit %d: %s %s", res.code, res.stdout, res.stderr)
			}
			r.requireNoSnapshotPods(t, "cleanup")
		}
	}
}

// testClusterResize patches the resize pod's CPU in place beyond what the
// node has free: the kubelet defers it, and the diff reports a pending
// resize, not drift. Freeing the CPU lets the kubelet apply it; the diff
// then matches the new values. The pod object of the pending state,
// diffed offline against the cgroups after the resize, explains the new
// values as the pending resize.
func testClusterResize(t *testing.T, r *clusterRig, bin, node string) {
	p := r.pod(t, "resize")
	oldReq := p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]
	// A request that fits the node's allocatable CPU but not what the
	// other pods leave free.
	var n corev1.Node
	if err := json.Unmarshal([]byte(r.kubectl(t, "get", "node", node, "-o", "json")), &n); err != nil {
		t.Fatal(err)
	}
	alloc := n.Status.Allocatable[corev1.ResourceCPU]
	var list corev1.PodList
	if err := json.Unmarshal([]byte(r.kubectl(t, "get", "pods", "-A", "--field-selector", "spec.nodeName="+node, "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	var others int64
	for _, q := range list.Items {
		if q.Name == "resize" {
			continue
		}
		for _, c := range append(q.Spec.InitContainers, q.Spec.Containers...) {
			if c.RestartPolicy == nil && containsInit(q.Spec.InitContainers, c.Name) {
				continue // a plain init container: done
			}
			others += c.Resources.Requests.Cpu().MilliValue()
		}
	}
	want := alloc.MilliValue() - others + 50
	if want > alloc.MilliValue() || want <= oldReq.MilliValue() {
		t.Fatalf("e2e: cannot build a deferred resize: allocatable %dm, others %dm", alloc.MilliValue(), others)
	}
	cpu := resource.NewMilliQuantity(want, resource.DecimalSI).String()
	patch := fmt.Sprintf(`{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":%q},"limits":{"cpu":%q}}}]}}`, cpu, cpu)
	start := time.Now()
	r.kubectl(t, "patch", "pod", "resize", "--subresource", "resize", "-p", patch)
	var pending *corev1.Pod
	for pending == nil && time.Since(start) < time.Minute {
		q := r.pod(t, "resize")
		for _, c := range q.Status.Conditions {
			if c.Type == corev1.PodResizePending && c.Reason == "Deferred" {
				pending = q
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if pending == nil {
		t.Fatalf("e2e: the resize to %s was not deferred", cpu)
	}
	t.Logf("e2e: resize to %s deferred after %s", cpu, time.Since(start).Round(10*time.Millisecond))
	shares := func(l *clusterReportList, level cgroupfs.Level) string {
		for _, x := range l.Items[0].Results {
			if x.Pod == "default/resize" && x.Level == level && x.File == "cpu.shares" {
				return x.Actual
			}
		}
		return ""
	}
	l, res := r.report(t, bin, "diff", "pod/resize")
	note := ""
	for _, n := range l.Items[0].Notes {
		if n.Reason == qos.ReasonResizePending {
			note = n.Message
		}
	}
	oldShares := fmt.Sprint(oldReq.MilliValue() * 1024 / 1000)
	if res.code != 0 || l.Summary.Unexplained() != 0 || !strings.Contains(note, "pod default/resize: a resize is pending (Deferred") || shares(l, cgroupfs.LevelPod) != oldShares {
		t.Errorf("e2e: diff of the deferred resize: exit %d, %+v, note %q, pod cpu.shares %s (want %s)", res.code, l.Summary.DiffSummary, note, shares(l, cgroupfs.LevelPod), oldShares)
	}
	t.Logf("e2e: the deferred resize: %s", note)

	// Free the CPU: the kubelet retries the deferred resize.
	start = time.Now()
	r.kubectl(t, "delete", "pod", "guaranteed", "burstable", "--wait=false")
	for {
		q := r.pod(t, "resize")
		st := q.Status.ContainerStatuses[0]
		if st.Resources != nil && st.Resources.Requests.Cpu().MilliValue() == want {
			break
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("e2e: the deferred resize was not applied: %+v", q.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("e2e: resize applied %s after freeing the CPU", time.Since(start).Round(10*time.Millisecond))
	newShares := fmt.Sprint(want * 1024 / 1000)
	deadline := time.Now().Add(90 * time.Second)
	for {
		l, res = r.report(t, bin, "diff", "pod/resize")
		resizing := false
		for _, n := range l.Items[0].Notes {
			resizing = resizing || strings.HasPrefix(string(n.Reason), "resize-")
		}
		if res.code == 0 && !resizing && l.Summary.Explained == 0 && shares(l, cgroupfs.LevelPod) == newShares && shares(l, cgroupfs.LevelContainer) == newShares {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("e2e: no match after the resize: exit %d %+v, pod cpu.shares %s (want %s)", res.code, l.Summary.DiffSummary, shares(l, cgroupfs.LevelPod), newShares)
		}
		time.Sleep(2 * time.Second)
	}

	// Offline: the pod object of the pending state, with the cgroups as
	// they are now: the new values are the pending resize, not drift.
	dir := t.TempDir()
	snapFile := filepath.Join(dir, "node.tar.gz")
	if res := r.plugin(t, bin, "KUBECONFIG_KCG_USER", "snapshot", "pod/resize", "-o", snapFile); res.code != 0 {
		t.Fatalf("e2e: snapshot: %s", res.stderr)
	}
	b, _ := json.Marshal(pending)
	os.WriteFile(filepath.Join(dir, "pending.json"), b, 0o600)
	os.WriteFile(filepath.Join(dir, "configz.json"), []byte(r.kubectl(t, "get", "--raw", "/api/v1/nodes/"+node+"/proxy/configz")), 0o600)
	off := runCLI(t, bin, "diff", "--snapshot", snapFile, "-f", filepath.Join(dir, "pending.json"), "--node-config", filepath.Join(dir, "configz.json"), "-o", "json")
	var rep qos.DiffReport
	if err := json.Unmarshal([]byte(off.stdout), &rep); err != nil {
		t.Fatalf("e2e: offline diff: %v: %s", err, off.stderr)
	}
	explained := 0
	for _, x := range rep.Results {
		if x.Pod != "default/resize" {
			continue // the tiers count the applied resize; see the README
		}
		switch {
		case x.Status == qos.StatusExplained && x.Reason == qos.ReasonResizePending:
			explained++
		case x.Status.Unexplained():
			t.Errorf("e2e: the pending pod object against the resized cgroups: %+v", x)
		}
	}
	if explained == 0 {
		t.Errorf("e2e: nothing explained as resize-pending:\n%s", off.stdout)
	}
	r.requireNoSnapshotPods(t, "the resize test")
}

func containsInit(cs []corev1.Container, name string) bool {
	for _, c := range cs {
		if c.Name == name {
			return true
		}
	}
	return false
}

// checkLeftSnapshotPod: the snapshot pod a killed run left is in the pod
// network (no host network), carries its run's ID and a deadline, and
// the kubelet reports whether its cgroup mount is recursively read-only.
func checkLeftSnapshotPod(t *testing.T, r *clusterRig, name string) {
	t.Helper()
	// The run was killed as soon as its pod existed: wait until it runs.
	var p corev1.Pod
	for deadline := time.Now().Add(time.Minute); ; {
		if err := json.Unmarshal([]byte(r.kubectl(t, "get", "-n", r.env["SNAPSHOT_NAMESPACE"], name, "-o", "json")), &p); err != nil {
			t.Fatal(err)
		}
		if p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	rro := "not reported"
	for _, cs := range p.Status.ContainerStatuses {
		for _, m := range cs.VolumeMounts {
			if m.MountPath == cluster.SnapshotMountPath && m.RecursiveReadOnly != nil {
				rro = string(*m.RecursiveReadOnly)
			}
		}
	}
	t.Logf("e2e: the snapshot pod %s: podIP %s, hostNetwork %v, run-id %s, activeDeadlineSeconds %v, %s recursiveReadOnly %s",
		p.Name, p.Status.PodIP, p.Spec.HostNetwork, p.Labels[cluster.SnapshotRunIDLabel], *p.Spec.ActiveDeadlineSeconds, cluster.SnapshotMountPath, rro)
	if p.Spec.HostNetwork || !strings.HasPrefix(p.Status.PodIP, strings.TrimSuffix(r.env["POD_CIDR"], "0/24")) || p.Labels[cluster.SnapshotRunIDLabel] == "" || *p.Spec.ActiveDeadlineSeconds != 180 {
		t.Errorf("e2e: the snapshot pod: %+v", p)
	}
}

// testClusterShippedRBAC: a user holding exactly what "kubectl cgroups
// rbac --snapshot-pods" prints (kcg-snapshot) runs every cluster-mode
// command; the kubelet's configuration and pid capacity come from what
// the admin read (--node-config, --node-capacity), since that user may
// not read /configz or /stats/summary. The same user is refused the kubelet API
// (nodes/proxy: configz, exec) and every pod in the snapshot namespace
// that is not the snapshot pod's exact shape; the exact shape is
// admitted (server-side dry run: admission runs, nothing is created).
func testClusterShippedRBAC(t *testing.T, r *clusterRig, bin, node string) {
	const user = "KUBECONFIG_KCG_SNAPSHOT"
	dir := t.TempDir()
	configz := filepath.Join(dir, "configz.json")
	os.WriteFile(configz, []byte(r.kubectl(t, "get", "--raw", "/api/v1/nodes/"+node+"/proxy/configz")), 0o600)
	var summary struct {
		Node struct {
			Rlimit struct{ MaxPID int64 }
		}
	}
	if err := json.Unmarshal([]byte(r.kubectl(t, "get", "--raw", "/api/v1/nodes/"+node+"/proxy/stats/summary")), &summary); err != nil || summary.Node.Rlimit.MaxPID == 0 {
		t.Fatalf("e2e: stats/summary: %v %+v", err, summary)
	}
	pids := fmt.Sprintf("pids=%d", summary.Node.Rlimit.MaxPID)
	for _, args := range [][]string{
		{"diff", "--node", node, "--node-config", configz, "--node-capacity", pids, "--only-drift"},
		{"diff", "pod/sidecar", "--node-config", configz, "--node-capacity", pids},
		{"inspect", "node/" + node},
		{"inspect", "pod/guaranteed"},
		{"snapshot", "node/" + node, "-o", filepath.Join(dir, "node.tar.gz")},
		{"cleanup"},
	} {
		start := time.Now()
		res := r.plugin(t, bin, user, args...)
		t.Logf("e2e: as kcg-snapshot: %s: exit %d in %s", strings.Join(args, " "), res.code, time.Since(start).Round(10*time.Millisecond))
		if res.code != 0 {
			t.Errorf("e2e: as kcg-snapshot: %s: exit %d: %s\n%s", strings.Join(args, " "), res.code, res.stderr, res.stdout)
		}
	}
	r.requireNoSnapshotPods(t, "the kcg-snapshot user's runs")

	// The kubelet API through the node proxy: not without --node-proxy.
	for _, path := range []string{"/api/v1/nodes/" + node + "/proxy/configz", "/api/v1/nodes/" + node + "/proxy/exec/default/guaranteed/app?command=id&output=1", "/api/v1/nodes/" + node + "/proxy/run/default/guaranteed/app?cmd=id"} {
		res := r.kubectlAs(t, user, "", "get", "--raw", path)
		if res.code == 0 || !strings.Contains(res.stderr, "Forbidden") && !strings.Contains(res.stderr, "forbidden") {
			t.Errorf("e2e: GET %s as kcg-snapshot: exit %d: %s %s", path, res.code, res.stderr, res.stdout)
		}
	}

	// Pods in the snapshot namespace: the exact shape only.
	ns := r.env["SNAPSHOT_NAMESPACE"]
	good := func() *corev1.Pod {
		p := cluster.SnapshotPod(cluster.SnapshotPodSpec{Node: node, Name: "kcg-snapshot-e2e-shape", Namespace: ns, Image: r.env["BUSYBOX_IMAGE_PINNED"], RunID: "e2e", Lifetime: 3 * time.Minute})
		p.APIVersion, p.Kind = "v1", "Pod"
		return p
	}
	create := func(p *corev1.Pod) cliResult {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return r.kubectlAs(t, user, string(b), "create", "--dry-run=server", "-f", "-", "-o", "name")
	}
	if res := create(good()); res.code != 0 {
		t.Errorf("e2e: the snapshot pod's shape is refused: %s", res.stderr)
	}
	yes := true
	for _, tc := range []struct {
		name, want string
		mutate     func(p *corev1.Pod)
	}{
		{"privileged", "the snapshot container is unprivileged", func(p *corev1.Pod) {
			p.Spec.Containers[0].SecurityContext.Privileged = &yes
			p.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = &yes // the API requires it with privileged
		}},
		{"hostPath /", "two volumes: the hostPath /sys/fs/cgroup", func(p *corev1.Pod) { p.Spec.Volumes[0].HostPath.Path = "/" }},
		{"hostPath / added", "two volumes", func(p *corev1.Pod) {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		}},
		{"another image", "image docker.io/library/busybox:other is not allowed", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "docker.io/library/busybox:other" }},
		{"another command", "runs its fixed command", func(p *corev1.Pod) {
			p.Spec.Containers[0].Command = []string{"sh", "-c", "cat /host/sys/fs/cgroup/../../../etc/shadow"}
		}},
		{"host network", "no host network", func(p *corev1.Pod) { p.Spec.HostNetwork = true }},
		{"host PID", "no host network, PID", func(p *corev1.Pod) { p.Spec.HostPID = true }},
		{"root", "non-root", func(p *corev1.Pod) {
			p.Spec.SecurityContext.RunAsUser = new(int64)
			p.Spec.SecurityContext.RunAsNonRoot = nil
		}},
		{"writable cgroup mount", "read-only", func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeMounts[0].ReadOnly = false
			p.Spec.Containers[0].VolumeMounts[0].RecursiveReadOnly = nil
		}},
		{"capability added", "unprivileged", func(p *corev1.Pod) {
			p.Spec.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"SYS_ADMIN"}
		}},
		{"service-account token", "no service-account token", func(p *corev1.Pod) { p.Spec.AutomountServiceAccountToken = &yes }},
		{"no deadline", "activeDeadlineSeconds", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = nil }},
		{"no run ID", "labels cleanup finds it by", func(p *corev1.Pod) { delete(p.Labels, cluster.SnapshotRunIDLabel) }},
	} {
		p := good()
		tc.mutate(p)
		res := create(p)
		t.Logf("e2e: refused as kcg-snapshot, %s: %s", tc.name, strings.TrimSpace(res.stderr))
		if res.code == 0 || !strings.Contains(res.stderr, "ValidatingAdmissionPolicy 'kubecgroups-snapshot-pod'") || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("e2e: %s: exit %d: %s", tc.name, res.code, res.stderr)
		}
	}
	// Elsewhere, no pod at all.
	p := good()
	p.Namespace = "default"
	if res := create(p); res.code == 0 || !strings.Contains(res.stderr, `cannot create resource "pods" in API group "" in the namespace "default"`) {
		t.Errorf("e2e: a pod in default as kcg-snapshot: exit %d: %s", res.code, res.stderr)
	}
	r.requireNoSnapshotPods(t, "the admission checks")
}
