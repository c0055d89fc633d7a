package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/rand"
)

// Defaults of Options.
const (
	// DefaultNamespace is where snapshot pods run.
	DefaultNamespace = "kubecgroups"
	// DefaultImage is a small image with a POSIX shell, find, xargs,
	// grep, awk and tar (gzip built in): busybox 1.37.0, pinned by the
	// digest of its multi-platform image index (Docker Official Images,
	// docker-library/repo-info repos/busybox/remote/1.37.0.md). The
	// runtime pulls it by digest; the tag is for people.
	DefaultImage = "docker.io/library/busybox:1.37.0@sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0"
	// DefaultSnapshotTimeout bounds one node's snapshot pod, from
	// creation to the end of its stream.
	DefaultSnapshotTimeout = 2 * time.Minute
	// DefaultCommandName is how hints name the command.
	DefaultCommandName = "kubectl cgroups"
)

// Options configure a Reader. Zero fields take the defaults.
type Options struct {
	// Namespace is the namespace of snapshot pods (DefaultNamespace).
	Namespace string
	// Image is the snapshot pod's image (DefaultImage).
	Image string
	// SnapshotTimeout bounds one node's snapshot pod, from creation to
	// the end of its stream (DefaultSnapshotTimeout).
	SnapshotTimeout time.Duration
	// RequestTimeout bounds each API request (not the exec stream); 0
	// means no bound.
	RequestTimeout time.Duration
	// ToolVersion is recorded in the snapshots as the capturing tool.
	ToolVersion string
	// RunID labels (SnapshotRunIDLabel) the snapshot pods of this
	// Reader, so that a run's leftovers can be found; empty: a fresh
	// random one (NewRunID).
	RunID string
	// CommandName is how error hints name the command that prints the
	// RBAC and removes leftovers (DefaultCommandName: "kubectl cgroups
	// rbac", "kubectl cgroups cleanup").
	CommandName string
}

// Reader reads nodes through the Kubernetes API with snapshot pods. It is
// safe for concurrent use: several nodes may be gathered at once.
type Reader struct {
	api  *API
	opts Options
}

// NewReader returns a Reader over api.
func NewReader(api *API, o Options) *Reader {
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Image == "" {
		o.Image = DefaultImage
	}
	if o.SnapshotTimeout <= 0 {
		o.SnapshotTimeout = DefaultSnapshotTimeout
	}
	if o.CommandName == "" {
		o.CommandName = DefaultCommandName
	}
	if o.RunID == "" {
		o.RunID = NewRunID()
	}
	return &Reader{api: api, opts: o}
}

// NewRunID returns a fresh run ID: the UTC time of the run and 5 random
// characters, a valid label value (kcg-20261206t024501-x7k2p).
func NewRunID() string {
	return "kcg-" + strings.ToLower(time.Now().UTC().Format("20060102t150405")) + "-" + rand.String(5)
}

// ValidateImage checks an image reference for the snapshot pod:
// [registry/]name[:tag][@sha256:64 hex digits], as the container
// runtime reads it.
func ValidateImage(image string) error {
	if image == "" {
		return errors.New("image: empty")
	}
	if strings.TrimSpace(image) != image || strings.ContainsAny(image, " \t\n") {
		return fmt.Errorf("image %q: contains white space", image)
	}
	name, digest, pinned := strings.Cut(image, "@")
	if pinned {
		algo, hex, ok := strings.Cut(digest, ":")
		if !ok || algo != "sha256" || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
			return fmt.Errorf("image %q: the digest must be sha256: and 64 lower-case hex digits", image)
		}
	}
	if name == "" || strings.ContainsAny(name, "@") {
		return fmt.Errorf("image %q: no name", image)
	}
	return nil
}

// Options returns the options in force, defaults filled in.
func (r *Reader) Options() Options { return r.opts }

// withTimeout bounds one API request.
func (r *Reader) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.opts.RequestTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, r.opts.RequestTimeout)
}

// APIError adds to err (from an API request about what) what to do when
// the user's RBAC, credentials or patience do not allow it; nil stays nil.
func (r *Reader) APIError(err error, what string) error {
	if err == nil {
		return nil
	}
	var hint string
	switch {
	case apierrors.IsForbidden(err):
		hint = " (cluster mode needs the RBAC that " + r.opts.CommandName + " rbac prints)"
	case apierrors.IsUnauthorized(err):
		hint = " (the API server does not accept these credentials: check --kubeconfig, --context or --token)"
	case errors.Is(err, context.DeadlineExceeded):
		hint = " (no answer in time: --request-timeout)"
	}
	return fmt.Errorf("%s: %w%s", what, err, hint)
}

// SnapshotPods lists the snapshot pods in the snapshot namespace: those
// of runs in progress and those left over by runs that were killed; with
// runID, only that run's.
func (r *Reader) SnapshotPods(ctx context.Context, runID string) ([]corev1.Pod, error) {
	set := labels.Set{SnapshotPodLabel: SnapshotPodLabelValue}
	if runID != "" {
		set[SnapshotRunIDLabel] = runID
	}
	sel := labels.SelectorFromSet(set).String()
	rctx, cancel := r.withTimeout(ctx)
	list, err := r.api.Client.CoreV1().Pods(r.opts.Namespace).List(rctx, metav1.ListOptions{LabelSelector: sel})
	cancel()
	if err != nil {
		return nil, r.APIError(err, fmt.Sprintf("listing the snapshot pods (-l %s) in namespace %s", sel, r.opts.Namespace))
	}
	return list.Items, nil
}

// LeftoverSnapshotPods lists the snapshot pods of earlier runs that no
// run can still be using: those that ended (their activeDeadlineSeconds
// passed, or their command ended) and those older than
// MaxSnapshotPodLifetime. They hold nothing but their API object;
// cleanup removes them.
func (r *Reader) LeftoverSnapshotPods(ctx context.Context) ([]corev1.Pod, error) {
	pods, err := r.SnapshotPods(ctx, "")
	if err != nil {
		return nil, err
	}
	var left []corev1.Pod
	for _, p := range pods {
		ended := p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
		old := !p.CreationTimestamp.IsZero() && time.Since(p.CreationTimestamp.Time) > MaxSnapshotPodLifetime
		if p.Labels[SnapshotRunIDLabel] != r.opts.RunID && (ended || old) {
			left = append(left, p)
		}
	}
	return left, nil
}

// DeleteSnapshotPod deletes a snapshot pod gracefully and waits until it
// is gone; it reports false, after telling warn why, when that could not
// be confirmed.
func (r *Reader) DeleteSnapshotPod(ctx context.Context, pod *corev1.Pod, warn func(msg string)) bool {
	var b strings.Builder
	r.deleteSnapshotPod(ctx, pod, &b)
	if b.Len() > 0 {
		warnWriter(warn).Write([]byte(b.String()))
		return false
	}
	return true
}

// NodeOfSnapshotPod returns the node a snapshot pod reads.
func NodeOfSnapshotPod(p *corev1.Pod) string {
	if n := p.Annotations[SnapshotNodeLabel]; n != "" {
		return n
	}
	return p.Spec.NodeName
}

// warnWriter turns warning lines written by the readers into calls of
// fn, one per line, without the newline; nil drops them.
func warnWriter(fn func(msg string)) io.Writer { return lineFunc(fn) }

type lineFunc func(string)

func (f lineFunc) Write(p []byte) (int, error) {
	if f != nil {
		for line := range strings.SplitSeq(strings.TrimSuffix(string(p), "\n"), "\n") {
			f(line)
		}
	}
	return len(p), nil
}

// Facts returns what the gathered node tells about its profile besides
// its tree, for qos.Check: the machine from the Node object (and the pid
// capacity from the kubelet's stats/summary or the snapshot pod), the
// kubelet's version and the CRI runtime from the Node object, the
// kubelet's configuration from /configz. The notes say what could not be
// gathered and what that means.
func (g *Gathered) Facts() (qos.Facts, []qos.Note) {
	var notes []qos.Note
	f := qos.Facts{PageSizeBytes: g.Snapshot.Info.PageSizeBytes}
	f.Machine, f.MachineSource = g.Snapshot.Info.Machine, "node-object"
	switch m := f.Machine; {
	case g.MaxPID > 0:
		f.MachineSource = "node-object, stats/summary (pid)"
	case m != nil && m.PIDMax > 0:
		f.MachineSource = "node-object, snapshot pod (pid)"
		f.Guessed = append(f.Guessed, qos.Guess{Input: qos.InputPIDCapacity, Reason: qos.ReasonCapacityUncertain, Supply: "--node-capacity pids=N, or get on nodes/proxy (the kubelet's stats/summary)"})
		notes = append(notes, qos.Note{Reason: qos.ReasonCapacityUncertain, Message: fmt.Sprintf("the kubelet's pid capacity (rlimit.maxpid of /api/v1/nodes/%s/proxy/stats/summary) could not be read (%s); it is taken from pid_max and threads-max as the snapshot pod saw them, but Linux 6.14 and later keep pid_max per pid namespace: a kubepods pids.max that differs is unverified, not drift (give --node-capacity pids=N)", g.Name, shortProxyError(g.MaxPIDErr))})
	default:
		notes = append(notes, qos.Note{Reason: qos.ReasonCapacityUnknown, Message: "the pid capacity is not known (no stats/summary, and the snapshot pod could not read pid_max); kubepods pids.max assumes the default (give --node-capacity pids=N)"})
	}
	info := g.Node.Status.NodeInfo
	if v, note := qos.KubeletMinor(info.KubeletVersion); v != "" {
		f.KubernetesVersion, f.VersionSource = v, "node-object"
		if note != nil {
			f.VersionSource = "node-object (nearest modelled)"
			notes = append(notes, *note)
		}
	} else if note != nil {
		notes = append(notes, *note)
	}
	if cri := qos.CRIFromRuntimeVersion(info.ContainerRuntimeVersion); cri != "" {
		f.CRI, f.CRISource = cri, "node-object"
	}
	if g.ConfigzErr == nil {
		f.KubeletConfig, f.KubeletSource = g.Configz, "configz"
	} else {
		notes = append(notes, qos.Note{Reason: qos.ReasonKubeletConfigUnknown, Message: fmt.Sprintf("the kubelet's configuration (/api/v1/nodes/%s/proxy/configz) could not be read (%s); the kubelet settings are the v1.37 defaults, so values that rest on them (CFS period, pod pids limit, reserved resources, ...) and differ are unverified, not drift: give --node-config", g.Name, shortProxyError(g.ConfigzErr))})
	}
	return f, notes
}

// shortProxyError says why a kubelet endpoint could not be read through
// the node proxy.
func shortProxyError(err error) string {
	if err == nil {
		return "no error"
	}
	if apierrors.IsForbidden(err) {
		return "forbidden: reading it needs get on nodes/proxy"
	}
	return err.Error()
}

// PodLocation is where a pod runs, as its cgroups name it.
type PodLocation struct {
	Namespace, Name string
	// Node is the node the pod is bound to.
	Node string
	// UID is the UID of the pod's cgroups: a static pod's mirror pod
	// carries the kubelet's UID in MirrorPodAnnotation.
	UID string
}

// PodNotFoundError is the error of a pod named by the caller that does
// not exist (FindPod, Plan).
type PodNotFoundError struct {
	Namespace, Name string
}

func (e *PodNotFoundError) Error() string {
	return fmt.Sprintf("pod %s not found in namespace %s", e.Name, e.Namespace)
}

// FindPod returns where pod namespace/name (namespace "" is "default")
// runs. A pod not yet bound to a node is an error.
func (r *Reader) FindPod(ctx context.Context, namespace, name string) (PodLocation, error) {
	if namespace == "" {
		namespace = metav1.NamespaceDefault
	}
	rctx, cancel := r.withTimeout(ctx)
	p, err := r.api.Client.CoreV1().Pods(namespace).Get(rctx, name, metav1.GetOptions{})
	cancel()
	if apierrors.IsNotFound(err) {
		return PodLocation{}, &PodNotFoundError{Namespace: namespace, Name: name}
	}
	if err != nil {
		return PodLocation{}, r.APIError(err, fmt.Sprintf("reading pod %s/%s", namespace, name))
	}
	if p.Spec.NodeName == "" {
		return PodLocation{}, fmt.Errorf("pod %s/%s is not scheduled to a node yet (phase %s)", namespace, name, p.Status.Phase)
	}
	uid := string(p.UID)
	if m := p.Annotations[MirrorPodAnnotation]; m != "" {
		uid = m
	}
	return PodLocation{Namespace: namespace, Name: name, Node: p.Spec.NodeName, UID: uid}, nil
}

// LeftoverWarning returns a one-line warning about the snapshot pods that
// earlier runs left behind (LeftoverSnapshotPods), naming the cleanup
// command that removes them; "" when there are none or they cannot be
// listed (the warning is best effort).
func (r *Reader) LeftoverWarning(ctx context.Context) string {
	pods, err := r.LeftoverSnapshotPods(ctx)
	if err != nil || len(pods) == 0 {
		return ""
	}
	var runs []string
	for _, p := range pods {
		if id := p.Labels[SnapshotRunIDLabel]; id != "" && !slices.Contains(runs, id) {
			runs = append(runs, id)
		}
	}
	hint := r.opts.CommandName + " cleanup"
	if len(runs) == 1 {
		hint += " --run-id " + runs[0]
	}
	if r.opts.Namespace != DefaultNamespace {
		hint += " --snapshot-namespace " + r.opts.Namespace
	}
	return fmt.Sprintf("warning: %d snapshot pod(s) of earlier runs (%s) are left over in namespace %s; %s removes them", len(pods), strings.Join(runs, ", "), r.opts.Namespace, hint)
}
