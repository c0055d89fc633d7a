package main

// inspect, snapshot and cleanup in cluster mode, and the rbac command.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/internal/safetext"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// nodeTarget is what inspect and snapshot read in cluster mode.
type nodeTarget struct {
	node string
	// pod ("namespace/name") and podUID narrow the read to one pod.
	pod    string
	podUID string
}

// parseNodeTarget reads the single node/NAME or pod/NAME argument of
// inspect and snapshot, parsed as diff parses its targets; a bare NAME is
// a node, as their help says.
func parseNodeTarget(args []string) (target, error) {
	if len(args) != 1 {
		return target{}, errors.New("name the node (node/NAME) or the pod (pod/NAME) to read")
	}
	ts, err := parseTargets(args, "node")
	if err != nil {
		return target{}, err
	}
	return ts[0], nil
}

// resolveNodeTarget finds the node to read for a target, and for a pod
// its UID.
func (f *clusterFlags) resolveNodeTarget(ctx context.Context, api *clusterAPI, t target) (nodeTarget, error) {
	if t.kind == "node" {
		return nodeTarget{node: t.name}, nil
	}
	p, err := f.reader(api).FindPod(ctx, api.namespace, t.name)
	if err != nil {
		return nodeTarget{}, err
	}
	return nodeTarget{node: p.Node, pod: p.Namespace + "/" + p.Name, podUID: p.UID}, nil
}

// prepare checks the flags of a cluster-mode inspect or snapshot and
// connects.
func (f *clusterFlags) prepare(c *cobra.Command, nodeOnly ...string) (*clusterAPI, error) {
	for _, name := range nodeOnly {
		if c.Flags().Changed(name) {
			return nil, fmt.Errorf("--%s reads a tree on this machine (node mode); node/NAME and pod/NAME read the cluster: give one or the other", name)
		}
	}
	if err := f.checkFlags(); err != nil {
		return nil, err
	}
	return f.api()
}

// runCluster is inspect node/NAME or pod/NAME.
func (o *inspectOptions) runCluster(c *cobra.Command, s genericiooptions.IOStreams, args []string) error {
	if err := o.out.validate(); err != nil {
		return err
	}
	r, err := o.cluster.startNodeRead(c, &o.tree, o.pod, args)
	if err != nil {
		return err
	}
	ctx, t, opts := r.ctx, r.target, r.opts
	// The whole node is captured; the pod filter applies to the read.
	ns, err := o.cluster.readNode(ctx, r.api, t.node, opts, "", s.ErrOut)
	if err != nil {
		return err
	}
	fsys, err := ns.Snapshot.FS()
	if err != nil {
		return err
	}
	defer fsys.Close()
	opts.PodUID = r.podUID
	node, effects, err := o.read(ctx, fsys, ns.Snapshot, opts)
	if err != nil {
		return fmt.Errorf("node %s: %w", t.node, cgroupfs.KubepodsHint(err))
	}
	if err := node.RequirePod(opts.PodUID); err != nil {
		if t.pod != "" {
			return fmt.Errorf("pod %s on node %s: %w", t.pod, t.node, err)
		}
		return err
	}
	return o.print(s, node, ns.Snapshot.Source("cluster", "node/"+t.node), effects)
}

// runCluster is snapshot node/NAME or pod/NAME.
func (o *snapshotOptions) runCluster(c *cobra.Command, s genericiooptions.IOStreams, args []string) error {
	format, err := o.archiveFormat()
	if err != nil {
		return err
	}
	r, err := o.cluster.startNodeRead(c, &o.tree, o.pod, args)
	if err != nil {
		return err
	}
	t, opts := r.target, r.opts
	opts.PodUID = r.podUID // only that pod is captured
	ns, err := o.cluster.readNode(r.ctx, r.api, t.node, opts, o.description, s.ErrOut)
	if err != nil {
		return err
	}
	return o.write(s, ns.Snapshot, opts, format, fmt.Sprintf("node/%s (%s)", t.node, ns.By))
}

// nodeRead is the start of inspect and snapshot in cluster mode: the
// API, the node (and pod) named, and the tree options.
type nodeRead struct {
	ctx    context.Context
	api    *clusterAPI
	target nodeTarget
	opts   cgroupfs.NodeOptions
	// podUID is the pod to read: from pod/NAME or --pod, "" for all.
	podUID string
}

// startNodeRead parses node/NAME or pod/NAME, connects, and resolves the
// node; --root and --snapshot do not apply in cluster mode.
func (f *clusterFlags) startNodeRead(c *cobra.Command, tree *treeFlags, podFlag string, args []string) (*nodeRead, error) {
	opts, err := tree.nodeOptions()
	if err != nil {
		return nil, err
	}
	arg, err := parseNodeTarget(args)
	if err != nil {
		return nil, err
	}
	api, err := f.prepare(c, "root", "snapshot")
	if err != nil {
		return nil, err
	}
	ctx := contextOf(c)
	t, err := f.resolveNodeTarget(ctx, api, arg)
	if err != nil {
		return nil, err
	}
	if t.podUID != "" && podFlag != "" {
		return nil, errors.New("give pod/NAME or --pod UID, not both")
	}
	uid := podFlag
	if t.podUID != "" {
		uid = t.podUID
	}
	return &nodeRead{ctx: ctx, api: api, target: t, opts: opts, podUID: uid}, nil
}

// contextOf returns the command's context (cancelled on Ctrl-C).
func contextOf(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

type cleanupOptions struct {
	cluster clusterFlags
	runID   string

	genericiooptions.IOStreams
	cmd *cobra.Command
}

func newCleanupCmd(s genericiooptions.IOStreams, connect clusterConnector) *cobra.Command {
	o := &cleanupOptions{cluster: clusterFlags{connect: connect}, IOStreams: s}
	c := &cobra.Command{
		Use:   "cleanup [--snapshot-namespace NS] [--run-id ID]",
		Short: "Delete snapshot pods left over by interrupted cluster-mode runs",
		Long: `Delete the snapshot pods that cluster mode (diff, inspect and snapshot of
pods and nodes) leaves behind when it is killed before it can delete them
itself, or when their deletion could not be confirmed: every pod labelled
` + cluster.SnapshotPodLabel + `=` + cluster.SnapshotPodLabelValue + ` in the snapshot namespace, or with --run-id
only those of one run (label ` + cluster.SnapshotRunIDLabel + `; the warning about a pod
that may be left over names it). Each is deleted gracefully and the
command waits until it is gone. A snapshot pod left alone is stopped by
the kubelet once its activeDeadlineSeconds (--snapshot-timeout plus
` + cluster.SnapshotPodGrace.String() + `) has passed, and then holds nothing but its API object.

Without --run-id, snapshot pods of runs still in progress (other users,
other terminals) are deleted too: their runs then fail for that node.`,
		Example: `  kubectl cgroups cleanup
  kubectl cgroups cleanup --run-id kcg-20261206t024501-x7k2p
  kubectl cgroups cleanup --snapshot-namespace kube-diag`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	o.cluster.addFlags(c)
	c.Flags().StringVar(&o.runID, "run-id", "", "Delete only the snapshot pods of this run (label "+cluster.SnapshotRunIDLabel+").")
	for _, name := range []string{"image", "snapshot-timeout", "via", "agent-namespace"} {
		c.Flags().MarkHidden(name)
	}
	return c
}

// Complete keeps the command, whose kubectl flags say which cluster.
func (o *cleanupOptions) Complete(c *cobra.Command, _ []string) error {
	o.cmd = c
	return nil
}

// Validate checks --run-id.
func (o *cleanupOptions) Validate() error {
	if errs := validation.IsValidLabelValue(o.runID); o.runID != "" && len(errs) > 0 {
		return fmt.Errorf("--run-id %q: %s", o.runID, strings.Join(errs, "; "))
	}
	return nil
}

// Run deletes the snapshot pods.
func (o *cleanupOptions) Run(ctx context.Context) error {
	s := o.IOStreams
	api, err := o.cluster.prepare(o.cmd)
	if err != nil {
		return err
	}
	ns := o.cluster.namespace
	n, err := o.cluster.reader(api).Cleanup(ctx, cluster.CleanupOptions{RunID: o.runID, Warn: warnTo(s.ErrOut), Deleted: func(p *corev1.Pod) {
		fmt.Fprintln(s.Out, safetext.Escape(fmt.Sprintf("deleted pod %s/%s (node %s, %s, age %s)", p.Namespace, p.Name, cluster.NodeOfSnapshotPod(p), p.Status.Phase, podAge(p))))
	}})
	switch {
	case err != nil:
		return err
	case n == 0 && o.runID != "":
		fmt.Fprintf(s.Out, "no snapshot pods of run %s in namespace %s\n", safetext.Escape(o.runID), safetext.Escape(ns))
	case n == 0:
		fmt.Fprintf(s.Out, "no snapshot pods in namespace %s\n", safetext.Escape(ns))
	}
	return nil
}

func podAge(p *corev1.Pod) string {
	if p.CreationTimestamp.IsZero() {
		return "unknown"
	}
	return duration.HumanDuration(time.Since(p.CreationTimestamp.Time))
}
