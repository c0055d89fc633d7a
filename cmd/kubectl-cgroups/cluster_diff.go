package main

// diff in cluster mode: pods and nodes named on the command line, -l,
// --node or --all-nodes; every node involved is captured by a snapshot pod
// (at most --max-concurrency at once), diffed as node mode diffs a
// snapshot with the node's complete pod list, and reported in one
// DiffReportList.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KindDiffReportList is the kind of the document diff prints in cluster
// mode: one DiffReport per node.
const KindDiffReportList = "DiffReportList"

// clusterDiffFlags choose what diff checks in cluster mode (besides
// pod/NAME and node/NAME arguments).
type clusterDiffFlags struct {
	selector       string
	allNamespaces  bool
	nodes          []string
	allNodes       bool
	maxConcurrency int
}

func (f *clusterDiffFlags) addFlags(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVarP(&f.selector, "selector", "l", "", "Cluster mode: check the pods matching this label selector (in the namespace, or every namespace with -A).")
	fl.BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "Cluster mode: -l selects pods in every namespace.")
	fl.StringSliceVar(&f.nodes, "node", nil, "Cluster mode: check every pod of these nodes (repeatable, or comma-separated).")
	fl.BoolVar(&f.allNodes, "all-nodes", false, "Cluster mode: check every (Linux) node of the cluster.")
	fl.IntVar(&f.maxConcurrency, "max-concurrency", defaultMaxConcurrency, "Cluster mode: how many nodes are read at once.")
}

// nodePlan is one node to check and what to report of it.
type nodePlan struct {
	name string
	// pods are the pods asked for ("namespace/name"), reported alone;
	// nil reports every pod of the node.
	pods []string
}

// diffReportList is the -o json/yaml document of diff in cluster mode.
type diffReportList struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Summary    clusterSummary   `json:"summary"`
	Items      []nodeDiffReport `json:"items"`
	// Failed are the nodes that could not be checked, with the reason.
	Failed []nodeProblem `json:"failed,omitempty"`
	// Skipped are nodes --all-nodes left out (not Linux).
	Skipped []nodeProblem `json:"skipped,omitempty"`
}

// clusterSummary counts nodes and, over every item, results.
type clusterSummary struct {
	Nodes   int `json:"nodes"`
	Checked int `json:"checked"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	qos.DiffSummary
}

// nodeDiffReport is one node's DiffReport with the node it is about.
type nodeDiffReport struct {
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

// nodeProblem is a node that was not checked.
type nodeProblem struct {
	NodeName string `json:"nodeName"`
	Error    string `json:"error"`
}

// clusterMode reports whether diff runs in cluster mode, and refuses a
// mix of the two modes' inputs.
func (o *diffOptions) clusterMode(c *cobra.Command, args []string) (bool, error) {
	changed := c.Flags().Changed
	var cluster, node []string
	if len(args) > 0 {
		cluster = append(cluster, strings.Join(args, " "))
	}
	for _, f := range []string{"selector", "node", "all-nodes"} {
		if changed(f) {
			cluster = append(cluster, "--"+f)
		}
	}
	for _, f := range []string{"root", "snapshot", "filename", "kubelet-pods", "static-pods", "complete-pod-list"} {
		if changed(f) {
			node = append(node, "--"+f)
		}
	}
	switch {
	case len(cluster) > 0 && len(node) > 0:
		return false, fmt.Errorf("%s read the cluster through the Kubernetes API (cluster mode), %s read one node directly (node mode): give one or the other",
			strings.Join(cluster, ", "), strings.Join(node, ", "))
	case len(cluster) > 0:
		return true, nil
	}
	for _, f := range []string{"namespace", "all-namespaces", "max-concurrency", "image", "snapshot-namespace", "snapshot-timeout"} {
		if changed(f) {
			return false, fmt.Errorf("--%s applies to cluster mode: name the pods (pod/NAME, -l SELECTOR) or nodes (--node NODE, --all-nodes) to check", f)
		}
	}
	return false, nil
}

// runCluster is diff in cluster mode.
func (o *diffOptions) runCluster(c *cobra.Command, s streams, args []string) error {
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	targets, err := parseTargets(args, "pod")
	if err != nil {
		return err
	}
	cd := &o.clusterDiff
	if cd.allNodes && (len(targets) > 0 || len(cd.nodes) > 0 || cd.selector != "") {
		return errors.New("--all-nodes checks every node: give no pods, -l or --node with it")
	}
	if cd.allNamespaces && cd.selector == "" {
		return errors.New("-A (--all-namespaces) selects pods with -l: a pod name needs its namespace (-n)")
	}
	if cd.maxConcurrency < 1 {
		return fmt.Errorf("--max-concurrency %d: want 1 or more", cd.maxConcurrency)
	}
	if err := o.cluster.checkFlags(); err != nil {
		return err
	}
	if !c.Flags().Changed("oci-runtime") {
		o.profile.ociRuntime = "unknown"
	}
	if _, err := o.tree.nodeOptions(); err != nil {
		return err
	}
	api, err := o.cluster.api()
	if err != nil {
		return err
	}
	o.cluster.warnLeftovers(ctx, api, s.Err)
	plans, skipped, err := o.planCluster(ctx, api, targets)
	if err != nil {
		return err
	}
	list := o.checkNodes(ctx, c, s, api, plans)
	list.Skipped = skipped
	list.Summary.Skipped = len(skipped)
	list.Summary.Nodes += len(skipped)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if list.Summary.Checked == 0 {
		var msgs []string
		for _, p := range list.Failed {
			msgs = append(msgs, p.Error)
		}
		if len(msgs) == 1 {
			return errors.New(msgs[0])
		}
		return fmt.Errorf("no node could be checked:\n  %s", strings.Join(msgs, "\n  "))
	}
	if err := printDiffList(s.Out, list, diffPrintOptions{format: o.out.format, onlyDrift: o.onlyDrift, color: isTerminal(s.Out)}); err != nil {
		return err
	}
	for _, p := range list.Failed {
		fmt.Fprintf(s.Err, "warning: %s\n", p.Error)
	}
	if list.Summary.Unexplained() > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// planCluster turns the targets into the nodes to read: every node of
// --all-nodes (Linux ones; the others are returned as skipped), of
// --node and node/NAME (all their pods), and the nodes of the pods named
// or selected (those pods only, unless their node was asked for too).
func (o *diffOptions) planCluster(ctx context.Context, api *clusterAPI, targets []target) ([]nodePlan, []nodeProblem, error) {
	cd := &o.clusterDiff
	whole := map[string]bool{}
	podsOf := map[string][]string{}
	var skipped []nodeProblem
	if cd.allNodes {
		rctx, cancel := o.cluster.withTimeout(ctx)
		nodes, err := api.Client.CoreV1().Nodes().List(rctx, metav1.ListOptions{})
		cancel()
		if err != nil {
			return nil, nil, apiError(err, "listing the nodes")
		}
		for i := range nodes.Items {
			n := &nodes.Items[i]
			if !cluster.IsLinuxNode(n) {
				skipped = append(skipped, nodeProblem{NodeName: n.Name, Error: fmt.Sprintf("node %s runs %s: the snapshot pod reads Linux cgroups", n.Name, n.Labels[corev1.LabelOSStable])})
				continue
			}
			whole[n.Name] = true
		}
		if len(whole) == 0 {
			return nil, nil, errors.New("--all-nodes: the cluster has no Linux node")
		}
	}
	for _, n := range cd.nodes {
		if n = strings.TrimSpace(n); n != "" {
			whole[n] = true
		}
	}
	ns := api.namespace
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
	for _, t := range targets {
		if t.kind == "node" {
			whole[t.name] = true
			continue
		}
		rctx, cancel := o.cluster.withTimeout(ctx)
		p, err := api.Client.CoreV1().Pods(ns).Get(rctx, t.name, metav1.GetOptions{})
		cancel()
		if apierrors.IsNotFound(err) {
			return nil, nil, fmt.Errorf("pod %s not found in namespace %s", t.name, ns)
		}
		if err != nil {
			return nil, nil, apiError(err, fmt.Sprintf("reading pod %s/%s", ns, t.name))
		}
		if err := add(p); err != nil {
			return nil, nil, err
		}
	}
	if cd.selector != "" {
		lns, where := ns, "namespace "+ns
		if cd.allNamespaces {
			lns, where = metav1.NamespaceAll, "any namespace"
		}
		rctx, cancel := o.cluster.withTimeout(ctx)
		list, err := api.Client.CoreV1().Pods(lns).List(rctx, metav1.ListOptions{LabelSelector: cd.selector})
		cancel()
		if err != nil {
			return nil, nil, apiError(err, fmt.Sprintf("listing the pods of -l %s in %s", cd.selector, where))
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
			return nil, nil, fmt.Errorf("no scheduled pod matches -l %s in %s", cd.selector, where)
		}
	}
	var plans []nodePlan
	for _, name := range slices.Sorted(maps.Keys(whole)) {
		plans = append(plans, nodePlan{name: name})
	}
	for _, name := range slices.Sorted(maps.Keys(podsOf)) {
		if !whole[name] {
			pods := podsOf[name]
			slices.Sort(pods)
			plans = append(plans, nodePlan{name: name, pods: pods})
		}
	}
	slices.SortFunc(plans, func(a, b nodePlan) int { return strings.Compare(a.name, b.name) })
	return plans, skipped, nil
}

// checkNodes checks the planned nodes, at most --max-concurrency at once,
// and collects one report per node checked and the failures.
func (o *diffOptions) checkNodes(ctx context.Context, c *cobra.Command, s streams, api *clusterAPI, plans []nodePlan) *diffReportList {
	list := &diffReportList{APIVersion: apiVersion, Kind: KindDiffReportList}
	prog := newProgress(s.Err, len(plans) > 1 && stderrTerminal(s.Err), len(plans))
	items := make([]*nodeDiffReport, len(plans))
	errs := make([]error, len(plans))
	sem := make(chan struct{}, o.clusterDiff.maxConcurrency)
	var wg sync.WaitGroup
	for i, plan := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = fmt.Errorf("node %s: %w", plan.name, ctx.Err())
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = fmt.Errorf("node %s: %w", plan.name, ctx.Err())
				return
			}
			prog.start()
			items[i], errs[i] = o.checkNode(ctx, c, api, plan, prog)
			prog.done(errs[i] != nil)
		}()
	}
	wg.Wait()
	prog.finish()
	list.Summary.Nodes = len(plans)
	for i, plan := range plans {
		if errs[i] != nil {
			msg := errs[i].Error()
			if !strings.HasPrefix(msg, "node "+plan.name+":") {
				msg = "node " + plan.name + ": " + msg
			}
			list.Failed = append(list.Failed, nodeProblem{NodeName: plan.name, Error: msg})
			continue
		}
		list.Items = append(list.Items, *items[i])
		addSummary(&list.Summary.DiffSummary, items[i].Summary)
	}
	list.Summary.Checked = len(list.Items)
	list.Summary.Failed = len(list.Failed)
	return list
}

func addSummary(dst *qos.DiffSummary, s qos.DiffSummary) {
	dst.Cgroups += s.Cgroups
	dst.Files += s.Files
	dst.Match += s.Match
	dst.Drift += s.Drift
	dst.Explained += s.Explained
	dst.Missing += s.Missing
	dst.Unexpected += s.Unexpected
	dst.Unlisted += s.Unlisted
	dst.Errors += s.Errors
}

// checkNode reads one node and diffs it as node mode diffs a snapshot
// with the node's complete pod list.
func (o *diffOptions) checkNode(ctx context.Context, c *cobra.Command, api *clusterAPI, plan nodePlan, warn io.Writer) (*nodeDiffReport, error) {
	nodeOpts, err := o.tree.nodeOptions()
	if err != nil {
		return nil, err
	}
	g, err := o.cluster.reader(api).Gather(ctx, plan.name, cluster.GatherOptions{Warn: warnTo(warn), Pods: true, Configz: true, Capture: nodeOpts})
	if err != nil {
		return nil, err
	}
	overrides, err := o.profile.overrides(c)
	if err != nil {
		return nil, err
	}
	facts, notes := g.Facts()
	result, err := qos.Check(qos.CheckOptions{
		Node: nodeOpts, Snapshot: g.Snapshot,
		Pods:            g.Pods,
		PodsSource:      fmt.Sprintf("the API server: %d pods with spec.nodeName=%s", len(g.Pods), plan.name),
		CompletePodList: true,
		Facts:           facts, Overrides: overrides, Notes: notes,
	})
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", plan.name, cluster.KubepodsHint(err))
	}
	report := result.Report
	if g.ConfigzErr != nil && o.profile.nodeConfig == "" {
		report.ProfileSources["kubelet"] = "default (the kubelet's /configz could not be read)"
	}

	// A resize in flight is news even when every file matches (a
	// Deferred resize keeps the allocated values, which match).
	for _, pe := range result.Expectation.Pods {
		key := pe.Namespace + "/" + pe.Name
		if st := pe.Resize.State; st != "" && st != "none" && (plan.pods == nil || slices.Contains(plan.pods, key)) {
			report.Notes = append(report.Notes, resizeNote(key, pe.Resize))
		}
	}
	sp := g.SnapshotPod.Namespace + "/" + g.SnapshotPod.Name
	scope := "node"
	if plan.pods != nil {
		scope = "pods"
		onNode := map[string]bool{}
		for _, p := range g.Pods {
			onNode[p.Namespace+"/"+p.Name] = true
		}
		for _, want := range plan.pods {
			if !onNode[want] {
				report.Notes = append(report.Notes, qos.Note{Reason: qos.ReasonPodGone, Message: fmt.Sprintf("pod %s was no longer on node %s when its cgroups were read", want, plan.name)})
			}
		}
		qos.FilterReport(report, func(res qos.DiffResult) bool { return slices.Contains(plan.pods, res.Pod) })
		report.ProfileSources["pods"] += "; this report shows " + strings.Join(plan.pods, ", ")
	}
	item := &nodeDiffReport{NodeName: plan.name, Scope: scope, Pods: plan.pods, SnapshotPod: sp, DiffReport: report}
	if at := g.Snapshot.Info.CapturedAt; !at.IsZero() {
		item.CapturedAt = &at
	}
	return item, nil
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
	if strings.Contains(st.State, "in-progress") {
		reason, msg = qos.ReasonResizeInProgress, "a resize is in progress%s: its cgroups may still hold the previous resources until the kubelet has written the new ones"
	}
	return qos.Note{Reason: reason, Message: "pod " + pod + ": " + fmt.Sprintf(msg, why)}
}

// printDiffList writes the cluster-mode report: a DiffReportList, or a
// table per node (headed by the node) and a line per node that could not
// be checked.
func printDiffList(w io.Writer, list *diffReportList, o diffPrintOptions) error {
	switch o.format {
	case "json", "yaml":
		if o.onlyDrift {
			filtered := *list
			filtered.Items = nil
			for _, it := range list.Items {
				r := *it.DiffReport
				r.Results = slices.DeleteFunc(slices.Clone(r.Results), func(x qos.DiffResult) bool { return !x.Status.Unexplained() })
				it.DiffReport = &r
				filtered.Items = append(filtered.Items, it)
			}
			list = &filtered
		}
		return printStructured(w, o.format, list)
	}
	for i, it := range list.Items {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		po := o
		po.title = nodeTitle(it)
		if err := writeDiffTable(w, it.DiffReport, po); err != nil {
			return err
		}
	}
	var b strings.Builder
	for _, p := range list.Failed {
		fmt.Fprintf(&b, "\n=== node %s: not checked\n", p.NodeName)
		writeWrapped(&b, "    ", p.Error)
	}
	for _, p := range list.Skipped {
		fmt.Fprintf(&b, "\n=== node %s: skipped\n", p.NodeName)
		writeWrapped(&b, "    ", p.Error)
	}
	if sum := list.Summary; sum.Nodes > 1 {
		fmt.Fprintf(&b, "\n%d nodes: %d checked", sum.Nodes, sum.Checked)
		if sum.Failed > 0 {
			fmt.Fprintf(&b, ", %d not checked", sum.Failed)
		}
		if sum.Skipped > 0 {
			fmt.Fprintf(&b, ", %d skipped", sum.Skipped)
		}
		if u := sum.Unexplained(); u > 0 {
			fmt.Fprintf(&b, "; %d unexplained difference(s).\n", u)
		} else {
			b.WriteString("; every file of the nodes checked matches or is explained.\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// nodeTitle heads a node's table.
func nodeTitle(it nodeDiffReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "=== node %s", it.NodeName)
	if it.CapturedAt != nil {
		fmt.Fprintf(&b, ", read %s", it.CapturedAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(&b, " by pod %s", it.SnapshotPod)
	if it.Scope == "pods" {
		fmt.Fprintf(&b, "\n    showing %s", strings.Join(it.Pods, ", "))
	}
	return b.String()
}

// progress draws "checking nodes: N/M done" on a terminal's standard
// error while several nodes are read, and passes warnings through
// without mangling the line. It is safe for concurrent use.
type progress struct {
	mu                     sync.Mutex
	w                      io.Writer
	on                     bool
	total, running, ok, ko int
	drawn                  bool
}

func newProgress(w io.Writer, on bool, total int) *progress {
	return &progress{w: w, on: on, total: total}
}

func (p *progress) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running++
	p.draw()
}

func (p *progress) done(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
	if failed {
		p.ko++
	} else {
		p.ok++
	}
	p.draw()
}

func (p *progress) draw() {
	if !p.on {
		return
	}
	line := fmt.Sprintf("checking %d nodes: %d done, %d running", p.total, p.ok+p.ko, p.running)
	if p.ko > 0 {
		line += fmt.Sprintf(", %d failed", p.ko)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.drawn = true
}

// finish clears the line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// Write prints a warning above the progress line.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
	n, err := p.w.Write(b)
	p.draw()
	return n, err
}
