package main

// Cluster mode: diff, inspect and snapshot reach nodes through the
// Kubernetes API instead of reading a local tree. This file holds what the
// commands share: the kubectl flags (k8s.io/cli-runtime), the connection
// to the API server (a clientset, the kubelet's /configz through the API
// server's node proxy, exec into a pod), and the parsing of pod/NAME and
// node/NAME arguments. The snapshot pod is in cluster_snapshot.go, the
// gathering of one node in cluster_node.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/streaming/pkg/httpstream"
)

// Defaults of the snapshot pod; see clusterFlags.
const (
	defaultSnapshotNamespace = "kubecgroups"
	// defaultSnapshotImage is a small image with a POSIX shell, find,
	// xargs, grep, awk and tar (gzip built in): busybox.
	defaultSnapshotImage   = "docker.io/library/busybox:1.37"
	defaultSnapshotTimeout = 2 * time.Minute
	defaultMaxConcurrency  = 5
	// maxMaxConcurrency bounds --max-concurrency: each node read at
	// once holds its archive (at most maxArchiveBytes) and its snapshot
	// (within cgroupfs.SnapshotLimits) in memory, and runs a pod.
	maxMaxConcurrency = 20
)

// clusterFlags are the flags of cluster mode shared by diff, inspect,
// snapshot and cleanup: kubectl's global flags, and where and how the
// snapshot pod runs.
type clusterFlags struct {
	kube      *genericclioptions.ConfigFlags
	image     string
	namespace string
	timeout   time.Duration
	// requestTimeout bounds each API request (not the exec stream); 0
	// means no bound.
	requestTimeout time.Duration
	// shared are the diff command's kubelet flags (--token,
	// --client-certificate, ... --request-timeout), which in cluster mode
	// authenticate to the API server instead; nil for commands that
	// register kubectl's own.
	shared *httpFlags
	// connect builds the API access; nil means connectCluster. Tests
	// substitute fakes.
	connect clusterConnector
}

// addFlags registers kubectl's global flags and the snapshot pod flags.
// With shared set (diff), the flags the diff command already has for the
// kubelet are not registered again: they serve the API server in cluster
// mode.
func (f *clusterFlags) addFlags(c *cobra.Command, shared *httpFlags) {
	f.kube = genericclioptions.NewConfigFlags(false)
	f.shared = shared
	if shared != nil {
		f.kube.BearerToken, f.kube.CertFile, f.kube.KeyFile, f.kube.CAFile, f.kube.Insecure, f.kube.Timeout = nil, nil, nil, nil, nil, nil
	}
	f.kube.AddFlags(c.Flags())
	f.addSnapshotPodFlags(c)
}

// addSnapshotPodFlags registers the flags of the snapshot pod.
func (f *clusterFlags) addSnapshotPodFlags(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.image, "image", defaultSnapshotImage, "Image of the snapshot pod (cluster mode): any image with a POSIX shell, find, xargs, grep, awk and tar with gzip, such as busybox.")
	fl.StringVar(&f.namespace, "snapshot-namespace", defaultSnapshotNamespace, "Namespace of the snapshot pod (cluster mode). Its Pod Security level must allow hostPath volumes (privileged); the shipped RBAC creates it.")
	fl.DurationVar(&f.timeout, "snapshot-timeout", defaultSnapshotTimeout, "Time limit for one node's snapshot pod to start and stream its archive (cluster mode).")
}

// clusterChanged reports whether any flag of cluster mode was given.
func clusterChanged(c *cobra.Command) bool {
	for _, name := range []string{"image", "snapshot-namespace", "snapshot-timeout", "kubeconfig", "context", "cluster", "user", "namespace", "server", "as", "as-group", "as-uid"} {
		if c.Flags().Changed(name) {
			return true
		}
	}
	return false
}

// clusterAPI is what cluster mode uses of the Kubernetes API: objects
// through a clientset, the kubelet's configuration through the API
// server's node proxy, and exec into the snapshot pod. Tests build one
// around client-go's fake clientset.
type clusterAPI struct {
	client kubernetes.Interface
	// kubelet returns the body of GET /api/v1/nodes/NODE/proxy/PATH: the
	// kubelet's API (configz, stats/summary) through the API server.
	kubelet func(ctx context.Context, node, path string) ([]byte, error)
	// exec runs commands in pods.
	exec podExecutor
	// namespace is the namespace of pod names: -n, or the kubeconfig
	// context's.
	namespace string
}

// podExecutor runs a command in a container of a running pod, as
// kubectl exec does, and streams its standard output and error.
type podExecutor interface {
	Exec(ctx context.Context, namespace, pod, container string, command []string, stdout, stderr io.Writer) error
}

// clusterConnector builds the API access of cluster mode from the flags.
type clusterConnector func(f *clusterFlags) (*clusterAPI, error)

// api connects to the cluster the flags name.
func (f *clusterFlags) api() (*clusterAPI, error) {
	if f.connect != nil {
		return f.connect(f)
	}
	return connectCluster(f)
}

// connectCluster is the real clusterConnector: kubeconfig and flags
// through cli-runtime, a clientset, the node proxy and a WebSocket exec
// that falls back to SPDY, as kubectl exec does.
func connectCluster(f *clusterFlags) (*clusterAPI, error) {
	if h := f.shared; h != nil {
		kf := f.kube
		token, err := h.bearer()
		if err != nil {
			return nil, err
		}
		kf.BearerToken, kf.CertFile, kf.KeyFile, kf.CAFile, kf.Insecure = &token, &h.clientCert, &h.clientKey, &h.caFile, &h.insecureTLS
	}
	loader := f.kube.ToRawKubeConfigLoader()
	if raw, err := loader.RawConfig(); err == nil && len(raw.Clusters) == 0 && (f.kube.APIServer == nil || *f.kube.APIServer == "") {
		return nil, errors.New("no cluster to talk to: cluster mode (pod/NAME, node/NAME, -l, --node, --all-nodes) reads the Kubernetes API; give --kubeconfig, set KUBECONFIG, or give --server")
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	config, err := f.kube.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	config.UserAgent = "kubectl-cgroups/" + currentVersion().Version
	// Several nodes are captured at once, each polled for its pod.
	config.QPS, config.Burst = 50, 100
	// Timeouts are per request (contexts), never on the exec stream.
	config.Timeout = 0
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	return &clusterAPI{
		client:    client,
		namespace: ns,
		kubelet: func(ctx context.Context, node, path string) ([]byte, error) {
			return client.CoreV1().RESTClient().Get().Resource("nodes").Name(node).SubResource("proxy").Suffix(path).DoRaw(ctx)
		},
		exec: &restExecutor{config: config, client: client},
	}, nil
}

// restExecutor is kubectl exec's transport: a WebSocket connection, and
// SPDY when the API server (or a proxy in between) refuses the WebSocket
// upgrade.
type restExecutor struct {
	config *rest.Config
	client kubernetes.Interface
}

func (e *restExecutor) Exec(ctx context.Context, namespace, pod, container string, command []string, stdout, stderr io.Writer) error {
	req := e.client.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: command, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	spdy, err := remotecommand.NewSPDYExecutor(e.config, "POST", req.URL())
	if err != nil {
		return err
	}
	// WebSocket needs GET (RFC 6455). The fallback check must be
	// k8s.io/streaming's: the older apimachinery helper never matches
	// client-go 0.37's errors, so a user allowed only "create" on
	// pods/exec would fail instead of falling back.
	ws, err := remotecommand.NewWebSocketExecutor(e.config, "GET", req.URL().String())
	if err != nil {
		return err
	}
	exec, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return err
	}
	return exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: stdout, Stderr: stderr})
}

// withTimeout bounds one API request.
func (f *clusterFlags) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.requestTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, f.requestTimeout)
}

// resolveRequestTimeout sets requestTimeout from --request-timeout: the
// diff command's duration flag, or kubectl's string flag elsewhere ("0"
// means none; a bare number is seconds, as kubectl reads it).
func (f *clusterFlags) resolveRequestTimeout() error {
	if f.shared != nil {
		f.requestTimeout = f.shared.timeout
		return nil
	}
	if f.kube.Timeout == nil {
		return nil
	}
	s := strings.TrimSpace(*f.kube.Timeout)
	if s == "" || s == "0" {
		return nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		f.requestTimeout = d
		return nil
	}
	var secs int64
	if _, err := fmt.Sscanf(s, "%d", &secs); err == nil && fmt.Sprint(secs) == s {
		f.requestTimeout = time.Duration(secs) * time.Second
		return nil
	}
	return fmt.Errorf("--request-timeout %q: want a duration such as 30s", s)
}

// target is a pod or a node named on the command line.
type target struct {
	kind string // "pod" or "node"
	name string
}

func (t target) String() string { return t.kind + "/" + t.name }

// parseTargets reads pod/NAME, node/NAME and bare names (pods for diff,
// as bareKind says).
func parseTargets(args []string, bareKind string) ([]target, error) {
	var out []target
	for _, a := range args {
		kind, name, ok := strings.Cut(a, "/")
		if !ok {
			kind, name = bareKind, a
		}
		switch strings.ToLower(kind) {
		case "pod", "pods", "po":
			kind = "pod"
		case "node", "nodes", "no":
			kind = "node"
		default:
			return nil, fmt.Errorf("%q: want pod/NAME or node/NAME", a)
		}
		if name == "" || strings.Contains(name, "/") {
			return nil, fmt.Errorf("%q: want pod/NAME or node/NAME", a)
		}
		out = append(out, target{kind: kind, name: name})
	}
	return out, nil
}

// apiError adds what to do to the errors of API requests a user's RBAC
// may not allow, naming the object.
func apiError(err error, what string) error {
	if err == nil {
		return nil
	}
	var hint string
	switch {
	case apierrors.IsForbidden(err):
		hint = " (cluster mode needs the RBAC that " + commandName() + " rbac prints)"
	case apierrors.IsUnauthorized(err):
		hint = " (the API server does not accept these credentials: check --kubeconfig, --context or --token)"
	case errors.Is(err, context.DeadlineExceeded):
		hint = " (no answer in time: --request-timeout)"
	}
	return fmt.Errorf("%s: %w%s", what, err, hint)
}

// stderrTerminal reports whether progress lines may be drawn on w.
func stderrTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
