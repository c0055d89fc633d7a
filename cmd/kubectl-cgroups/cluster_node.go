package main

// Gathering one node in cluster mode: the Node object, the kubelet's
// configuration (/configz through the API server's node proxy), the node's
// pods, and its cgroups (a snapshot pod), turned into what node mode has:
// a cgroup tree, pods and the facts the node profile is resolved from.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
)

// mirrorPodAnnotation holds, on a static pod's mirror pod, the static
// pod's UID: the one its cgroup is named after (pkg/kubelet/types
// ConfigMirrorAnnotationKey).
const mirrorPodAnnotation = "kubernetes.io/config.mirror"

// clusterNode is one node as cluster mode gathered it.
type clusterNode struct {
	name string
	node *corev1.Node
	// configz is the kubelet's /configz JSON; nil when it could not be
	// read (configzErr says why).
	configz    []byte
	configzErr error
	// maxPID is the kubelet's pid capacity, rlimit.maxpid of its
	// /stats/summary; 0 when it could not be read (maxPIDErr says why).
	maxPID    int64
	maxPIDErr error
	// snap is the captured tree, normalised (mode, capture time, page
	// size, host name and machine facts recorded), exactly as "snapshot
	// node/NAME" writes it.
	snap *cgroupfs.Snapshot
	// pods are the node's pods, listed while the snapshot pod still ran,
	// sorted by namespace and name. The snapshot pod is left out of them
	// and of snap: a BestEffort pod, it moves no value of the others.
	pods []*corev1.Pod
	// snapshotPod is the pod that read the node.
	snapshotPod *corev1.Pod
}

// gatherOptions say what to gather besides the cgroup tree.
type gatherOptions struct {
	// pods lists the node's pods; configz reads the kubelet's
	// configuration (/configz) through the API server's node proxy.
	pods, configz bool
	// capture narrows the normalised snapshot (cgroupRoot, driver, one
	// pod).
	capture cgroupfs.NodeOptions
	// description is recorded in the snapshot.
	description string
}

// gatherNode reads one node through the API.
func (f *clusterFlags) gatherNode(ctx context.Context, api *clusterAPI, name string, warn io.Writer, o gatherOptions) (*clusterNode, error) {
	n := &clusterNode{name: name}
	rctx, cancel := f.withTimeout(ctx)
	node, err := api.client.CoreV1().Nodes().Get(rctx, name, metav1.GetOptions{})
	cancel()
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("node %s not found", name)
	}
	if err != nil {
		return nil, apiError(err, "reading node "+name)
	}
	n.node = node
	n.readKubelet(ctx, f, api, o.configz)
	if n.maxPIDErr != nil && !o.configz {
		fmt.Fprintf(warn, "warning: node %s: the kubelet's pid capacity (stats/summary through the node proxy) could not be read (%s); the archive records pid_max as the snapshot pod saw it, which Linux 6.14 and later keep per pid namespace\n", name, shortProxyError(n.maxPIDErr))
	}
	var during func(context.Context, *corev1.Pod) error
	if o.pods {
		during = func(ctx context.Context, self *corev1.Pod) error {
			pods, err := f.nodePods(ctx, api, name, self.UID)
			n.pods = pods
			return err
		}
	}
	archive, pod, err := f.captureNode(ctx, api, name, warn, during)
	if err != nil {
		return nil, err
	}
	n.snapshotPod = pod
	raw, err := cgroupfs.ReadSnapshotContext(ctx, bytes.NewReader(archive), cgroupfs.SnapshotLimits{})
	if err != nil {
		return nil, fmt.Errorf("the archive of the snapshot pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	// The snapshot pod's own cgroups, once the archive is within the
	// limits.
	raw.RemovePod(string(pod.UID))
	fsys, err := raw.FS()
	if err != nil {
		return nil, fmt.Errorf("the archive of the snapshot pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	defer fsys.Close()
	desc := o.description
	if desc == "" {
		desc = fmt.Sprintf("node %s (kubelet %s, %s), read through the Kubernetes API by the snapshot pod %s/%s",
			name, node.Status.NodeInfo.KubeletVersion, node.Status.NodeInfo.ContainerRuntimeVersion, pod.Namespace, pod.Name)
	}
	// Normalise: record the mode, the machine and the node's name, so
	// that the snapshot reads without notes and "diff --snapshot" gives the
	// same answer later.
	n.snap, err = cgroupfs.Capture(fsys, cgroupfs.CaptureOptions{
		Node:        o.capture,
		CapturedAt:  raw.Info.CapturedAt,
		Hostname:    name,
		ToolVersion: "kubectl-cgroups " + currentVersion().Version,
		Description: desc,
		Machine:     machineFromNode(node, raw.Info.Machine, n.maxPID),
	})
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", name, kubepodsHint(err))
	}
	if raw.Info.CapturedAt.IsZero() {
		n.snap.Info.CapturedAt = time.Time{}
	}
	return n, nil
}

// readKubelet reads the kubelet's pid capacity and, with configz, its
// configuration through the API server's node proxy; failures are
// recorded, not returned: the diff then uses defaults and says so.
func (n *clusterNode) readKubelet(ctx context.Context, f *clusterFlags, api *clusterAPI, configz bool) {
	if configz {
		rctx, cancel := f.withTimeout(ctx)
		n.configz, n.configzErr = api.kubelet(rctx, n.name, "configz")
		cancel()
		if n.configzErr == nil && len(bytes.TrimSpace(n.configz)) == 0 {
			n.configz, n.configzErr = nil, errors.New("empty answer")
		}
		if apierrors.IsForbidden(n.configzErr) {
			// The same permission (nodes/proxy get): no need to ask again.
			n.maxPIDErr = n.configzErr
			return
		}
	}
	rctx, cancel := f.withTimeout(ctx)
	body, err := api.kubelet(rctx, n.name, "stats/summary")
	cancel()
	if err != nil {
		n.maxPIDErr = err
		return
	}
	var summary struct {
		Node struct {
			Rlimit *struct {
				MaxPID *int64 `json:"maxpid"`
			} `json:"rlimit"`
		} `json:"node"`
	}
	switch err := json.Unmarshal(body, &summary); {
	case err != nil:
		n.maxPIDErr = fmt.Errorf("stats/summary: %w", err)
	case summary.Node.Rlimit == nil || summary.Node.Rlimit.MaxPID == nil || *summary.Node.Rlimit.MaxPID <= 0:
		n.maxPIDErr = errors.New("stats/summary has no node.rlimit.maxpid")
	default:
		n.maxPID = *summary.Node.Rlimit.MaxPID
	}
}

// kubepodsHint explains a tree without a kubepods cgroup.
func kubepodsHint(err error) error {
	if strings.Contains(err.Error(), "kubepods") {
		return fmt.Errorf("%w (the kubelet keeps pods in a kubepods cgroup when cgroupsPerQOS is true; give --cgroup-root for an unusual cgroupRoot)", err)
	}
	return err
}

// nodePods lists every pod bound to the node, in every namespace, but the
// snapshot pod (self): the node's complete pod list, as the kubelet's
// /pods has it. A mirror pod gets its static pod's UID, which its cgroup
// is named after.
func (f *clusterFlags) nodePods(ctx context.Context, api *clusterAPI, node string, self types.UID) ([]*corev1.Pod, error) {
	rctx, cancel := f.withTimeout(ctx)
	defer cancel()
	list, err := api.client.CoreV1().Pods(metav1.NamespaceAll).List(rctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String(),
	})
	if err != nil {
		return nil, apiError(err, "listing the pods of node "+node)
	}
	var pods []*corev1.Pod
	for i := range list.Items {
		p := list.Items[i].DeepCopy()
		if p.Spec.NodeName != node || p.UID == self {
			continue // the snapshot pod, or a server (or fake) that ignored the field selector
		}
		if uid := p.Annotations[mirrorPodAnnotation]; uid != "" {
			p.UID = types.UID(uid)
		}
		pods = append(pods, p)
	}
	slices.SortFunc(pods, func(a, b *corev1.Pod) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return pods, nil
}

// machineFromNode returns the machine facts of a node: CPUs, memory, huge
// page sizes (and swap, when the node reports it) from the Node object,
// which the kubelet fills from cAdvisor as it does the capacity it
// computes kubepods from. The pid capacity is the kubelet's own,
// min(pid_max, threads-max), when its /stats/summary gave it (maxPID);
// otherwise what the snapshot pod read, where pid_max may be its pid
// namespace's (per namespace since Linux 6.14) rather than the host's.
func machineFromNode(n *corev1.Node, pod *cgroupfs.MachineInfo, maxPID int64) *cgroupfs.MachineInfo {
	m := &cgroupfs.MachineInfo{}
	capacity := n.Status.Capacity
	if q, ok := capacity[corev1.ResourceCPU]; ok {
		m.CPUs = int(q.Value())
	}
	if q, ok := capacity[corev1.ResourceMemory]; ok {
		m.MemoryBytes = q.Value()
	}
	for name := range capacity {
		if !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
			continue
		}
		if size, err := convert.ParseHugePageResourceName(string(name)); err == nil {
			m.HugePageSizes = append(m.HugePageSizes, size)
		}
	}
	slices.Sort(m.HugePageSizes)
	if s := n.Status.NodeInfo.Swap; s != nil && s.Capacity != nil {
		m.SwapBytes = *s.Capacity
	}
	if pod != nil {
		m.PIDMax, m.ThreadsMax = pod.PIDMax, pod.ThreadsMax
	}
	if maxPID > 0 {
		// The kubelet's min(pid_max, threads-max): threads-max (not
		// namespaced) stays as read, so the minimum is maxPID.
		m.PIDMax = maxPID
		if m.ThreadsMax != 0 && m.ThreadsMax < maxPID {
			m.ThreadsMax = maxPID
		}
	}
	return m
}

var kubeletVersionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)`)

// kubeletMinor returns the minor version of a kubeletVersion
// ("v1.37.2" gives "1.37"); a version outside the supported range gives
// the nearest supported one and a note.
func kubeletMinor(v string) (string, *qos.Note) {
	m := kubeletVersionRE.FindStringSubmatch(v)
	if m == nil {
		return "", &qos.Note{Reason: "kubelet-version-unknown", Message: fmt.Sprintf("the node's kubeletVersion %q is not a version; the predictions follow the default 1.37 (give --kubernetes-version)", v)}
	}
	minor := m[1] + "." + m[2]
	if _, err := qos.ParseKubernetesVersion(minor); err == nil {
		return minor, nil
	}
	n, _ := strconv.Atoi(m[2])
	near := "1.37"
	if m[1] == "1" && n < 30 {
		near = "1.30"
	}
	return near, &qos.Note{Reason: "kubelet-version-unsupported", Message: fmt.Sprintf("the node's kubelet is %s; the predictions follow the nearest version modelled, %s (kubecgroups models 1.30 to 1.37)", v, near)}
}

// criFromRuntimeVersion reads the CRI runtime from a node's
// containerRuntimeVersion ("containerd://1.6.20"); the OCI runtime under
// it is not visible there.
func criFromRuntimeVersion(v string) qos.CRIRuntime {
	scheme, _, _ := strings.Cut(v, "://")
	switch scheme {
	case "containerd":
		return qos.CRIContainerd
	case "cri-o", "crio":
		return qos.CRICRIO
	case "docker":
		return qos.CRIDockerd
	}
	return ""
}

// isLinuxNode reports whether the snapshot pod (a Linux image reading
// /sys/fs/cgroup) can run on the node.
func isLinuxNode(n *corev1.Node) bool {
	os, ok := n.Labels[corev1.LabelOSStable]
	return !ok || os == "linux"
}
