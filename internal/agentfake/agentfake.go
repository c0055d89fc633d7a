// Package agentfake adapts a client-go clientset (in tests, the fake
// clientset of k8s.io/client-go/kubernetes/fake) to the narrow client the
// node agent uses (qos/agent.Client), so that the agent's own binary never
// links the typed clientset while its tests keep the fake's reactors.
package agentfake

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/util/watchlist"
)

// Client is a clientset seen as qos/agent.Client.
type Client struct {
	// Clientset answers every call.
	Clientset kubernetes.Interface
}

// New adapts c.
func New(c kubernetes.Interface) *Client { return &Client{Clientset: c} }

// ListPods lists the pods of every namespace.
func (c *Client) ListPods(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	return c.Clientset.CoreV1().Pods(metav1.NamespaceAll).List(ctx, opts)
}

// WatchPods watches the pods of every namespace.
func (c *Client) WatchPods(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return c.Clientset.CoreV1().Pods(metav1.NamespaceAll).Watch(ctx, opts)
}

// GetNode reads a Node object.
func (c *Client) GetNode(ctx context.Context, name string) (*corev1.Node, error) {
	return c.Clientset.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
}

// ListEvents lists the Events of every namespace.
func (c *Client) ListEvents(ctx context.Context, opts metav1.ListOptions) (*corev1.EventList, error) {
	return c.Clientset.CoreV1().Events(metav1.NamespaceAll).List(ctx, opts)
}

func (c *Client) sink() *typedcorev1.EventSinkImpl {
	return &typedcorev1.EventSinkImpl{Interface: c.Clientset.CoreV1().Events("")}
}

// Create creates an Event (record.EventSink).
func (c *Client) Create(e *corev1.Event) (*corev1.Event, error) { return c.sink().Create(e) }

// Update replaces an Event (record.EventSink).
func (c *Client) Update(e *corev1.Event) (*corev1.Event, error) { return c.sink().Update(e) }

// Patch patches an Event (record.EventSink).
func (c *Client) Patch(e *corev1.Event, data []byte) (*corev1.Event, error) {
	return c.sink().Patch(e, data)
}

// IsWatchListSemanticsUnSupported tells the agent's informer whether the
// clientset streams watch lists (the fake does not), as client-go's
// generated informers ask it (k8s.io/client-go/util/watchlist).
func (c *Client) IsWatchListSemanticsUnSupported() bool {
	return watchlist.DoesClientNotSupportWatchListSemantics(c.Clientset)
}
