package cluster

// Gathering one node in cluster mode: the Node object, the kubelet's
// configuration (/configz through the API server's node proxy), the node's
// pods, and its cgroups (a snapshot pod), turned into what node mode has:
// a cgroup tree, pods and the facts the node profile is resolved from.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
)

// MirrorPodAnnotation holds, on a static pod's mirror pod, the static
// pod's UID: the one its cgroup is named after (pkg/kubelet/types
// ConfigMirrorAnnotationKey).
const MirrorPodAnnotation = "kubernetes.io/config.mirror"

// Gathered is one node as read through the Kubernetes API: its Node
// object, the kubelet's configuration and pid capacity (through the API
// server's node proxy), its pods and its cgroups.
type Gathered struct {
	// Name is the node's name.
	Name string
	// Node is the Node object.
	Node *corev1.Node
	// Configz is the kubelet's /configz JSON; nil when it could not be
	// read (ConfigzErr says why).
	Configz    []byte
	ConfigzErr error
	// MaxPID is the kubelet's pid capacity, rlimit.maxpid of its
	// /stats/summary; 0 when it could not be read (MaxPIDErr says why).
	MaxPID    int64
	MaxPIDErr error
	// Snapshot is the captured tree, normalised (mode, capture time, page
	// size, host name and machine facts recorded), exactly as "snapshot
	// node/NAME" writes it.
	Snapshot *cgroupfs.Snapshot
	// Pods are the node's pods, listed while the snapshot pod still ran,
	// sorted by namespace and name. The snapshot pod is left out of them
	// and of Snapshot: a BestEffort pod, it moves no value of the others.
	Pods []*corev1.Pod
	// SnapshotPod is the pod that read the node.
	SnapshotPod *corev1.Pod
}

// GatherOptions say what Gather reads besides the cgroup tree.
type GatherOptions struct {
	// Pods lists the node's pods; Configz reads the kubelet's
	// configuration (/configz) through the API server's node proxy.
	Pods, Configz bool
	// Capture narrows the normalised snapshot (cgroupRoot, driver, one
	// pod).
	Capture cgroupfs.NodeOptions
	// Description is recorded in the snapshot; empty records one naming
	// the node, its kubelet and runtime, and the snapshot pod.
	Description string
	// Warn receives warnings (a snapshot pod that may be left over, a
	// kubelet endpoint that could not be read); nil drops them.
	Warn func(msg string)
}

// Gather reads one node through the API: the Node object, the kubelet's
// pid capacity (and with o.Configz its configuration), the node's cgroups
// through a snapshot pod that is deleted afterwards whatever happens, and
// with o.Pods the node's pods.
func (r *Reader) Gather(ctx context.Context, name string, o GatherOptions) (*Gathered, error) {
	return r.gather(ctx, name, warnWriter(o.Warn), o)
}

func (r *Reader) gather(ctx context.Context, name string, warn io.Writer, o GatherOptions) (*Gathered, error) {
	n := &Gathered{Name: name}
	rctx, cancel := r.withTimeout(ctx)
	node, err := r.api.Client.CoreV1().Nodes().Get(rctx, name, metav1.GetOptions{})
	cancel()
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("node %s not found", name)
	}
	if err != nil {
		return nil, r.APIError(err, "reading node "+name)
	}
	n.Node = node
	n.readKubelet(ctx, r, o.Configz)
	if n.MaxPIDErr != nil && !o.Configz {
		fmt.Fprintf(warn, "warning: node %s: the kubelet's pid capacity (stats/summary through the node proxy) could not be read (%s); the archive records pid_max as the snapshot pod saw it, which Linux 6.14 and later keep per pid namespace\n", name, shortProxyError(n.MaxPIDErr))
	}
	var during func(context.Context, *corev1.Pod) error
	if o.Pods {
		during = func(ctx context.Context, self *corev1.Pod) error {
			pods, err := r.NodePods(ctx, name, self.UID)
			n.Pods = pods
			return err
		}
	}
	archive, pod, err := r.captureNode(ctx, name, warn, during)
	if err != nil {
		return nil, err
	}
	n.SnapshotPod = pod
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
	desc := o.Description
	if desc == "" {
		desc = fmt.Sprintf("node %s (kubelet %s, %s), read through the Kubernetes API by the snapshot pod %s/%s",
			name, node.Status.NodeInfo.KubeletVersion, node.Status.NodeInfo.ContainerRuntimeVersion, pod.Namespace, pod.Name)
	}
	// Normalise: record the mode, the machine and the node's name, so
	// that the snapshot reads without notes and "diff --snapshot" gives the
	// same answer later.
	n.Snapshot, err = cgroupfs.Capture(fsys, cgroupfs.CaptureOptions{
		Node:        o.Capture,
		CapturedAt:  raw.Info.CapturedAt,
		Hostname:    name,
		ToolVersion: r.opts.ToolVersion,
		Description: desc,
		Machine:     qos.MachineFromNode(node, raw.Info.Machine, n.MaxPID),
	})
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", name, cgroupfs.KubepodsHint(err))
	}
	if raw.Info.CapturedAt.IsZero() {
		n.Snapshot.Info.CapturedAt = time.Time{}
	}
	return n, nil
}

// readKubelet reads the kubelet's pid capacity and, with configz, its
// configuration through the API server's node proxy; failures are
// recorded, not returned: the diff then uses defaults and says so.
func (n *Gathered) readKubelet(ctx context.Context, r *Reader, configz bool) {
	if configz {
		rctx, cancel := r.withTimeout(ctx)
		n.Configz, n.ConfigzErr = r.api.Kubelet(rctx, n.Name, "configz")
		cancel()
		if n.ConfigzErr == nil && len(bytes.TrimSpace(n.Configz)) == 0 {
			n.Configz, n.ConfigzErr = nil, errors.New("empty answer")
		}
		if apierrors.IsForbidden(n.ConfigzErr) {
			// The same permission (nodes/proxy get): no need to ask again.
			n.MaxPIDErr = n.ConfigzErr
			return
		}
	}
	rctx, cancel := r.withTimeout(ctx)
	body, err := r.api.Kubelet(rctx, n.Name, "stats/summary")
	cancel()
	if err != nil {
		n.MaxPIDErr = err
		return
	}
	n.MaxPID, n.MaxPIDErr = qos.ParseMaxPID(body)
}

// nodePods lists every pod bound to the node, in every namespace, but the
// snapshot pod (self): the node's complete pod list, as the kubelet's
// /pods has it. A mirror pod gets its static pod's UID, which its cgroup
// is named after.
func (r *Reader) NodePods(ctx context.Context, node string, self types.UID) ([]*corev1.Pod, error) {
	rctx, cancel := r.withTimeout(ctx)
	defer cancel()
	list, err := r.api.Client.CoreV1().Pods(metav1.NamespaceAll).List(rctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String(),
	})
	if err != nil {
		return nil, r.APIError(err, "listing the pods of node "+node)
	}
	var pods []*corev1.Pod
	for i := range list.Items {
		p := list.Items[i].DeepCopy()
		if p.Spec.NodeName != node || p.UID == self {
			continue // the snapshot pod, or a server (or fake) that ignored the field selector
		}
		if uid := p.Annotations[MirrorPodAnnotation]; uid != "" {
			p.UID = types.UID(uid)
		}
		pods = append(pods, p)
	}
	slices.SortFunc(pods, func(a, b *corev1.Pod) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return pods, nil
}

// IsLinuxNode reports whether the snapshot pod (a Linux image reading
// /sys/fs/cgroup) can run on the node.
func IsLinuxNode(n *corev1.Node) bool {
	os, ok := n.Labels[corev1.LabelOSStable]
	return !ok || os == "linux"
}
