package agent

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
)

// TestRESTClient: the agent's own client asks the API server what the
// typed clientset would (paths, selectors, protobuf preferred for reads,
// a strategic merge patch for Events) and decodes the answers.
func TestRESTClient(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	pod := corev1.Pod{TypeMeta: metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"}, ObjectMeta: metav1.ObjectMeta{Name: "p1", Namespace: "default", UID: "uid-1"}, Spec: corev1.PodSpec{NodeName: "n1"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		line := r.Method + " " + r.URL.Path
		if q := r.URL.RawQuery; q != "" {
			line += "?" + q
		}
		if strings.Contains(r.Header.Get("Accept"), "protobuf") {
			line += " (protobuf preferred)"
		}
		if ct := r.Header.Get("Content-Type"); r.Method == http.MethodPatch {
			line += " " + ct
		}
		asked = append(asked, line)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		switch {
		case r.URL.Path == "/api/v1/pods" && r.URL.Query().Get("watch") == "true":
			_ = enc.Encode(map[string]any{"type": "ADDED", "object": pod})
		case r.URL.Path == "/api/v1/pods":
			_ = enc.Encode(corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, Items: []corev1.Pod{pod}})
		case r.URL.Path == "/api/v1/nodes/n1":
			_ = enc.Encode(corev1.Node{TypeMeta: metav1.TypeMeta{Kind: "Node", APIVersion: "v1"}, ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "node-uid"}})
		case r.URL.Path == "/api/v1/nodes/n1/proxy/configz":
			_, _ = io.WriteString(w, `{"kubeletconfig":{}}`)
		case r.URL.Path == "/api/v1/events":
			_ = enc.Encode(corev1.EventList{TypeMeta: metav1.TypeMeta{Kind: "EventList", APIVersion: "v1"}, Items: []corev1.Event{{ObjectMeta: metav1.ObjectMeta{Name: "e0"}, Reason: ReasonCgroupDrift}}})
		case strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/default/events"):
			var ev corev1.Event
			if r.Method != http.MethodPatch {
				_ = json.Unmarshal(body, &ev)
			} else {
				ev.Name, ev.Message = "e1", string(body)
			}
			ev.TypeMeta = metav1.TypeMeta{Kind: "Event", APIVersion: "v1"}
			_ = enc.Encode(ev)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := NewClient(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sel := metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", "n1").String()}
	pods, err := c.ListPods(ctx, sel)
	if err != nil || len(pods.Items) != 1 || pods.Items[0].UID != "uid-1" {
		t.Fatalf("ListPods: %+v, %v", pods, err)
	}
	w, err := c.WatchPods(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	ev := <-w.ResultChan()
	w.Stop()
	if p, ok := ev.Object.(*corev1.Pod); ev.Type != watch.Added || !ok || p.Name != "p1" {
		t.Errorf("watch event %s %T", ev.Type, ev.Object)
	}
	node, err := c.GetNode(ctx, "n1")
	if err != nil || node.UID != "node-uid" {
		t.Fatalf("GetNode: %+v, %v", node, err)
	}
	events, err := c.ListEvents(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("source", Component).String()})
	if err != nil || len(events.Items) != 1 || events.Items[0].Reason != ReasonCgroupDrift {
		t.Fatalf("ListEvents: %+v, %v", events, err)
	}
	created, err := c.Create(&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e1", Namespace: "default"}, Message: "drift"})
	if err != nil || created.Message != "drift" {
		t.Fatalf("Create: %+v, %v", created, err)
	}
	if _, err := c.Update(&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e1", Namespace: "default"}}); err != nil {
		t.Fatal(err)
	}
	patched, err := c.Patch(&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e1", Namespace: "default"}}, []byte(`{"count":2}`))
	if err != nil || patched.Message != `{"count":2}` {
		t.Fatalf("Patch: %+v, %v", patched, err)
	}
	body, err := c.Kubelet(ctx, "n1", "configz")
	if err != nil || string(body) != `{"kubeletconfig":{}}` {
		t.Fatalf("Kubelet: %q, %v", body, err)
	}
	want := []string{
		"GET /api/v1/pods?fieldSelector=spec.nodeName%3Dn1 (protobuf preferred)",
		"GET /api/v1/pods?fieldSelector=spec.nodeName%3Dn1&watch=true (protobuf preferred)",
		"GET /api/v1/nodes/n1 (protobuf preferred)",
		"GET /api/v1/events?fieldSelector=source%3Dkubecgroups-agent (protobuf preferred)",
		"POST /api/v1/namespaces/default/events",
		"PUT /api/v1/namespaces/default/events/e1",
		"PATCH /api/v1/namespaces/default/events/e1 application/strategic-merge-patch+json",
		"GET /api/v1/nodes/n1/proxy/configz",
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(asked, "\n") != strings.Join(want, "\n") {
		t.Errorf("asked:\n%s\nwant:\n%s", strings.Join(asked, "\n"), strings.Join(want, "\n"))
	}
}
