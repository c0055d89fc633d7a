//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The node agent on the one-node cluster: the printed manifests applied
// as they are, with the image built locally (internal/e2e/agent/
// build-image.sh, no registry, no engine). With no controller-manager the
// DaemonSet makes no pod: the test creates it from the DaemonSet's
// template, bound to the node.
//
// What the rig lacks for a pod that talks to the API server, and the test
// supplies: the kube-root-ca.crt ConfigMap (a controller-manager's work)
// in the agent's namespace, and, with no kube-proxy, the API server's
// address instead of the kubernetes Service's (KUBERNETES_SERVICE_HOST and
// _PORT on the agent pod; the rig's API server binds every address of the
// rig's namespace, so the pod network reaches it at the node address).

const (
	agentNS       = "kubecgroups-system"
	agentImage    = "kubecgroups.test/kubecgroups-agent:e2e"
	agentInterval = 5 * time.Second
	agentPodName  = "kubecgroups-agent-e2e"
)

// TestLiveClusterAgent: the agent becomes ready, reports zero drift for
// the test pods, a user holding only the agent-mode role reads the node
// and a pod through it (and may not create pods or exec), the agent
// reports and announces a written cpu.shares (cpu.weight) within two
// intervals, repeats no Event after a restart, clears the drift after
// the restore, drops a deleted pod's series, and its memory is recorded.
func TestLiveClusterAgent(t *testing.T) {
	bin := buildCLI(t)
	r := startClusterRig(t, "containerd1", "a")
	node := r.env["NODE_NAME"]

	// The image, into the node's containerd.
	sock := strings.TrimPrefix(r.env["CONTAINER_RUNTIME_ENDPOINT"], "unix://")
	tar := filepath.Join(t.TempDir(), "agent.tar")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := runScript(t, ctx, []string{"CTR=/usr/bin/ctr"}, filepath.Join(repoRoot(t), "internal", "e2e", "agent", "build-image.sh"), agentImage, tar, sock); err != nil {
		t.Fatalf("e2e: build-image.sh: %v", err)
	}

	// The manifests, applied as printed.
	// The kubelet's configuration file, mounted (config a's 50 ms CFS
	// period and pod pids limit are not the defaults).
	res := runCLI(t, bin, "agent", "manifests", "--image", agentImage, "--interval", agentInterval.String(), "--node-config", r.env["KUBELET_CONFIG_FILE"])
	if res.code != 0 {
		t.Fatalf("e2e: agent manifests: exit %d: %s", res.code, res.stderr)
	}
	if out := r.kubectlAs(t, "KUBECONFIG_ADMIN", res.stdout, "apply", "-f", "-"); out.code != 0 {
		t.Fatalf("e2e: applying the manifests: %s", out.stderr)
	}
	var ds appsv1.DaemonSet
	if err := json.Unmarshal([]byte(r.kubectl(t, "get", "daemonset", "-n", agentNS, "kubecgroups-agent", "-o", "json")), &ds); err != nil {
		t.Fatal(err)
	}
	r.kubectl(t, "create", "configmap", "-n", agentNS, "kube-root-ca.crt", "--from-file=ca.crt="+r.env["CA_FILE"])
	r.kubectl(t, "apply", "-f", filepath.Join(r.dir, "testpods"))
	r.kubectl(t, "wait", "--for=condition=Ready", "pod", "-l", "app.kubernetes.io/part-of=kubecgroups-e2e", "--timeout=120s")
	startAgent(t, r, &ds, node)

	// Zero drift for the test pods (the burstable tier follows a
	// once-a-minute refresh: wait for it).
	// The manifests grant no nodes/proxy: the kubelet's pid capacity
	// (stats/summary) is not read, so a kubepods pids.max that differs
	// from the agent container's pid_max is unverified, not drift.
	waitMetric(t, r, 3*time.Minute, "zero drift", func(m metricSet) bool {
		return m.has(`kubecgroups_pod_drift{namespace="default",pod="burstable"}`) &&
			m.sum("kubecgroups_file_drift") == 0 && m.value(`kubecgroups_files{status="match"}`) > 0
	})
	for _, p := range []string{"guaranteed", "burstable", "besteffort", "sidecar", "resize"} {
		if v := scrape(t, r).value(fmt.Sprintf(`kubecgroups_pod_drift{namespace="default",pod=%q}`, p)); v != 0 {
			t.Errorf("e2e: pod_drift of %s = %v", p, v)
		}
	}

	testAgentModeUser(t, r, bin, node)

	// Drift: a value written into the burstable pod's first container.
	bp := r.pod(t, "burstable")
	dir := containerCgroup(t, bp.Status.ContainerStatuses[0].ContainerID, "cpu,cpuacct", "cpu", "")
	file := "cpu.weight"
	if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
		file = "cpu.shares"
	}
	path := filepath.Join(dir, file)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wrong := "3"
	if strings.TrimSpace(string(orig)) == wrong {
		wrong = "4"
	}
	if err := os.WriteFile(path, []byte(wrong), 0); err != nil {
		t.Fatalf("e2e: writing %s: %v", path, err)
	}
	restored := false
	restore := func() {
		if !restored {
			restored = true
			if err := os.WriteFile(path, orig, 0); err != nil {
				t.Errorf("e2e: restoring %s: %v", path, err)
			}
		}
	}
	defer restore()
	series := fmt.Sprintf(`kubecgroups_file_drift{container=%q,file=%q,level="container",namespace="default",pod="burstable"}`, bp.Status.ContainerStatuses[0].Name, file)
	start := time.Now()
	waitMetric(t, r, 2*agentInterval+5*time.Second, series, func(m metricSet) bool { return m.value(series) == 1 })
	waitFor(t, 2*agentInterval+5*time.Second, "a CgroupDrift Event", func() bool { return driftEvents(t, r, "burstable", "CgroupDrift") > 0 })
	t.Logf("e2e: drift of %s seen as metric and Event in %s", file, time.Since(start).Round(100*time.Millisecond))
	if msg := lastEventMessage(t, r, "burstable", "CgroupDrift"); !strings.Contains(msg, file) || !strings.Contains(msg, fmt.Sprintf("found %q", wrong)) {
		t.Errorf("e2e: the CgroupDrift Event says %q", msg)
	}

	// Restart: the same drift announces nothing again.
	before := driftEvents(t, r, "burstable", "CgroupDrift")
	r.kubectl(t, "delete", "pod", "-n", agentNS, agentPodName, "--wait=true", "--timeout=60s")
	startAgent(t, r, &ds, node)
	waitMetric(t, r, 2*agentInterval+5*time.Second, "the drift after the restart", func(m metricSet) bool { return m.value(series) == 1 })
	time.Sleep(2 * agentInterval)
	if after := driftEvents(t, r, "burstable", "CgroupDrift"); after != before {
		t.Errorf("e2e: the restarted agent repeated the Event (count %d, was %d)", after, before)
	}

	// Restore: the series goes, CgroupDriftResolved follows.
	restore()
	waitMetric(t, r, 2*agentInterval+5*time.Second, "the drift to clear", func(m metricSet) bool { return !m.has(series) })
	waitFor(t, 2*agentInterval+5*time.Second, "a CgroupDriftResolved Event", func() bool { return driftEvents(t, r, "burstable", "CgroupDriftResolved") > 0 })

	// A deleted pod's series go.
	r.kubectl(t, "delete", "pod", "besteffort", "--wait=true", "--timeout=60s")
	waitMetric(t, r, 2*agentInterval+5*time.Second, "the besteffort series to go", func(m metricSet) bool {
		return !m.has(`kubecgroups_pod_drift{namespace="default",pod="besteffort"}`)
	})

	// The agent's memory, from its own container cgroup.
	var agentPod corev1.Pod
	if err := json.Unmarshal([]byte(r.kubectl(t, "get", "pod", "-n", agentNS, agentPodName, "-o", "json")), &agentPod); err != nil {
		t.Fatal(err)
	}
	adir := containerCgroup(t, agentPod.Status.ContainerStatuses[0].ContainerID, "memory", "")
	for _, f := range []string{"memory.current", "memory.peak", "memory.usage_in_bytes", "memory.max_usage_in_bytes"} {
		if b, err := os.ReadFile(filepath.Join(adir, f)); err == nil {
			v, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			t.Logf("e2e: agent %s = %d (%.1f MiB)", f, v, float64(v)/(1<<20))
		}
	}
}

// startAgent creates the agent pod from the DaemonSet's template, bound
// to the node, and waits until it is ready.
func startAgent(t *testing.T, r *clusterRig, ds *appsv1.DaemonSet, node string) {
	t.Helper()
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: agentPodName, Namespace: agentNS, Labels: ds.Spec.Template.Labels},
		Spec:       *ds.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = node
	// No kube-proxy: the API server itself, not the kubernetes Service.
	apiHost, apiPort, _ := strings.Cut(strings.TrimPrefix(r.env["APISERVER_URL"], "https://"), ":")
	if apiHost == "127.0.0.1" || apiHost == "localhost" {
		apiHost = r.env["NODE_IP"]
	}
	c := &pod.Spec.Containers[0]
	c.Env = append(c.Env, corev1.EnvVar{Name: "KUBERNETES_SERVICE_HOST", Value: apiHost}, corev1.EnvVar{Name: "KUBERNETES_SERVICE_PORT", Value: apiPort})
	b, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	if res := r.kubectlAs(t, "KUBECONFIG_ADMIN", string(b), "create", "-f", "-"); res.code != 0 {
		t.Fatalf("e2e: creating the agent pod: %s", res.stderr)
	}
	start := time.Now()
	if res := r.kubectlAs(t, "KUBECONFIG_ADMIN", "", "wait", "--for=condition=Ready", "-n", agentNS, "pod/"+agentPodName, "--timeout=120s"); res.code != 0 {
		logs := r.kubectlAs(t, "KUBECONFIG_ADMIN", "", "logs", "-n", agentNS, agentPodName)
		t.Fatalf("e2e: the agent is not ready: %s\nlogs:\n%s%s", res.stderr, logs.stdout, logs.stderr)
	}
	t.Logf("e2e: agent ready in %s", time.Since(start).Round(100*time.Millisecond))
}

// metricSet is one scrape: series ("name{labels}") to values.
type metricSet map[string]float64

func (m metricSet) has(s string) bool      { _, ok := m[s]; return ok }
func (m metricSet) value(s string) float64 { return m[s] }

// sum adds every series of a metric name.
func (m metricSet) sum(name string) float64 {
	var s float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			s += v
		}
	}
	return s
}

// scrape reads the agent's /metrics through the API server's pod proxy.
func scrape(t *testing.T, r *clusterRig) metricSet {
	t.Helper()
	return scrapePod(t, r, agentPodName)
}

// scrapePod reads the /metrics of agent pod name (in agentNS).
func scrapePod(t *testing.T, r *clusterRig, name string) metricSet {
	t.Helper()
	res := r.kubectlAs(t, "KUBECONFIG_ADMIN", "", "get", "--raw", fmt.Sprintf("/api/v1/namespaces/%s/pods/%s:9617/proxy/metrics", agentNS, name))
	m := metricSet{}
	if res.code != 0 {
		return m
	}
	for line := range strings.SplitSeq(res.stdout, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			m[line[:i]] = v
		}
	}
	return m
}

func waitMetric(t *testing.T, r *clusterRig, d time.Duration, what string, cond func(metricSet) bool) {
	t.Helper()
	var last metricSet
	deadline := time.Now().Add(d)
	for last = scrape(t, r); !cond(last); last = scrape(t, r) {
		if time.Now().After(deadline) {
			var drift []string
			for k, v := range last {
				if strings.HasPrefix(k, "kubecgroups_file_drift{") || strings.HasPrefix(k, "kubecgroups_files{") {
					drift = append(drift, fmt.Sprintf("%s %v", k, v))
				}
			}
			t.Fatalf("e2e: no %s within %s; last scrape (%d series): %s", what, d, len(last), strings.Join(drift, "; "))
		}
		time.Sleep(time.Second)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("e2e: no %s within %s", what, d)
		}
		time.Sleep(time.Second)
	}
}

// driftEvents sums the count of the Events with this reason on a pod of
// default.
func driftEvents(t *testing.T, r *clusterRig, pod, reason string) int {
	t.Helper()
	var l corev1.EventList
	out := r.kubectl(t, "get", "events", "-n", "default", "--field-selector", "involvedObject.name="+pod+",reason="+reason, "-o", "json")
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range l.Items {
		n += int(max(e.Count, 1))
	}
	return n
}

func lastEventMessage(t *testing.T, r *clusterRig, pod, reason string) string {
	t.Helper()
	var l corev1.EventList
	out := r.kubectl(t, "get", "events", "-n", "default", "--field-selector", "involvedObject.name="+pod+",reason="+reason, "-o", "json")
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Items) == 0 {
		t.Fatalf("e2e: no %s Event on %s (%v)", reason, pod, err)
	}
	return l.Items[len(l.Items)-1].Message
}

// containerCgroup finds the cgroup directory of a container (its ID in
// the name) under the kubepods cgroup of the first of the hierarchies
// (v1 controller directories; "" for the unified tree) that holds it.
func containerCgroup(t *testing.T, id string, hierarchies ...string) string {
	t.Helper()
	_, id, _ = strings.Cut(id, "://")
	var found string
	var roots []string
	for _, h := range hierarchies {
		roots = append(roots, filepath.Join("/sys/fs/cgroup", h, "kubepods"), filepath.Join("/sys/fs/cgroup", h, "kubepods.slice"))
	}
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || found != "" {
				return filepath.SkipDir
			}
			if d.IsDir() && strings.Contains(d.Name(), id) {
				found = p
				return filepath.SkipAll
			}
			return nil
		})
		if found != "" {
			return found
		}
	}
	t.Fatalf("e2e: no cgroup for container %s", id)
	return ""
}

// testAgentModeUser: kcg-agent holds exactly "kubectl-cgroups rbac" (the
// agent-mode role): diff --node and diff pod/NAME read the agent's report
// (the JSON names the agent pod as the reader); creating a pod and exec
// are refused.
func testAgentModeUser(t *testing.T, r *clusterRig, bin, node string) {
	const user = "KUBECONFIG_KCG_AGENT"
	for _, args := range [][]string{{"diff", "--node", node}, {"diff", "pod/guaranteed"}, {"diff", "--node", node, "-o", "json"}} {
		start := time.Now()
		res := r.plugin(t, bin, user, args...)
		t.Logf("e2e: as kcg-agent: %s: exit %d in %s", strings.Join(args, " "), res.code, time.Since(start).Round(10*time.Millisecond))
		if res.code != 0 {
			t.Errorf("e2e: as kcg-agent: %s: exit %d: %s\n%s", strings.Join(args, " "), res.code, res.stderr, res.stdout)
			continue
		}
		if args[len(args)-1] != "json" {
			continue
		}
		var l clusterReportList
		if err := json.Unmarshal([]byte(res.stdout), &l); err != nil {
			t.Fatalf("e2e: diff -o json as kcg-agent: %v\n%s", err, res.stdout)
		}
		if len(l.Items) != 1 || l.Items[0].SnapshotPod != agentNS+"/"+agentPodName || l.Summary.Drift != 0 {
			t.Errorf("e2e: diff -o json as kcg-agent: %d items, read by %q, drift %d", len(l.Items), func() string {
				if len(l.Items) > 0 {
					return l.Items[0].SnapshotPod
				}
				return ""
			}(), l.Summary.Drift)
		}
	}
	if left := r.snapshotPods(t); left != "" {
		t.Errorf("e2e: snapshot pods made for kcg-agent: %s", left)
	}
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kcg-agent-probe"},"spec":{"nodeName":"` + node + `","containers":[{"name":"c","image":"` + r.env["BUSYBOX_IMAGE"] + `"}]}}`
	for _, ns := range []string{"default", agentNS, r.env["SNAPSHOT_NAMESPACE"]} {
		res := r.kubectlAs(t, user, pod, "create", "--dry-run=server", "-n", ns, "-f", "-")
		if res.code == 0 || !strings.Contains(res.stderr, `cannot create resource "pods"`) {
			t.Errorf("e2e: creating a pod in %s as kcg-agent: exit %d: %s", ns, res.code, res.stderr)
		}
	}
	for _, target := range [][2]string{{"default", "guaranteed"}, {agentNS, agentPodName}} {
		res := r.kubectlAs(t, user, "", "exec", "-n", target[0], target[1], "--", "id")
		if res.code == 0 || !strings.Contains(res.stderr, `cannot create resource "pods/exec"`) {
			t.Errorf("e2e: exec into %s/%s as kcg-agent: exit %d: %s", target[0], target[1], res.code, res.stderr)
		}
	}
}
