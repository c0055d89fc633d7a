package main

import (
	"io"
	"os"

	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/table"
	"golang.org/x/term"
)

type diffPrintOptions struct {
	// format is table, wide, json or yaml.
	format string
	// onlyDrift keeps only cgroups (and, in json/yaml, results) with
	// unexplained differences.
	onlyDrift bool
	// color adds ANSI colours to the status column (a terminal only).
	color bool
	// title, when set, heads the table (the demo names its scenario).
	title string
}

func (o diffPrintOptions) table() table.DiffOptions {
	return table.DiffOptions{Wide: o.format == "wide", OnlyDrift: o.onlyDrift, Color: o.color, Title: o.title}
}

// isTerminal reports whether w is a terminal that takes cursor control
// (progress lines).
func isTerminal(w io.Writer) bool { return os.Getenv("TERM") != "dumb" && isTTY(w) }

// isTTY reports whether w is a terminal (not merely a character device
// such as /dev/null).
func isTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// wantsColor reports whether w is a terminal that wants colour.
func wantsColor(w io.Writer) bool { return isTerminal(w) && os.Getenv("NO_COLOR") == "" }

func printDiff(w io.Writer, r *qos.DiffReport, o diffPrintOptions) error {
	switch {
	case structured(o.format):
		return printStructured(w, o.format, structuredReport(r, o.onlyDrift))
	}
	return table.WriteDiff(w, r, o.table())
}

// structuredReport is the document -o json or yaml prints: with
// --only-drift only the unexplained results.
func structuredReport(r *qos.DiffReport, onlyDrift bool) *qos.DiffReport {
	if !onlyDrift {
		return r
	}
	return r.DriftOnly()
}
