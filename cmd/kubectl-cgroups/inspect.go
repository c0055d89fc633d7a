package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/table"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// treeFlags select the cgroup tree a command reads (a live mount point or
// a snapshot) and where its kubepods cgroup is. Used by inspect and
// snapshot (and meant for diff).
type treeFlags struct {
	root       string
	snapshot   string
	driver     string
	cgroupRoot string
}

func (f *treeFlags) addFlags(c *cobra.Command) {
	f.addSourceFlags(c)
	c.Flags().StringVar(&f.driver, "cgroup-driver", "", "Kubelet cgroup driver, cgroupfs or systemd (default: inferred from the kubepods cgroup's name).")
}

// addSourceFlags registers --root, --snapshot and --cgroup-root; commands
// with profile flags (diff) share the profile's --cgroup-driver.
func (f *treeFlags) addSourceFlags(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.root, "root", cgroupfs.DefaultMountPoint, "Mount point of the live cgroup tree to read.")
	fl.StringVar(&f.snapshot, "snapshot", "", "Read a snapshot (.tar.gz or .txtar, from the snapshot command or a plain tar.gz of a copied /sys/fs/cgroup; - for standard input) instead of the live tree.")
	fl.StringVar(&f.cgroupRoot, "cgroup-root", "", "Kubelet cgroupRoot, such as / or /custom (default: searched, recorded in a snapshot).")
	c.MarkFlagsMutuallyExclusive("root", "snapshot")
}

// open opens the selected tree; --snapshot - reads standard input.
func (f *treeFlags) open(stdin io.Reader) (*cgroupfs.FS, cgroupfs.Source, *cgroupfs.Snapshot, error) {
	if f.snapshot == "" {
		fsys, err := cgroupfs.NewFS(f.root)
		return fsys, cgroupfs.Source{Kind: "live", Path: f.root}, nil, err
	}
	snap, err := f.readSnapshot(stdin)
	if err != nil {
		return nil, cgroupfs.Source{}, nil, err
	}
	fsys, err := snap.FS()
	if err != nil {
		return nil, cgroupfs.Source{}, nil, fmt.Errorf("%s: %w", f.snapshot, err)
	}
	return fsys, snap.Source("snapshot", f.snapshot), snap, nil
}

// readSnapshot reads --snapshot: a file, or standard input for "-" (a
// tar.gz or txtar, told apart by content, within the same limits).
func (f *treeFlags) readSnapshot(stdin io.Reader) (*cgroupfs.Snapshot, error) {
	if f.snapshot != "-" {
		return cgroupfs.ReadSnapshotFile(f.snapshot, cgroupfs.SnapshotLimits{})
	}
	snap, err := cgroupfs.ReadSnapshot(stdin, cgroupfs.SnapshotLimits{})
	if err != nil {
		return nil, fmt.Errorf("--snapshot - (standard input): %w", err)
	}
	return snap, nil
}

func (f *treeFlags) nodeOptions() (cgroupfs.NodeOptions, error) {
	o := cgroupfs.NodeOptions{CgroupRoot: f.cgroupRoot}
	var err error
	if f.driver != "" {
		if o.Driver, err = cgroupfs.ParseDriver(f.driver); err != nil {
			return o, fmt.Errorf("--cgroup-driver %w", err)
		}
	}
	return o, nil
}

type inspectOptions struct {
	tree    treeFlags
	pod     string
	out     outputFlag
	cluster clusterFlags
	effects bool
	sample  time.Duration

	genericiooptions.IOStreams
	cmd         *cobra.Command
	args        []string
	clusterMode bool
}

func newInspectCmd(s genericiooptions.IOStreams, connect clusterConnector) *cobra.Command {
	o := &inspectOptions{cluster: clusterFlags{connect: connect}, IOStreams: s}
	c := &cobra.Command{
		Use:   "inspect [node/NAME | pod/NAME] | inspect [--root DIR | --snapshot FILE] [--pod UID]",
		Short: "Show what a node's Kubernetes cgroups hold",
		Long: `Read a node's Kubernetes cgroup tree, live from /sys/fs/cgroup or from a
snapshot, and show the values of every cgroup: kubepods, the burstable and
besteffort tiers, then each pod (grouped by QoS tier) with its containers.

The mode (cgroup v2, hybrid or legacy v1), the kubelet's cgroup driver and
cgroupRoot are inferred from the tree unless given. Directories the
kubelet's and the runtimes' naming does not explain are listed as unknown;
pods and containers that vanish while they are read are listed as gone.

With node/NAME (or a bare NAME) the node is read from a workstation
through the Kubernetes API (cluster mode): a short-lived snapshot pod on the
node streams an archive of its Kubernetes cgroups over exec and is deleted
afterwards (see "diff --help" and the snapshot pod flags); where the node
agent runs, its snapshot is read through the pod proxy instead (--via).
pod/NAME reads the node of that pod and shows only the pod.

The table shows the main files (memory in binary units, the v1
"unlimited" value as unlimited); -o wide shows more files with their raw
values; -o json and -o yaml show every file with its raw text, parsed value
and status, and are a stable contract (kind NodeCgroups, see the README).`,
		Example: `  # A node of the cluster, from a workstation
  kubectl cgroups inspect node/node-7

  # One pod's cgroups, wherever it runs
  kubectl cgroups inspect pod/web-7d4b9c -n shop -o wide

  # The node this runs on
  kubectl-cgroups inspect

  # One pod, as JSON
  kubectl-cgroups inspect --pod 6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f -o json

  # A snapshot taken on another node with "kubectl-cgroups snapshot"
  kubectl-cgroups inspect --snapshot node.tar.gz -o wide`,
		Args: cobra.MaximumNArgs(1),
		RunE: runOptions(o),
	}
	o.tree.addFlags(c)
	c.Flags().StringVar(&o.pod, "pod", "", "Show only the pod with this UID (metadata.uid).")
	c.Flags().BoolVar(&o.effects, "effects", false, "Also read the kernel's counters and show what the limits do (throttling, OOM kills, refused forks, pressure) under each cgroup.")
	addSampleFlag(c, &o.sample)
	addOutputFlag(c, &o.out, "table", "wide", "json", "yaml")
	o.cluster.addFlags(c)
	completeValues(c)
	c.ValidArgsFunction = completeTargets(&o.cluster, "")
	return c
}

// Complete tells the mode: node/NAME, pod/NAME or a kubectl flag read the
// cluster; otherwise the tree here.
func (o *inspectOptions) Complete(c *cobra.Command, args []string) error {
	o.cmd, o.args = c, args
	o.clusterMode = len(args) > 0 || clusterChanged(c)
	return nil
}

// Validate checks the output format and --sample.
func (o *inspectOptions) Validate() error {
	if err := checkSample(o.sample, o.tree.snapshot, o.clusterMode); err != nil {
		return err
	}
	return o.out.validate()
}

// Run reads and prints.
func (o *inspectOptions) Run(ctx context.Context) error {
	if o.clusterMode {
		return o.runCluster(o.cmd, o.IOStreams, o.args)
	}
	return o.run(ctx, o.IOStreams)
}

// read reads the node, with its counters and their effects when asked.
func (o *inspectOptions) read(ctx context.Context, fsys *cgroupfs.FS, snap *cgroupfs.Snapshot, opts cgroupfs.NodeOptions) (*cgroupfs.Node, *qos.EffectReport, error) {
	if !o.effects && o.sample == 0 {
		node, err := fsys.Node(opts)
		return node, nil, err
	}
	var at time.Time
	if snap != nil {
		at = snap.Info.CapturedAt
	}
	return qos.ReadEffects(qos.ReadEffectsOptions{Tree: fsys, Snapshot: snap != nil, Read: opts, At: at,
		Effects: qos.EffectsOptions{Window: o.sample, Wait: qos.WaitContext(ctx)}})
}

func (o *inspectOptions) run(ctx context.Context, s genericiooptions.IOStreams) error {
	opts, err := o.tree.nodeOptions()
	if err != nil {
		return err
	}
	opts.PodUID = o.pod
	fsys, src, snap, err := o.tree.open(s.In)
	if err != nil {
		return err
	}
	defer fsys.Close()
	node, effects, err := o.read(ctx, fsys, snap, opts)
	if err != nil {
		return snapshotError(src, err)
	}
	if err := node.RequirePod(o.pod); err != nil {
		return err
	}
	return o.print(s, node, src, effects)
}

// print writes what inspect read.
func (o *inspectOptions) print(s genericiooptions.IOStreams, node *cgroupfs.Node, src cgroupfs.Source, effects *qos.EffectReport) error {
	switch {
	case o.out.structured():
		return printStructured(s.Out, o.out.format, qos.NewNodeCgroups(src, node, effects))
	}
	return table.WriteNode(s.Out, node, src, table.NodeOptions{Wide: o.out.format == "wide", Effects: effects})
}

// snapshotError names the snapshot file in an error about its tree (a
// live tree's errors name the mount point).
func snapshotError(src cgroupfs.Source, err error) error {
	if src.Kind == "snapshot" {
		return fmt.Errorf("%s: %w", src.Path, err)
	}
	return err
}
