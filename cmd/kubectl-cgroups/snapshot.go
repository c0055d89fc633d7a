package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kubecgroups/kubecgroups/internal/atomicfile"
	"github.com/kubecgroups/kubecgroups/internal/safetext"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

type snapshotOptions struct {
	tree        treeFlags
	output      string
	format      string
	pod         string
	description string
	cluster     clusterFlags

	genericiooptions.IOStreams
	cmd         *cobra.Command
	args        []string
	clusterMode bool
}

func newSnapshotCmd(s genericiooptions.IOStreams, connect clusterConnector) *cobra.Command {
	o := &snapshotOptions{cluster: clusterFlags{connect: connect}, IOStreams: s}
	c := &cobra.Command{
		Use:   "snapshot [node/NAME | pod/NAME] -o FILE | snapshot -o FILE [--root DIR | --snapshot FILE]",
		Short: "Capture a node's Kubernetes cgroups into a portable archive",
		Long: `Copy the Kubernetes part of a node's cgroup tree into an archive that
"inspect --snapshot" (and the library) reads exactly like the live tree:
the kubepods, tier, pod and container cgroups with every file inspect
reads, from every controller, cgroup v1 or v2. Files are copied by
reading them (cgroup files report size 0, so tar on /sys/fs/cgroup would
store them empty). The archive records the mode, the capture time, the
page size, the host name, this tool's version, the driver and cgroupRoot.

The format follows the file name: .txtar gives a small, reviewable text
archive (the form of the fake trees in testdata/trees), anything else a
.tar.gz. With --snapshot an existing archive (or a plain tar.gz of a
copied /sys/fs/cgroup; - reads standard input) is converted. "-o -"
writes to standard output, a tar.gz only when that is not a terminal.

With node/NAME (or a bare NAME) the node is captured from a workstation
through the Kubernetes API (cluster mode): a short-lived snapshot pod on the
node streams the archive over exec and is deleted afterwards (the archive
also records the machine's capacity from the Node object), or, where the
node agent runs, the agent's snapshot is read through the pod proxy
(--via). pod/NAME captures only that pod (with kubepods and the tiers).
"diff --snapshot FILE -f pods.json" and "inspect --snapshot FILE" read it
offline.`,
		Example: `  # A node of the cluster, from a workstation, for later offline use
  kubectl cgroups snapshot node/node-7 -o node-7.tar.gz
  kubectl get pods -A --field-selector spec.nodeName=node-7 -o json > node-7-pods.json
  kubectl cgroups diff --snapshot node-7.tar.gz -f node-7-pods.json --complete-pod-list

  # On a node
  kubectl-cgroups snapshot -o node.tar.gz

  # Turn a capture into a test tree
  kubectl-cgroups snapshot --snapshot node.tar.gz -o testdata/trees/mynode.txtar`,
		Args: cobra.MaximumNArgs(1),
		RunE: runOptions(o),
	}
	o.cluster.addFlags(c)
	o.tree.addFlags(c)
	c.Flags().StringVarP(&o.output, "output", "o", "", `Archive to write ("-" for standard output).`)
	c.Flags().StringVar(&o.format, "format", "", "Archive format: tar.gz or txtar (default: from the file name; tar.gz for standard output).")
	c.Flags().StringVar(&o.pod, "pod", "", "Capture only the pod with this UID (with kubepods and the tiers).")
	c.Flags().StringVar(&o.description, "description", "", "A description to record in the archive.")
	c.MarkFlagRequired("output")
	completeValues(c)
	c.ValidArgsFunction = completeTargets(&o.cluster, "")
	return c
}

// archiveFormat is the format to write: --format, or the file name's.
func (o *snapshotOptions) archiveFormat() (string, error) {
	format := o.format
	switch {
	case format == "" && strings.HasSuffix(o.output, ".txtar"):
		format = "txtar"
	case format == "":
		format = "tar.gz"
	case format != "tar.gz" && format != "txtar":
		return "", fmt.Errorf("--format %q: want tar.gz or txtar", format)
	}
	return format, nil
}

// Complete tells the mode: node/NAME, pod/NAME or a kubectl flag read the
// cluster; otherwise the tree here.
func (o *snapshotOptions) Complete(c *cobra.Command, args []string) error {
	o.cmd, o.args = c, args
	o.clusterMode = len(args) > 0 || clusterChanged(c)
	return nil
}

// Validate checks the archive format, and refuses to write gzip to a
// terminal.
func (o *snapshotOptions) Validate() error {
	format, err := o.archiveFormat()
	if err == nil && format == "tar.gz" && o.output == "-" && isTTY(o.Out) {
		err = errors.New("-o -: standard output is a terminal, which a gzip'd tar would garble: redirect it (-o - > node.tar.gz), give -o FILE, or --format txtar")
	}
	return err
}

// Run captures and writes.
func (o *snapshotOptions) Run(context.Context) error {
	if o.clusterMode {
		return o.runCluster(o.cmd, o.IOStreams, o.args)
	}
	return o.run(o.IOStreams)
}

func (o *snapshotOptions) run(s genericiooptions.IOStreams) error {
	format, err := o.archiveFormat()
	if err != nil {
		return err
	}
	opts, err := o.tree.nodeOptions()
	if err != nil {
		return err
	}
	opts.PodUID = o.pod
	co := cgroupfs.CaptureOptions{Node: opts, ToolVersion: toolVersion(), Description: o.description}
	var snap *cgroupfs.Snapshot
	from := "live " + o.tree.root
	if o.tree.snapshot != "" {
		in, err := o.tree.readSnapshot(s.In)
		if err != nil {
			return err
		}
		from = "snapshot " + o.tree.snapshot
		if snap, err = cgroupfs.Recapture(in, co); err != nil {
			return fmt.Errorf("%s: %w", o.tree.snapshot, err)
		}
	} else {
		fsys, err := cgroupfs.NewFS(o.tree.root)
		if err != nil {
			return err
		}
		defer fsys.Close()
		co.Hostname, _ = os.Hostname()
		// The machine's capacity, which kubepods values derive from, is not
		// in the tree: record it (best effort; diff notes when it is absent).
		if o.tree.root == cgroupfs.DefaultMountPoint {
			co.Machine, _ = cgroupfs.ReadMachine("/proc", "/sys")
		}
		if snap, err = cgroupfs.Capture(fsys, co); err != nil {
			return err
		}
	}
	return o.write(s, snap, opts, format, from)
}

// write writes a captured snapshot in the format asked for, after reading
// it back, and says what it wrote on standard error.
func (o *snapshotOptions) write(s genericiooptions.IOStreams, snap *cgroupfs.Snapshot, opts cgroupfs.NodeOptions, format, from string) error {
	var buf bytes.Buffer
	var err error
	if format == "txtar" {
		err = snap.WriteTxtar(&buf)
	} else {
		err = snap.WriteTarGz(&buf)
	}
	if err != nil {
		return err
	}
	// Read the archive back before writing it: what is written must load,
	// and hold the pod asked for.
	summary, err := cgroupfs.VerifyArchive(buf.Bytes(), opts)
	if err != nil {
		return err
	}
	if o.output == "-" {
		_, err = s.Out.Write(buf.Bytes())
	} else {
		err = atomicfile.Write(o.output, buf.Bytes(), 0o644)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(s.ErrOut, safetext.Escape(fmt.Sprintf("wrote %s (%s, %d bytes) from %s: %s", o.output, format, buf.Len(), from, summary)))
	return err
}
