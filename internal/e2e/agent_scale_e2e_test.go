//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/internal/nodegen"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// The agent's memory on a 250-pod node, measured from the agent
// container's own cgroup. The rig has one real node and cannot run 250
// pods; the API server does not need them to run. The test creates a Node
// object with no kubelet behind it, 250 generated pods bound to it
// (spec.nodeName, statuses as a kubelet would report them), and the cgroup
// tree of exactly those pods (their API-server UIDs) in a host directory.
// A second agent pod, from the DaemonSet's template, runs on the real node
// with NODE_NAME set to the fake node and the tree's directory as its
// cgroup hostPath: it watches the 250 pods through the API server and
// reads their 28,000 files as on a real node.
const (
	scalePods     = 250
	scaleNode     = "kcg-scale-node"
	scaleAgentPod = "kubecgroups-agent-scale"
)

// TestLiveClusterAgentScale logs the agent container's memory after its
// first checks of 250 pods; it fails only if the agent is not ready or is
// OOM-killed (the DaemonSet's limit).
func TestLiveClusterAgentScale(t *testing.T) {
	bin := buildCLI(t)
	r := startClusterRig(t, "containerd1", "a")
	node := r.env["NODE_NAME"]

	sock := strings.TrimPrefix(r.env["CONTAINER_RUNTIME_ENDPOINT"], "unix://")
	tar := filepath.Join(t.TempDir(), "agent.tar")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := runScript(t, ctx, []string{"CTR=/usr/bin/ctr"}, filepath.Join(repoRoot(t), "internal", "e2e", "agent", "build-image.sh"), agentImage, tar, sock); err != nil {
		t.Fatalf("e2e: build-image.sh: %v", err)
	}
	res := runCLI(t, bin, "agent", "manifests", "--image", agentImage, "--interval", agentInterval.String())
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

	n := nodegen.MustGenerate(nodegen.Options{Pods: scalePods})
	createScaleNode(t, r, n)
	start := time.Now()
	uids := createScalePods(t, r, n)
	if err := n.Rebind(uids); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("/var/tmp", "kcg-scale-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := n.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	// The agent runs as nobody.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			mode := os.FileMode(0o644)
			if d.IsDir() {
				mode = 0o755
			}
			os.Chmod(p, mode)
		}
		return err
	})
	t.Logf("e2e: agent %d pods: node %s, pods and tree (%d cgroups) made in %s", scalePods, scaleNode, len(n.Cgroups), time.Since(start).Round(100*time.Millisecond))

	startScaleAgent(t, r, &ds, node, dir)
	// The first check ran (ready); let a few more run with scrapes.
	var m metricSet
	for i := 0; i < 4; i++ {
		time.Sleep(agentInterval)
		m = scrapePod(t, r, scaleAgentPod)
	}
	t.Logf("e2e: agent %d pods: files matching %v, drift series %v, check %.2f s", scalePods, m.value(`kubecgroups_files{status="match"}`), m.sum("kubecgroups_file_drift"), m.sum("kubecgroups_check_duration_seconds_sum")/max(m.sum("kubecgroups_check_duration_seconds_count"), 1))
	if m.value(`kubecgroups_files{status="match"}`) == 0 {
		t.Errorf("e2e: agent %d pods: no matching file: the agent did not read the generated tree", scalePods)
	}

	var agentPod corev1.Pod
	if err := json.Unmarshal([]byte(r.kubectl(t, "get", "pod", "-n", agentNS, scaleAgentPod, "-o", "json")), &agentPod); err != nil {
		t.Fatal(err)
	}
	cs := agentPod.Status.ContainerStatuses[0]
	if term := cs.LastTerminationState.Terminated; cs.RestartCount > 0 || term != nil {
		reason := ""
		if term != nil {
			reason = term.Reason
		}
		t.Fatalf("e2e: agent %d pods: restarted %d times (%s)", scalePods, cs.RestartCount, reason)
	}
	adir := containerCgroup(t, cs.ContainerID, "memory", "")
	for _, f := range []string{"memory.current", "memory.peak", "memory.usage_in_bytes", "memory.max_usage_in_bytes"} {
		if b, err := os.ReadFile(filepath.Join(adir, f)); err == nil {
			v, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			t.Logf("e2e: agent %d pods: %s = %d (%.1f MiB)", scalePods, f, v, float64(v)/(1<<20))
		}
	}
	if b, err := os.ReadFile(filepath.Join(adir, "memory.stat")); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, _, _ := strings.Cut(line, " "); k == "rss" || k == "anon" || k == "total_rss" || k == "file" || k == "cache" {
				t.Logf("e2e: agent %d pods: memory.stat %s", scalePods, line)
			}
		}
	}
}

// createScaleNode creates the fake node's Node object with the
// generated machine's capacity and a kubelet version, as a kubelet would
// register it.
func createScaleNode(t *testing.T, r *clusterRig, n *nodegen.Node) {
	t.Helper()
	capacity := corev1.ResourceList{}
	for k, q := range n.Profile.Machine.Capacity {
		if k != "pid" && k != "swap" {
			capacity[k] = q
		}
	}
	capacity[corev1.ResourcePods] = *resource.NewQuantity(scalePods+10, resource.DecimalSI)
	obj := corev1.Node{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{Name: scaleNode, Labels: map[string]string{"kubernetes.io/hostname": scaleNode}},
	}
	kubectlObject(t, r, obj, "create", "-f", "-")
	obj.Status = corev1.NodeStatus{
		Capacity: capacity, Allocatable: capacity,
		NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", ContainerRuntimeVersion: "containerd://2.1.4", OperatingSystem: "linux", Architecture: "amd64"},
	}
	kubectlObject(t, r, obj, "replace", "--subresource=status", "-f", "-")
}

// createScalePods creates the generated pods (in default, bound to the
// fake node), sets their statuses (running containers with IDs, as the
// tree names them) and returns the UIDs the API server gave them, in
// n.Pods' order.
func createScalePods(t *testing.T, r *clusterRig, n *nodegen.Node) []types.UID {
	t.Helper()
	list := corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	for _, p := range n.Pods {
		p.Namespace, p.Spec.NodeName = "default", scaleNode
		c := p.DeepCopy()
		c.UID, c.ResourceVersion, c.CreationTimestamp, c.Status = "", "", metav1.Time{}, corev1.PodStatus{}
		list.Items = append(list.Items, runtime.RawExtension{Object: c})
	}
	kubectlObject(t, r, list, "create", "-f", "-")
	var got corev1.PodList
	if err := json.Unmarshal([]byte(r.kubectl(t, "get", "pods", "-n", "default", "--field-selector", "spec.nodeName="+scaleNode, "-o", "json")), &got); err != nil {
		t.Fatal(err)
	}
	byName := map[string]*corev1.Pod{}
	for i := range got.Items {
		byName[got.Items[i].Name] = &got.Items[i]
	}
	status := corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	uids := make([]types.UID, len(n.Pods))
	for i, p := range n.Pods {
		stored, ok := byName[p.Name]
		if !ok {
			t.Fatalf("e2e: pod %s was not created", p.Name)
		}
		uids[i] = stored.UID
		s := stored.DeepCopy()
		s.Status = *p.Status.DeepCopy()
		s.Status.QOSClass = stored.Status.QOSClass
		status.Items = append(status.Items, runtime.RawExtension{Object: s})
	}
	kubectlObject(t, r, status, "replace", "--subresource=status", "-f", "-")
	return uids
}

// startScaleAgent creates a second agent pod from the DaemonSet's
// template on the real node, watching the fake node and reading the
// generated tree at dir, and waits until it is ready (its informer
// synced and its first check done).
func startScaleAgent(t *testing.T, r *clusterRig, ds *appsv1.DaemonSet, node, dir string) {
	t.Helper()
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: scaleAgentPod, Namespace: agentNS, Labels: ds.Spec.Template.Labels},
		Spec:       *ds.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = node
	apiHost, apiPort, _ := strings.Cut(strings.TrimPrefix(r.env["APISERVER_URL"], "https://"), ":")
	if apiHost == "127.0.0.1" || apiHost == "localhost" {
		apiHost = r.env["NODE_IP"]
	}
	c := &pod.Spec.Containers[0]
	for i := range c.Env {
		if c.Env[i].Name == "NODE_NAME" {
			c.Env[i] = corev1.EnvVar{Name: "NODE_NAME", Value: scaleNode}
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: "KUBERNETES_SERVICE_HOST", Value: apiHost}, corev1.EnvVar{Name: "KUBERNETES_SERVICE_PORT", Value: apiPort})
	for i := range pod.Spec.Volumes {
		if v := &pod.Spec.Volumes[i]; v.HostPath != nil && v.HostPath.Path == "/sys/fs/cgroup" {
			v.HostPath.Path = dir
		}
	}
	b, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	if res := r.kubectlAs(t, "KUBECONFIG_ADMIN", string(b), "create", "-f", "-"); res.code != 0 {
		t.Fatalf("e2e: creating the scale agent pod: %s", res.stderr)
	}
	start := time.Now()
	if res := r.kubectlAs(t, "KUBECONFIG_ADMIN", "", "wait", "--for=condition=Ready", "-n", agentNS, "pod/"+scaleAgentPod, "--timeout=180s"); res.code != 0 {
		logs := r.kubectlAs(t, "KUBECONFIG_ADMIN", "", "logs", "-n", agentNS, scaleAgentPod)
		t.Fatalf("e2e: the scale agent is not ready: %s\nlogs:\n%s%s", res.stderr, logs.stdout, logs.stderr)
	}
	t.Logf("e2e: agent %d pods: ready in %s", scalePods, time.Since(start).Round(100*time.Millisecond))
}

// kubectlObject runs kubectl as the admin with obj as YAML on stdin.
func kubectlObject(t *testing.T, r *clusterRig, obj any, args ...string) {
	t.Helper()
	b, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if res := r.kubectlAs(t, "KUBECONFIG_ADMIN", string(b), args...); res.code != 0 {
		t.Fatalf("e2e: kubectl %s: %s", strings.Join(args, " "), res.stderr)
	}
}
