package table

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/qos/cluster"
)

// WriteDiffList renders a report on several nodes: a table per node
// checked (headed by the node and the pod that read it), a paragraph per
// node not checked or skipped, and a summary line.
func WriteDiffList(w io.Writer, list *cluster.DiffReportList, o DiffOptions) error {
	color := o.Color
	o.Color = false
	return writeSafe(w, color, func(w io.Writer) error { return writeDiffList(w, list, o) })
}

func writeDiffList(w io.Writer, list *cluster.DiffReportList, o DiffOptions) error {
	for i, it := range list.Items {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		po := o
		po.Title = nodeTitle(it)
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
		switch u := sum.Unexplained(); {
		case u > 0:
			fmt.Fprintf(&b, "; %d unexplained difference(s).\n", u)
		case sum.Unverified > 0:
			fmt.Fprintf(&b, "; no unexplained difference, %d unverified value(s) resting on assumed inputs (see each node's notes).\n", sum.Unverified)
		default:
			b.WriteString("; every file of the nodes checked matches or is explained.\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// nodeTitle heads a node's table.
func nodeTitle(it cluster.NodeDiffReport) string {
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
