package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/agent"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// Reading an agent from a workstation: through the API server's pod
// proxy (GET /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH), which
// needs only get on pods/proxy in the agent's namespace, never pod
// creation or exec.

// MaxAgentReportBytes bounds a report read from an agent;
// MaxAgentSnapshotBytes the compressed snapshot.
const (
	MaxAgentReportBytes   = 64 << 20
	MaxAgentSnapshotBytes = 256 << 20
)

// ErrNoAgent is returned (wrapped) by FindAgentPod when no ready agent runs on
// the node.
var ErrNoAgent = errors.New("no ready agent on the node")

// FindAgentPod returns the running, ready agent pod of a node in namespace.
func FindAgentPod(ctx context.Context, client kubernetes.Interface, namespace, node string) (*corev1.Pod, error) {
	list, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(labels.Set{agent.PodLabel: agent.PodLabelValue}).String(),
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String(),
	})
	if err != nil {
		return nil, fmt.Errorf("listing the agent pods of node %s in namespace %s: %w", node, namespace, err)
	}
	for i := range list.Items {
		p := &list.Items[i]
		if p.Spec.NodeName != node || p.Labels[agent.PodLabel] != agent.PodLabelValue || p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return p, nil
			}
		}
	}
	return nil, fmt.Errorf("node %s, namespace %s: %w", node, namespace, ErrNoAgent)
}

// agentGet reads one path of an agent through the pod proxy, at most limit
// bytes.
func agentGet(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, path string, limit int64) ([]byte, error) {
	rc, err := client.CoreV1().Pods(pod.Namespace).ProxyGet("http", pod.Name, strconv.Itoa(agent.DefaultPort), path, nil).Stream(ctx)
	if err != nil {
		return nil, fmt.Errorf("agent %s/%s /%s through the pod proxy: %w", pod.Namespace, pod.Name, path, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("agent %s/%s /%s: %w", pod.Namespace, pod.Name, path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("agent %s/%s /%s: more than %d bytes", pod.Namespace, pod.Name, path, limit)
	}
	return b, nil
}

// FetchAgentReport reads an agent's latest report (its /report).
func FetchAgentReport(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod) (*qos.DiffReport, error) {
	b, err := agentGet(ctx, client, pod, "report", MaxAgentReportBytes)
	if err != nil {
		return nil, err
	}
	var r qos.DiffReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("agent %s/%s /report: %w", pod.Namespace, pod.Name, err)
	}
	if r.Kind != qos.KindDiffReport {
		return nil, fmt.Errorf("agent %s/%s /report: kind %q, want %s", pod.Namespace, pod.Name, r.Kind, qos.KindDiffReport)
	}
	return &r, nil
}

// FetchAgentSnapshot reads a snapshot of the agent's node (its /snapshot, a
// tar.gz), bounded by limits and validated as any untrusted archive.
func FetchAgentSnapshot(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, limits cgroupfs.SnapshotLimits) (*cgroupfs.Snapshot, error) {
	// The compressed archive is bounded as its uncompressed content
	// would be (MaxBytes), and by MaxAgentSnapshotBytes.
	limit := int64(MaxAgentSnapshotBytes)
	if limits.MaxBytes > 0 && limits.MaxBytes < limit {
		limit = limits.MaxBytes
	}
	b, err := agentGet(ctx, client, pod, "snapshot", limit)
	if err != nil {
		return nil, err
	}
	// The agent serves tar.gz only: anything else (a proxy's error page)
	// is not read as a txtar.
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return nil, fmt.Errorf("agent %s/%s /snapshot: not a tar.gz archive (%d bytes)", pod.Namespace, pod.Name, len(b))
	}
	s, err := cgroupfs.ReadSnapshotContext(ctx, bytes.NewReader(b), limits)
	if err != nil {
		return nil, fmt.Errorf("agent %s/%s /snapshot: %w", pod.Namespace, pod.Name, err)
	}
	return s, nil
}

// AgentSource reads nodes' reports from their agents, for
// CheckOptions.Source: a node without a ready agent is ErrNoSource, so that the caller
// may read it with a snapshot pod instead.
type AgentSource struct {
	// Client reaches the API server; the user needs list on pods and get
	// on pods/proxy in Namespace.
	Client kubernetes.Interface
	// Namespace is where the agents run (agent.DefaultNamespace when empty).
	Namespace string
}

// NodeReport implements NodeSource.
func (s AgentSource) NodeReport(ctx context.Context, node string) (*qos.DiffReport, string, error) {
	ns := s.Namespace
	if ns == "" {
		ns = agent.DefaultNamespace
	}
	pod, err := FindAgentPod(ctx, s.Client, ns, node)
	// No agent, or none the user may see (no list on pods in the
	// agent's namespace, or no such namespace): no source.
	if errors.Is(err, ErrNoAgent) || apierrors.IsForbidden(err) || apierrors.IsNotFound(err) {
		return nil, "", fmt.Errorf("%w: %w", ErrNoSource, err)
	}
	if err != nil {
		return nil, "", err
	}
	r, err := FetchAgentReport(ctx, s.Client, pod)
	if err != nil {
		return nil, "", err
	}
	return r, pod.Namespace + "/" + pod.Name, nil
}

// AgentSnapshotOptions say how ReadAgentSnapshot reads a node's snapshot from its
// agent.
type AgentSnapshotOptions struct {
	// Namespace is where the agents run (agent.DefaultNamespace when empty).
	Namespace string
	// Limits bound the archive the agent sends, as any untrusted archive
	// (the cgroupfs defaults when zero).
	Limits cgroupfs.SnapshotLimits
	// Node, with a PodUID, narrows the snapshot to that pod (with
	// kubepods and the tiers), as a snapshot pod captures it.
	Node cgroupfs.NodeOptions
	// Description, when set, replaces the one the agent recorded.
	Description string
}

// AgentSnapshot is a node's snapshot read from its agent.
type AgentSnapshot struct {
	// Snapshot is the validated snapshot.
	Snapshot *cgroupfs.Snapshot
	// Pod is the agent pod that served it.
	Pod *corev1.Pod
}

// ReadAgentSnapshot reads a snapshot of node from the ready agent running on
// it, through the pod proxy: the archive is bounded (o.Limits, and
// MaxAgentSnapshotBytes compressed) and validated by cgroupfs.ReadSnapshot. An
// error matching ErrNoAgent means that no ready agent runs there, or that
// the user may not see the agent pods (no list on pods in the namespace, or
// no such namespace): the caller may read the node another way.
func ReadAgentSnapshot(ctx context.Context, client kubernetes.Interface, node string, o AgentSnapshotOptions) (*AgentSnapshot, error) {
	ns := o.Namespace
	if ns == "" {
		ns = agent.DefaultNamespace
	}
	pod, err := FindAgentPod(ctx, client, ns, node)
	if apierrors.IsForbidden(err) || apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %w", ErrNoAgent, err)
	}
	if err != nil {
		return nil, err
	}
	s, err := FetchAgentSnapshot(ctx, client, pod, o.Limits)
	if err != nil {
		return nil, err
	}
	if o.Node.PodUID != "" || o.Description != "" {
		if s, err = recapture(s, o); err != nil {
			return nil, fmt.Errorf("agent %s/%s /snapshot: %w", pod.Namespace, pod.Name, err)
		}
	}
	return &AgentSnapshot{Snapshot: s, Pod: pod}, nil
}

// recapture captures s again with o's node options and description,
// keeping what s records of the original capture.
func recapture(s *cgroupfs.Snapshot, o AgentSnapshotOptions) (*cgroupfs.Snapshot, error) {
	fsys, err := s.FS()
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	desc := o.Description
	if desc == "" {
		desc = s.Info.Description
	}
	return cgroupfs.Capture(fsys, cgroupfs.CaptureOptions{Node: o.Node, CapturedAt: s.Info.CapturedAt,
		Hostname: s.Info.Hostname, ToolVersion: s.Info.ToolVersion, Description: desc, Machine: s.Info.Machine})
}
