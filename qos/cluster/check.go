package cluster

// Diffing nodes through the API: which nodes a request involves (Plan),
// and each node read by a snapshot pod and diffed as a snapshot with the
// node's complete pod list (CheckNode, CheckNodes), in one DiffReportList.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// KindDiffReportList is the kind of a DiffReportList document: one
// DiffReport per node (`kubectl-cgroups diff -o json` in cluster mode).
const KindDiffReportList = "DiffReportList"

// NodePlan is one node to check and what to report of it.
type NodePlan struct {
	// Name is the node's name.
	Name string
	// Pods are the pods asked for ("namespace/name"), reported alone;
	// nil reports every pod of the node.
	Pods []string
}

// DiffReportList is the report on several nodes: one DiffReport per
// node checked, and the nodes that could not be.
type DiffReportList struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Summary    ListSummary      `json:"summary"`
	Items      []NodeDiffReport `json:"items"`
	// Failed are the nodes that could not be checked, with the reason.
	Failed []NodeProblem `json:"failed,omitempty"`
	// Skipped are nodes --all-nodes left out (not Linux).
	Skipped []NodeProblem `json:"skipped,omitempty"`
}

// ListSummary counts nodes and, over every item, results.
type ListSummary struct {
	// Nodes are the nodes involved; Checked, Failed and Skipped divide
	// them.
	Nodes   int `json:"nodes"`
	Checked int `json:"checked"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	qos.DiffSummary
}

// DriftOnly returns a copy of l whose reports hold only the results with
// unexplained differences (DiffReport.DriftOnly); l is not changed.
func (l *DiffReportList) DriftOnly() *DiffReportList {
	out := *l
	out.Items = make([]NodeDiffReport, len(l.Items))
	for i, it := range l.Items {
		if it.DiffReport != nil {
			it.DiffReport = it.DiffReport.DriftOnly()
		}
		out.Items[i] = it
	}
	return &out
}

// NodeDiffReport is one node's DiffReport with the node it is about.
type NodeDiffReport struct {
	// NodeName is the node's name.
	NodeName string `json:"nodeName"`
	// Scope is "node" (every pod of the node) or "pods" (only Pods; the
	// node-level cgroups are left out).
	Scope string   `json:"scope"`
	Pods  []string `json:"pods,omitempty"`
	// CapturedAt is when the snapshot pod read the cgroups (the node's
	// clock).
	CapturedAt *time.Time `json:"capturedAt,omitempty"`
	// SnapshotPod is the pod that read the node ("namespace/name").
	SnapshotPod string `json:"snapshotPod"`
	*qos.DiffReport
}

// NodeProblem is a node that was not checked, and why.
type NodeProblem struct {
	// NodeName is the node's name; Error says why.
	NodeName string `json:"nodeName"`
	Error    string `json:"error"`
}

// planCluster turns the targets into the nodes to read: every node of
// --all-nodes (Linux ones; the others are returned as skipped), of
// --node and node/NAME (all their pods), and the nodes of the pods named
// or selected (those pods only, unless their node was asked for too).
// PlanOptions say what a check involves: pods by name (in Namespace) or
// by label selector, nodes by name, or every node.
type PlanOptions struct {
	// Pods are pod names in Namespace.
	Pods []string
	// Namespace is the namespace of Pods and of Selector without
	// AllNamespaces ("default" when empty).
	Namespace string
	// Selector selects pods by label; AllNamespaces in every namespace.
	Selector      string
	AllNamespaces bool
	// Nodes are node names: every pod of each is checked.
	Nodes []string
	// AllNodes checks every Linux node.
	AllNodes bool
}

// Plan turns a request into the nodes to read: every node of AllNodes
// (Linux ones; the others are returned as skipped), of Nodes (all their
// pods), and the nodes of the pods named or selected (those pods only,
// unless their node was asked for too), sorted by name.
func (r *Reader) Plan(ctx context.Context, o PlanOptions) ([]NodePlan, []NodeProblem, error) {
	cd := &o
	whole := map[string]bool{}
	podsOf := map[string][]string{}
	var skipped []NodeProblem
	if cd.AllNodes {
		rctx, cancel := r.withTimeout(ctx)
		nodes, err := r.api.Client.CoreV1().Nodes().List(rctx, metav1.ListOptions{})
		cancel()
		if err != nil {
			return nil, nil, r.APIError(err, "listing the nodes")
		}
		for i := range nodes.Items {
			n := &nodes.Items[i]
			if !IsLinuxNode(n) {
				skipped = append(skipped, NodeProblem{NodeName: n.Name, Error: fmt.Sprintf("node %s runs %s: the snapshot pod reads Linux cgroups", n.Name, n.Labels[corev1.LabelOSStable])})
				continue
			}
			whole[n.Name] = true
		}
		if len(whole) == 0 {
			return nil, nil, errors.New("--all-nodes: the cluster has no Linux node")
		}
	}
	for _, n := range cd.Nodes {
		if n = strings.TrimSpace(n); n != "" {
			whole[n] = true
		}
	}
	ns := o.Namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	add := func(p *corev1.Pod) error {
		if p.Spec.NodeName == "" {
			return fmt.Errorf("pod %s/%s is not scheduled to a node yet (phase %s)", p.Namespace, p.Name, p.Status.Phase)
		}
		key := p.Namespace + "/" + p.Name
		if !slices.Contains(podsOf[p.Spec.NodeName], key) {
			podsOf[p.Spec.NodeName] = append(podsOf[p.Spec.NodeName], key)
		}
		return nil
	}
	for _, name := range o.Pods {
		rctx, cancel := r.withTimeout(ctx)
		p, err := r.api.Client.CoreV1().Pods(ns).Get(rctx, name, metav1.GetOptions{})
		cancel()
		if apierrors.IsNotFound(err) {
			return nil, nil, &PodNotFoundError{Namespace: ns, Name: name}
		}
		if err != nil {
			return nil, nil, r.APIError(err, fmt.Sprintf("reading pod %s/%s", ns, name))
		}
		if err := add(p); err != nil {
			return nil, nil, err
		}
	}
	if cd.Selector != "" {
		lns, where := ns, "namespace "+ns
		if cd.AllNamespaces {
			lns, where = metav1.NamespaceAll, "any namespace"
		}
		rctx, cancel := r.withTimeout(ctx)
		list, err := r.api.Client.CoreV1().Pods(lns).List(rctx, metav1.ListOptions{LabelSelector: cd.Selector})
		cancel()
		if err != nil {
			return nil, nil, r.APIError(err, fmt.Sprintf("listing the pods of -l %s in %s", cd.Selector, where))
		}
		n := 0
		for i := range list.Items {
			if list.Items[i].Spec.NodeName == "" {
				continue // not scheduled: no cgroups anywhere yet
			}
			n++
			_ = add(&list.Items[i])
		}
		if n == 0 {
			return nil, nil, fmt.Errorf("no scheduled pod matches -l %s in %s", cd.Selector, where)
		}
	}
	var plans []NodePlan
	for _, name := range slices.Sorted(maps.Keys(whole)) {
		plans = append(plans, NodePlan{Name: name})
	}
	for _, name := range slices.Sorted(maps.Keys(podsOf)) {
		if !whole[name] {
			pods := podsOf[name]
			slices.Sort(pods)
			plans = append(plans, NodePlan{Name: name, Pods: pods})
		}
	}
	slices.SortFunc(plans, func(a, b NodePlan) int { return strings.Compare(a.Name, b.Name) })
	return plans, skipped, nil
}

// CheckOptions configure CheckNode and CheckNodes.
type CheckOptions struct {
	// Node selects the kubepods cgroup (driver, cgroupRoot).
	Node cgroupfs.NodeOptions
	// Overrides win over what the nodes show (qos.CheckOptions).
	Overrides qos.Overrides
	// Defaulting selects the pods that get the API server's defaulting
	// (qos.CheckOptions); the pods come from the API server, so the zero
	// value (auto) defaults none.
	Defaulting qos.Defaulting
	// Effects reports what the limits do to the workload from the
	// kernel's counters (qos.CheckOptions.Effects); nil does not.
	Effects *qos.EffectsOptions
	// MaxConcurrency bounds how many nodes CheckNodes reads at once
	// (DefaultMaxConcurrency when 0, at most MaxConcurrency).
	MaxConcurrency int
	// Warn receives warnings; nil drops them.
	Warn func(msg string)
	// Source, when set, is asked for a node's report first (a node
	// agent); when it has none for the node (an error matching
	// ErrNoSource) and SourceOnly is false, the node is read with a
	// snapshot pod.
	Source     NodeSource
	SourceOnly bool
	// Skipped are nodes the plan left out (Plan's second result):
	// CheckNodes records them in the list and its summary.
	Skipped []NodeProblem
	// Started and Done are called around each node CheckNodes reads
	// (progress); nil does nothing. They may be called concurrently.
	Started func()
	Done    func(failed bool)
}

// NodeSource gives the latest report of a node read by something that
// watches it (the node agent, package qos/agent), and who read it
// ("namespace/name" of the agent pod).
type NodeSource interface {
	NodeReport(ctx context.Context, node string) (report *qos.DiffReport, by string, err error)
}

// ErrNoSource is returned (wrapped) by a NodeSource that has no report
// for a node (no agent runs there).
var ErrNoSource = errors.New("no report source for the node")

// DefaultMaxConcurrency and MaxConcurrency bound CheckNodes' parallel
// node reads: each holds a node's archive and expectation in memory.
const (
	DefaultMaxConcurrency = 5
	MaxConcurrency        = 20
)

// CheckNodes checks the planned nodes, at most o.MaxConcurrency at once,
// and collects one report per node checked and the failures. A cancelled
// ctx fails the nodes not yet read.
func (r *Reader) CheckNodes(ctx context.Context, plans []NodePlan, o CheckOptions) *DiffReportList {
	list := &DiffReportList{APIVersion: qos.APIVersion, Kind: KindDiffReportList}
	items := make([]*NodeDiffReport, len(plans))
	errs := make([]error, len(plans))
	n := o.MaxConcurrency
	switch {
	case n <= 0:
		n = DefaultMaxConcurrency
	case n > MaxConcurrency:
		n = MaxConcurrency
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, plan := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = fmt.Errorf("node %s: %w", plan.Name, ctx.Err())
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = fmt.Errorf("node %s: %w", plan.Name, ctx.Err())
				return
			}
			if o.Started != nil {
				o.Started()
			}
			items[i], errs[i] = r.CheckNode(ctx, plan, o)
			if o.Done != nil {
				o.Done(errs[i] != nil)
			}
		}()
	}
	wg.Wait()
	list.Summary.Nodes = len(plans)
	for i, plan := range plans {
		if errs[i] != nil {
			msg := errs[i].Error()
			if !strings.HasPrefix(msg, "node "+plan.Name+":") {
				msg = "node " + plan.Name + ": " + msg
			}
			list.Failed = append(list.Failed, NodeProblem{NodeName: plan.Name, Error: msg})
			continue
		}
		list.Items = append(list.Items, *items[i])
		list.Summary.DiffSummary.Add(items[i].Summary)
	}
	list.Summary.Checked = len(list.Items)
	list.Summary.Failed = len(list.Failed)
	list.Skipped = o.Skipped
	list.Summary.Skipped = len(o.Skipped)
	list.Summary.Nodes += len(o.Skipped)
	return list
}

// NoneChecked returns an error when no node could be checked: the one
// node's error, or every node's; nil when some node was checked.
func (l *DiffReportList) NoneChecked() error {
	if l.Summary.Checked > 0 {
		return nil
	}
	var msgs []string
	for _, p := range l.Failed {
		msgs = append(msgs, p.Error)
	}
	if len(msgs) == 1 {
		return errors.New(msgs[0])
	}
	return fmt.Errorf("no node could be checked:\n  %s", strings.Join(msgs, "\n  "))
}

// CheckNode reads one node (Gather with its pods and /configz) and diffs
// it as a snapshot with the node's complete pod list; with plan.Pods the
// report keeps those pods' results only, and says which asked-for pods
// had left the node.
func (r *Reader) CheckNode(ctx context.Context, plan NodePlan, o CheckOptions) (*NodeDiffReport, error) {
	if o.Source != nil {
		report, by, err := o.Source.NodeReport(ctx, plan.Name)
		switch {
		case err == nil:
			return scoped(plan, report, by, nil), nil
		case o.SourceOnly || !errors.Is(err, ErrNoSource):
			return nil, err
		}
	}
	g, err := r.Gather(ctx, plan.Name, GatherOptions{Warn: o.Warn, Pods: true, Configz: true, Capture: o.Node})
	if err != nil {
		return nil, err
	}
	facts, notes := g.Facts()
	result, err := qos.Check(qos.CheckOptions{
		Node: o.Node, Snapshot: g.Snapshot,
		Pods:            g.Pods,
		PodsSource:      fmt.Sprintf("the API server: %d pods with spec.nodeName=%s", len(g.Pods), plan.Name),
		CompletePodList: true, PodsFromAPIServer: true, Defaulting: o.Defaulting,
		Facts: facts, Overrides: o.Overrides, Notes: notes, Effects: o.Effects,
	})
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", plan.Name, cgroupfs.KubepodsHint(err))
	}
	report := result.Report
	if g.ConfigzErr != nil && o.Overrides.KubeletConfig == nil {
		report.ProfileSources["kubelet"] = "default (the kubelet's /configz could not be read)"
	}

	// A resize in flight is news even when every file matches (a
	// Deferred resize keeps the allocated values, which match).
	for _, pe := range result.Expectation.Pods {
		key := pe.Namespace + "/" + pe.Name
		if pe.Resize.State.Active() && (plan.Pods == nil || slices.Contains(plan.Pods, key)) {
			report.Notes = append(report.Notes, resizeNote(key, pe.Resize))
		}
	}
	onNode := map[string]bool{}
	for _, p := range g.Pods {
		onNode[p.Namespace+"/"+p.Name] = true
	}
	item := scoped(plan, report, g.SnapshotPod.Namespace+"/"+g.SnapshotPod.Name, onNode)
	if at := g.Snapshot.Info.CapturedAt; !at.IsZero() {
		item.CapturedAt = &at
	}
	return item, nil
}

// scoped makes a node's report the item of a list: with plan.Pods, only
// those pods' results, and a note for each that was not on the node
// (onNode, "namespace/name"; nil: the pods the report has results for).
func scoped(plan NodePlan, report *qos.DiffReport, by string, onNode map[string]bool) *NodeDiffReport {
	scope := "node"
	if plan.Pods != nil {
		scope = "pods"
		if onNode == nil {
			onNode = map[string]bool{}
			for _, res := range report.Results {
				if res.ResultCgroup != nil && res.Pod != "" {
					onNode[res.Pod] = true
				}
			}
		}
		for _, want := range plan.Pods {
			if !onNode[want] {
				report.Notes = append(report.Notes, qos.Note{Reason: qos.ReasonPodGone, Message: fmt.Sprintf("pod %s was no longer on node %s when its cgroups were read", want, plan.Name)})
			}
		}
		qos.FilterReport(report, func(res qos.DiffResult) bool { return slices.Contains(plan.Pods, res.Pod) })
		if report.ProfileSources == nil {
			report.ProfileSources = qos.ProfileSources{}
		}
		report.ProfileSources["pods"] += "; this report shows " + strings.Join(plan.Pods, ", ")
	}
	return &NodeDiffReport{NodeName: plan.Name, Scope: scope, Pods: plan.Pods, SnapshotPod: by, DiffReport: report}
}

// resizeNote says that a pod's in-place resize is not done: pending (the
// kubelet has not admitted it: Deferred, Infeasible) or in progress (not
// yet actuated), so its cgroups hold the allocated or the previous values.
func resizeNote(pod string, st qos.ResizeState) qos.Note {
	why := ""
	if st.Reason != "" || st.Message != "" {
		why = " (" + strings.TrimSpace(st.Reason+": "+st.Message) + ")"
		why = strings.Replace(why, "(: ", "(", 1)
	}
	reason, msg := qos.ReasonResizePending, "a resize is pending%s: its cgroups keep the allocated resources until the kubelet admits it"
	if st.State.InProgress() {
		reason, msg = qos.ReasonResizeInProgress, "a resize is in progress%s: its cgroups may still hold the previous resources until the kubelet has written the new ones"
	}
	return qos.Note{Reason: reason, Message: "pod " + pod + ": " + fmt.Sprintf(msg, why)}
}
