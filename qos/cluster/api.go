package cluster

import (
	"context"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/streaming/pkg/httpstream"
)

// API is what this package uses of the Kubernetes API: objects through
// a clientset, the kubelet's API through the API server's node proxy, and
// exec into pods. NewAPI builds one from a rest.Config; tests build one
// around client-go's fake clientset.
type API struct {
	// Client reads and writes API objects.
	Client kubernetes.Interface
	// Kubelet returns the body of GET /api/v1/nodes/NODE/proxy/PATH: the
	// kubelet's API (configz, stats/summary) through the API server.
	Kubelet func(ctx context.Context, node, path string) ([]byte, error)
	// Exec runs commands in pods.
	Exec PodExecutor
}

// PodExecutor runs a command in a container of a running pod, as kubectl
// exec does, and streams its standard output and error.
type PodExecutor interface {
	Exec(ctx context.Context, namespace, pod, container string, command []string, stdout, stderr io.Writer) error
}

// NewAPI builds the API access for a rest.Config: a clientset, the node
// proxy, and a WebSocket exec that falls back to SPDY, as kubectl exec
// does. Timeouts belong in contexts: config.Timeout would also cut the
// exec stream.
func NewAPI(config *rest.Config) (*API, error) {
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	return &API{
		Client: client,
		Kubelet: func(ctx context.Context, node, path string) ([]byte, error) {
			return client.CoreV1().RESTClient().Get().Resource("nodes").Name(node).SubResource("proxy").Suffix(path).DoRaw(ctx)
		},
		Exec: &restExecutor{config: config, client: client},
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

// Names lists the names of the nodes (kind "node", "nodes" or "no") or
// of the pods in namespace (kind "pod", "pods" or "po"; namespace ""
// is "default"), as shell completion offers them. Another kind lists
// nothing.
func (a *API) Names(ctx context.Context, kind, namespace string) ([]string, error) {
	var out []string
	switch strings.ToLower(kind) {
	case "node", "nodes", "no":
		list, err := a.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, n := range list.Items {
			out = append(out, n.Name)
		}
	case "pod", "pods", "po":
		if namespace == "" {
			namespace = metav1.NamespaceDefault
		}
		list, err := a.Client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, p := range list.Items {
			out = append(out, p.Name)
		}
	}
	return out, nil
}
