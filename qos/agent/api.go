package agent

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
)

// Client is what the agent reads and writes of the Kubernetes API: the
// pods (in every namespace; the agent narrows them to its node with a
// field selector), its Node object, and the Events (record.EventSink
// creates and updates them; ListEvents finds those of earlier runs).
// NewClient builds one from a rest.Config; tests adapt client-go's fake
// clientset.
type Client interface {
	ListPods(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error)
	WatchPods(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	GetNode(ctx context.Context, name string) (*corev1.Node, error)
	ListEvents(ctx context.Context, opts metav1.ListOptions) (*corev1.EventList, error)
	record.EventSink
}

// RESTClient is the Client of a real API server: a REST client of the
// core/v1 group over a scheme that holds only core/v1 (and meta/v1), so
// that the agent does not register every API group at start-up as
// client-go's typed clientset (k8s.io/client-go/kubernetes) does. Its
// requests are the clientset's (k8s.io/client-go/kubernetes/typed/core/v1
// and gentype, v0.37.2): protobuf for reads, JSON for Event writes.
type RESTClient struct {
	rest   *rest.RESTClient
	params runtime.ParameterCodec
}

// coreScheme holds the core/v1 types and the meta/v1 options (unversioned
// as well, as client-go's scheme package registers them for the
// parameter codec).
var coreScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	if err := corev1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// NewClient builds a RESTClient for config (which it copies).
func NewClient(config *rest.Config) (*RESTClient, error) {
	c := rest.CopyConfig(config)
	gv := corev1.SchemeGroupVersion
	c.GroupVersion = &gv
	c.APIPath = "/api"
	c.NegotiatedSerializer = rest.CodecFactoryForGeneratedClient(coreScheme, serializer.NewCodecFactory(coreScheme)).WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	rc, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("API client for %s: %w", config.Host, err)
	}
	return &RESTClient{rest: rc, params: runtime.NewParameterCodec(coreScheme)}, nil
}

// ListPods lists the pods of every namespace.
func (c *RESTClient) ListPods(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	list := &corev1.PodList{}
	err := c.rest.Get().UseProtobufAsDefault().Resource("pods").VersionedParams(&opts, c.params).Timeout(timeout(opts)).Do(ctx).Into(list)
	return list, err
}

// WatchPods watches the pods of every namespace.
func (c *RESTClient) WatchPods(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	return c.rest.Get().UseProtobufAsDefault().Resource("pods").VersionedParams(&opts, c.params).Timeout(timeout(opts)).Watch(ctx)
}

// GetNode reads a Node object.
func (c *RESTClient) GetNode(ctx context.Context, name string) (*corev1.Node, error) {
	n := &corev1.Node{}
	err := c.rest.Get().UseProtobufAsDefault().Resource("nodes").Name(name).VersionedParams(&metav1.GetOptions{}, c.params).Do(ctx).Into(n)
	return n, err
}

// ListEvents lists the Events of every namespace.
func (c *RESTClient) ListEvents(ctx context.Context, opts metav1.ListOptions) (*corev1.EventList, error) {
	list := &corev1.EventList{}
	err := c.rest.Get().UseProtobufAsDefault().Resource("events").VersionedParams(&opts, c.params).Timeout(timeout(opts)).Do(ctx).Into(list)
	return list, err
}

// Create creates an Event in its namespace (record.EventSink).
func (c *RESTClient) Create(event *corev1.Event) (*corev1.Event, error) {
	out := &corev1.Event{}
	err := c.rest.Post().NamespaceIfScoped(event.Namespace, event.Namespace != "").Resource("events").Body(event).Do(context.Background()).Into(out)
	return out, err
}

// Update replaces an Event (record.EventSink).
func (c *RESTClient) Update(event *corev1.Event) (*corev1.Event, error) {
	out := &corev1.Event{}
	err := c.rest.Put().NamespaceIfScoped(event.Namespace, event.Namespace != "").Resource("events").Name(event.Name).Body(event).Do(context.Background()).Into(out)
	return out, err
}

// Patch applies a strategic merge patch to an Event (record.EventSink).
func (c *RESTClient) Patch(event *corev1.Event, data []byte) (*corev1.Event, error) {
	out := &corev1.Event{}
	err := c.rest.Patch(types.StrategicMergePatchType).NamespaceIfScoped(event.Namespace, event.Namespace != "").Resource("events").Name(event.Name).Body(data).Do(context.Background()).Into(out)
	return out, err
}

// Kubelet returns the body of GET /api/v1/nodes/NODE/proxy/PATH: the
// kubelet's API (configz, stats/summary) through the API server's node
// proxy, for Options.Kubelet.
func (c *RESTClient) Kubelet(ctx context.Context, node, path string) ([]byte, error) {
	return c.rest.Get().Resource("nodes").Name(node).SubResource("proxy").Suffix(path).DoRaw(ctx)
}

// timeout is the request timeout a list or watch asks for, as client-go's
// generated clients set it.
func timeout(opts metav1.ListOptions) (d time.Duration) {
	if opts.TimeoutSeconds != nil {
		d = time.Duration(*opts.TimeoutSeconds) * time.Second
	}
	return d
}
