package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/spf13/cobra"
)

type snapshotOptions struct {
	tree        treeFlags
	output      string
	format      string
	pod         string
	description string
}

func newSnapshotCmd(s streams) *cobra.Command {
	o := &snapshotOptions{}
	c := &cobra.Command{
		Use:   "snapshot -o FILE [--root DIR | --snapshot FILE]",
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
copied /sys/fs/cgroup) is converted.`,
		Example: `  # On a node
  kubectl-cgroups snapshot -o node.tar.gz

  # Turn a capture into a test tree
  kubectl-cgroups snapshot --snapshot node.tar.gz -o testdata/trees/mynode.txtar`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return o.run(s)
		},
	}
	o.tree.addFlags(c)
	c.Flags().StringVarP(&o.output, "output", "o", "", `Archive to write ("-" for standard output).`)
	c.Flags().StringVar(&o.format, "format", "", "Archive format: tar.gz or txtar (default: from the file name; tar.gz for standard output).")
	c.Flags().StringVar(&o.pod, "pod", "", "Capture only the pod with this UID (with kubepods and the tiers).")
	c.Flags().StringVar(&o.description, "description", "", "A description to record in the archive.")
	c.MarkFlagRequired("output")
	return c
}

func (o *snapshotOptions) run(s streams) error {
	format := o.format
	switch {
	case format == "" && strings.HasSuffix(o.output, ".txtar"):
		format = "txtar"
	case format == "":
		format = "tar.gz"
	case format != "tar.gz" && format != "txtar":
		return fmt.Errorf("--format %q: want tar.gz or txtar", format)
	}
	opts, err := o.tree.nodeOptions()
	if err != nil {
		return err
	}
	opts.PodUID = o.pod
	fsys, src, in, err := o.tree.open()
	if err != nil {
		return err
	}
	defer fsys.Close()
	co := cgroupfs.CaptureOptions{Node: opts, ToolVersion: "kubectl-cgroups " + currentVersion().Version, Description: o.description}
	if in != nil {
		// Converting: the archive still describes the original capture.
		co.CapturedAt, co.Hostname, co.Machine = in.Info.CapturedAt, in.Info.Hostname, in.Info.Machine
		if co.Description == "" {
			co.Description = in.Info.Description
		}
	} else {
		if h, err := os.Hostname(); err == nil {
			co.Hostname = h
		}
		// The machine's capacity, which kubepods values derive from, is not
		// in the tree: record it (best effort; diff notes when it is absent).
		if o.tree.root == cgroupfs.DefaultMountPoint {
			if m, err := readMachine("/proc", "/sys"); err == nil {
				co.Machine = m
			}
		}
	}
	snap, err := cgroupfs.Capture(fsys, co)
	if err != nil {
		return err
	}
	if in != nil && in.Info.CapturedAt.IsZero() {
		snap.Info.CapturedAt = time.Time{} // a plain archive: the capture time is unknown
	}
	var buf bytes.Buffer
	if format == "txtar" {
		err = snap.WriteTxtar(&buf)
	} else {
		err = snap.WriteTarGz(&buf)
	}
	if err != nil {
		return err
	}
	// Read the archive back before writing it: what is written must load.
	summary, err := verifySnapshot(buf.Bytes(), opts)
	if err != nil {
		return fmt.Errorf("the captured archive does not read back: %w", err)
	}
	if err := writeOutput(s, o.output, buf.Bytes()); err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.Err, "wrote %s (%s, %d bytes) from %s %s: %s\n", o.output, format, buf.Len(), src.Kind, src.Path, summary)
	return err
}

// verifySnapshot loads an archive and summarises what it holds.
func verifySnapshot(archive []byte, opts cgroupfs.NodeOptions) (string, error) {
	snap, err := cgroupfs.ReadSnapshot(bytes.NewReader(archive), cgroupfs.SnapshotLimits{})
	if err != nil {
		return "", err
	}
	fsys, err := snap.FS()
	if err != nil {
		return "", err
	}
	n, err := fsys.Node(opts)
	if err != nil {
		return "", err
	}
	files, containers := 0, 0
	fs.WalkDir(snap, ".", func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	for _, p := range n.Pods {
		containers += len(p.Containers)
	}
	return fmt.Sprintf("%s mode, %s driver, kubepods %s, %d pods, %d containers, %d files",
		n.Mode, n.Driver, n.Kubepods.Path, len(n.Pods), containers, files), nil
}

// writeOutput writes data to a file, atomically (a temporary file in the
// same directory, renamed), or to standard output for "-".
func writeOutput(s streams, name string, data []byte) error {
	if name == "-" {
		_, err := s.Out.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
