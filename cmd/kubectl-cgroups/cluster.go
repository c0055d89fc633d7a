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
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/safetext"

	"github.com/kubecgroups/kubecgroups/qos/agent"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// clusterFlags are the flags of cluster mode shared by diff, inspect,
// snapshot and cleanup: kubectl's global flags, and where and how the
// snapshot pod runs.
type clusterFlags struct {
	// via is how nodes are read: "agent", "pod" or "auto";
	// agentNamespace is where the agents run.
	via            string
	agentNamespace string
	kube           *genericclioptions.ConfigFlags
	image          string
	namespace      string
	timeout        time.Duration
	// runID labels this run's snapshot pods (cluster.SnapshotRunIDLabel);
	// set once by checkFlags.
	runID string
	// requestTimeout bounds each API request (not the exec stream); 0
	// means no bound.
	requestTimeout time.Duration
	// connect builds the API access; nil means connectCluster. Tests
	// substitute fakes.
	connect clusterConnector
}

// addFlags registers kubectl's global flags (they always mean the API
// server) and the snapshot pod flags.
func (f *clusterFlags) addFlags(c *cobra.Command) {
	f.kube = genericclioptions.NewConfigFlags(false)
	f.kube.AddFlags(c.Flags())
	f.addSnapshotPodFlags(c)
}

// addSnapshotPodFlags registers the flags of the snapshot pod.
func (f *clusterFlags) addSnapshotPodFlags(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.image, "image", cluster.DefaultImage, "Image of the snapshot pod (cluster mode): any image with a POSIX shell, find, xargs, grep, awk and tar with gzip, such as busybox. NAME:TAG, NAME@sha256:DIGEST or NAME:TAG@sha256:DIGEST (pulled by digest); the default is busybox 1.37.0 pinned by digest. The admission policy of \"rbac --snapshot-pods\" admits only the images the cluster admin listed.")
	fl.StringVar(&f.namespace, "snapshot-namespace", cluster.DefaultNamespace, "Namespace of the snapshot pod (cluster mode): \"rbac --snapshot-pods\" creates it with the admission policy that admits only the snapshot pod there.")
	fl.StringVar(&f.via, "via", "auto", "How cluster mode reads a node: agent (the node agent, through the pod proxy: its latest report for diff, its snapshot for inspect and snapshot; no pod creation), pod (a snapshot pod) or auto (the agent where one runs, else a snapshot pod).")
	fl.StringVar(&f.agentNamespace, "agent-namespace", agent.DefaultNamespace, "Namespace of the node agents (see \"agent manifests\").")
	fl.DurationVar(&f.timeout, "snapshot-timeout", cluster.DefaultSnapshotTimeout, "Time limit for one node's snapshot pod to start and stream its archive (cluster mode). The pod's activeDeadlineSeconds is this plus "+cluster.SnapshotPodGrace.String()+": the kubelet stops it then, whatever happened to this command.")
}

// clusterChanged reports whether any flag of cluster mode was given.
func clusterChanged(c *cobra.Command) bool {
	for _, name := range []string{"image", "snapshot-namespace", "snapshot-timeout", "via", "agent-namespace", "kubeconfig", "context", "cluster", "user", "namespace", "server", "as", "as-group", "as-uid"} {
		if c.Flags().Changed(name) {
			return true
		}
	}
	return false
}

// clusterAPI is the Kubernetes API access of cluster mode
// (cluster.API) and the namespace of pod names: -n, or the kubeconfig
// context's. Tests build one around client-go's fake clientset.
type clusterAPI struct {
	*cluster.API
	namespace string
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
	api, err := cluster.NewAPI(config)
	if err != nil {
		return nil, err
	}
	return &clusterAPI{API: api, namespace: ns}, nil
}

// reader returns the snapshot-pod reader of the flags over api.
func (f *clusterFlags) reader(api *clusterAPI) *cluster.Reader {
	return cluster.NewReader(api.API, cluster.Options{
		Namespace: f.namespace, Image: f.image, SnapshotTimeout: f.timeout, RequestTimeout: f.requestTimeout, RunID: f.runID,
		ToolVersion: toolVersion(), CommandName: commandName(),
	})
}

// warnLeftovers tells w about snapshot pods that earlier runs left
// behind (best effort).
func (f *clusterFlags) warnLeftovers(ctx context.Context, api *clusterAPI, w io.Writer) {
	if msg := f.reader(api).LeftoverWarning(ctx); msg != "" {
		fmt.Fprintln(w, safetext.EscapeLines(msg))
	}
}

// source is the node agents as a report source, unless --via pod.
func (f *clusterFlags) source(api *clusterAPI) (cluster.NodeSource, bool) {
	if f.via == "pod" {
		return nil, false
	}
	return cluster.AgentSource{Client: api.Client, Namespace: f.agentNamespace}, f.via == "agent"
}

// readNode reads node's snapshot as --via says, warning w about
// leftover snapshot pods before it creates one.
func (f *clusterFlags) readNode(ctx context.Context, api *clusterAPI, node string, capture cgroupfs.NodeOptions, description string, w io.Writer) (*cluster.NodeSnapshot, error) {
	return f.reader(api).ReadNode(ctx, node, cluster.ReadNodeOptions{
		Via: cluster.Via(f.via), AgentNamespace: f.agentNamespace, Capture: capture, Description: description,
		Warn: warnTo(w), BeforePod: func() { f.warnLeftovers(ctx, api, w) },
	})
}

// warnTo returns a warning sink that writes each warning as a line to w.
func warnTo(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintln(w, safetext.EscapeLines(msg)) }
}

// checkFlags checks the snapshot pod's flags, resolves
// --request-timeout and picks the run ID.
func (f *clusterFlags) checkFlags() error {
	if _, err := cluster.ParseVia(f.via); err != nil {
		return fmt.Errorf("--via %w", err)
	}
	if err := cluster.ValidateImage(f.image); err != nil {
		return fmt.Errorf("--image: %w", err)
	}
	if max := cluster.MaxSnapshotPodLifetime - cluster.SnapshotPodGrace; f.timeout <= 0 || f.timeout > max {
		return fmt.Errorf("--snapshot-timeout %s: want more than 0 and at most %s (a snapshot pod lives at most %s)", f.timeout, max, cluster.MaxSnapshotPodLifetime)
	}
	if f.runID == "" {
		f.runID = cluster.NewRunID()
	}
	return f.resolveRequestTimeout()
}

// resolveRequestTimeout sets requestTimeout from kubectl's
// --request-timeout ("0" means none; a bare number is seconds, as kubectl
// reads it).
func (f *clusterFlags) resolveRequestTimeout() error {
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
