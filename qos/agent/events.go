package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
)

// MaxEventMessage bounds an Event's message: the Events API refuses
// longer notes (1 KiB in events.k8s.io/v1), and a long list of drifted
// files says no more than its first lines.
const MaxEventMessage = 1024

// nodeKey is the announcement key of the node levels (and of cgroups no
// pod explains), whose Events go on the Node object.
const nodeKey = "node"

// announced is the drift an Event last announced for one object: its
// UID (a pod recreated under the same name is another pod) and the
// message ("" once resolved).
type announced struct {
	uid string
	msg string
}

// events turns reports into Events, once per change of drift.
type events struct {
	rec  record.EventRecorder
	node string

	mu        sync.Mutex
	announced map[string]announced // "namespace/name" of pods, or nodeKey
	nodeUID   string
}

// restore reads the Events earlier runs emitted on this node and takes,
// per object, the latest CgroupDrift or CgroupDriftResolved as announced.
func (e *events) restore(ctx context.Context, client Client) error {
	node, err := client.GetNode(ctx, e.node)
	if err == nil {
		e.nodeUID = string(node.UID)
	}
	list, err := client.ListEvents(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("source", Component).String(),
	})
	if err != nil {
		return fmt.Errorf("listing the Events of earlier runs (they may be repeated once): %w", err)
	}
	type latest struct {
		at metav1.Time
		a  announced
	}
	seen := map[string]latest{}
	for i := range list.Items {
		ev := &list.Items[i]
		if ev.Source.Component != Component || ev.Source.Host != e.node ||
			(ev.Reason != ReasonCgroupDrift && ev.Reason != ReasonCgroupDriftResolved) {
			continue
		}
		key := nodeKey
		if ev.InvolvedObject.Kind == "Pod" {
			key = ev.InvolvedObject.Namespace + "/" + ev.InvolvedObject.Name
		}
		at := ev.LastTimestamp
		if at.IsZero() {
			at = metav1.NewTime(ev.EventTime.Time)
		}
		if l, ok := seen[key]; ok && at.Before(&l.at) {
			continue
		}
		a := announced{uid: string(ev.InvolvedObject.UID)}
		if ev.Reason == ReasonCgroupDrift {
			a.msg = ev.Message
		}
		seen[key] = latest{at: at, a: a}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, l := range seen {
		if l.a.msg != "" {
			e.announced[k] = l.a
		}
	}
	return nil
}

// update announces the drift of r that changed since the last
// announcement, and the drift that cleared. refs are the node's pods.
func (e *events) update(r *qos.DiffReport, refs map[string]*corev1.ObjectReference) {
	now := driftLines(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	nodeRef := &corev1.ObjectReference{Kind: "Node", APIVersion: "v1", Name: e.node, UID: types.UID(e.nodeUID)}
	refOf := func(key string) *corev1.ObjectReference {
		if key == nodeKey {
			return nodeRef
		}
		return refs[key]
	}
	keys := make([]string, 0, len(now))
	for k := range now {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		ref := refOf(key)
		if ref == nil {
			continue // a pod the report names but the watch no longer holds
		}
		msg := eventMessage(now[key])
		if prev, ok := e.announced[key]; ok && prev.msg == msg && prev.uid == string(ref.UID) {
			continue
		}
		e.rec.Event(ref, corev1.EventTypeWarning, ReasonCgroupDrift, msg)
		e.announced[key] = announced{uid: string(ref.UID), msg: msg}
	}
	for key, prev := range e.announced {
		if _, still := now[key]; still {
			continue
		}
		delete(e.announced, key)
		ref := refOf(key)
		if ref == nil || string(ref.UID) != prev.uid {
			continue // the pod went: nothing to resolve on it
		}
		e.rec.Event(ref, corev1.EventTypeNormal, ReasonCgroupDriftResolved, "the cgroups hold again what the pod's spec explains")
	}
}

// driftLines returns, per pod ("namespace/name") or nodeKey, one line per
// unexplained result (drift, missing, unexpected), sorted.
func driftLines(r *qos.DiffReport) map[string][]string {
	out := map[string][]string{}
	for _, res := range r.Results {
		if !isDrift(res.Status) {
			continue
		}
		key := nodeKey
		if res.ResultCgroup != nil && res.Pod != "" {
			key = res.Pod
		}
		out[key] = append(out[key], driftLine(res))
	}
	for _, lines := range out {
		slices.Sort(lines)
	}
	return out
}

// isDrift reports whether a status is a difference the spec does not
// explain (errors reading a file are counted apart).
func isDrift(s qos.Status) bool {
	return s == qos.StatusDrift || s == qos.StatusMissing || s == qos.StatusUnexpected
}

// where names a result's cgroup for a human: "container app", "pod",
// "sandbox", "kubepods", "burstable", or a path.
func where(res qos.DiffResult) string {
	if res.ResultCgroup == nil {
		return "node"
	}
	switch {
	case res.ContainerType == qos.ContainerSandbox:
		return "sandbox"
	case res.Container != "":
		return string(res.ContainerType) + " container " + res.Container
	case res.Pod != "" && string(res.Level) == "pod":
		return "pod"
	case res.Pod == "" && res.UID != "":
		return "pod cgroup " + res.Path
	}
	return string(res.Level) + " " + res.Path
}

// driftLine says one difference in one line: "app container web
// cpu.shares: expected 512, found 1024".
func driftLine(res qos.DiffResult) string {
	if res.File == "" {
		return fmt.Sprintf("%s: cgroup %s", where(res), res.Status)
	}
	found := fmt.Sprintf("%q", res.Actual)
	if res.Status == qos.StatusMissing {
		found = "no file"
	}
	return fmt.Sprintf("%s %s: expected %s, found %s", where(res), res.File, strings.Join(res.Expected, " or "), found)
}

// eventMessage joins the lines, bounded by MaxEventMessage.
func eventMessage(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		sep := ""
		if i > 0 {
			sep = "; "
		}
		more := fmt.Sprintf("; and %d more", len(lines)-i)
		if b.Len()+len(sep)+len(l) > MaxEventMessage-len(more) {
			b.WriteString(more)
			break
		}
		b.WriteString(sep)
		b.WriteString(l)
	}
	return b.String()
}
