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
	"strings"

	"github.com/kubecgroups/kubecgroups/internal/safetext"

	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	"github.com/kubecgroups/kubecgroups/qos/table"
	"github.com/spf13/cobra"
)

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
	fl.IntVar(&f.maxConcurrency, "max-concurrency", cluster.DefaultMaxConcurrency, fmt.Sprintf("Cluster mode: how many nodes are read at once (1 to %d).", cluster.MaxConcurrency))
}

// detectMode reports whether diff runs in cluster mode, and refuses a
// mix of the two modes' inputs.
func (o *diffOptions) detectMode(c *cobra.Command, args []string) (bool, error) {
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
	for _, f := range []string{"root", "snapshot", "filename", "kubelet-pods", "static-pods", "complete-pod-list",
		"kubelet-token", "kubelet-token-file", "kubelet-client-certificate", "kubelet-client-key", "kubelet-certificate-authority",
		"kubelet-insecure-skip-tls-verify", "kubelet-allow-token-over-http", "kubelet-request-timeout"} {
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
	for _, f := range []string{"token", "client-certificate", "client-key", "certificate-authority", "insecure-skip-tls-verify", "request-timeout"} {
		if changed(f) {
			return false, fmt.Errorf("--%s authenticates to the API server (cluster mode); for the kubelet's endpoints in node mode use --kubelet-%s", f, f)
		}
	}
	return false, nil
}

// validate checks the cluster-mode flags; pods says pods or nodes were
// named as arguments.
func (f *clusterDiffFlags) validate(named bool) error {
	if f.allNodes && (named || len(f.nodes) > 0 || f.selector != "") {
		return errors.New("--all-nodes checks every node: give no pods, -l or --node with it")
	}
	if f.allNamespaces && f.selector == "" {
		return errors.New("-A (--all-namespaces) selects pods with -l: a pod name needs its namespace (-n)")
	}
	if f.maxConcurrency < 1 || f.maxConcurrency > cluster.MaxConcurrency {
		return fmt.Errorf("--max-concurrency %d: want 1 to %d (each node read holds its archive and expectation in memory)", f.maxConcurrency, cluster.MaxConcurrency)
	}
	return nil
}

// runCluster is diff in cluster mode.
func (o *diffOptions) runCluster(ctx context.Context, overrides qos.Overrides) error {
	cd := &o.clusterDiff
	api, err := o.cluster.api()
	if err != nil {
		return err
	}
	o.cluster.warnLeftovers(ctx, api, o.ErrOut)
	plan := cluster.PlanOptions{Namespace: api.namespace, Selector: cd.selector, AllNamespaces: cd.allNamespaces, Nodes: cd.nodes, AllNodes: cd.allNodes}
	for _, t := range o.targets {
		if t.kind == "node" {
			plan.Nodes = append(plan.Nodes, t.name)
		} else {
			plan.Pods = append(plan.Pods, t.name)
		}
	}
	r := o.cluster.reader(api)
	plans, skipped, err := r.Plan(ctx, plan)
	if err != nil {
		return err
	}
	source, sourceOnly := o.cluster.source(api)
	prog := table.NewProgress(o.ErrOut, table.ProgressOptions{Total: len(plans), Draw: len(plans) > 1 && isTerminal(o.ErrOut)})
	list := r.CheckNodes(ctx, plans, cluster.CheckOptions{
		Node: o.nodeOpts, Overrides: overrides, Defaulting: o.profile.defaulting, MaxConcurrency: cd.maxConcurrency, Effects: o.effectsOptions(ctx),
		Warn: warnTo(prog), Started: prog.Start, Done: prog.Done, Source: source, SourceOnly: sourceOnly, Skipped: skipped,
	})
	prog.Finish()
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if err := list.NoneChecked(); err != nil {
		return err
	}
	if err := printDiffList(o.Out, list, diffPrintOptions{format: o.out.format, onlyDrift: o.onlyDrift, color: wantsColor(o.Out)}); err != nil {
		return err
	}
	for _, p := range list.Failed {
		fmt.Fprintf(o.ErrOut, "warning: %s\n", safetext.EscapeLines(p.Error))
	}
	if list.Summary.Unexplained() > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// printDiffList writes the cluster-mode report: a DiffReportList, or a
// table per node (headed by the node) and a line per node that could not
// be checked.
func printDiffList(w io.Writer, list *cluster.DiffReportList, o diffPrintOptions) error {
	switch {
	case structured(o.format):
		if o.onlyDrift {
			list = list.DriftOnly()
		}
		return printStructured(w, o.format, list)
	}
	return table.WriteDiffList(w, list, o.table())
}
