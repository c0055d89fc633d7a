package table

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
)

// DiffOptions say how WriteDiff renders a report.
type DiffOptions struct {
	// Wide shows every file with its derivation (-o wide).
	Wide bool
	// OnlyDrift keeps only cgroups with unexplained differences (the
	// summary still counts everything).
	OnlyDrift bool
	// Color adds ANSI colours to the status column (for a terminal).
	Color bool
	// Title, when set, heads the table.
	Title string
}

// WriteDiff renders a report as a table: one line per cgroup (status,
// level, pod and container, path) with its differing files below it,
// then the notes and a summary line, laid out for 80 columns.
// Every string from the report is escaped (see safetext.Escape).
func WriteDiff(w io.Writer, r *qos.DiffReport, o DiffOptions) error {
	color := o.Color
	o.Color = false
	return writeSafe(w, color, func(w io.Writer) error { return writeDiffTable(w, r, o) })
}

// cgroupGroup is the results of one cgroup, in report order.
type cgroupGroup struct {
	first   qos.DiffResult
	results []qos.DiffResult
	status  qos.Status
}

// file returns what the cgroup's file name holds ("" when not read).
func (g *cgroupGroup) file(name string) string {
	for _, r := range g.results {
		if r.File == name {
			return r.Actual
		}
	}
	return ""
}

func groupResults(results []qos.DiffResult) []*cgroupGroup {
	var groups []*cgroupGroup
	index := map[string]*cgroupGroup{}
	for _, r := range results {
		key := r.UID + "\x00" + string(r.Level) + "\x00" + string(r.ContainerType) + "\x00" + r.Container + "\x00" + r.Path
		g := index[key]
		if g == nil {
			g = &cgroupGroup{first: r, status: qos.StatusMatch}
			index[key] = g
			groups = append(groups, g)
		}
		g.results = append(g.results, r)
		if r.Status.Severity() > g.status.Severity() {
			g.status = r.Status
		}
	}
	return groups
}

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiCyan   = "\x1b[36m"
)

func statusLabel(s qos.Status, color bool) string {
	label := string(s)
	if s.Unexplained() {
		label = strings.ToUpper(label)
	}
	padded := fmt.Sprintf("%-10s", label)
	if !color {
		return padded
	}
	c := ansiGreen
	switch {
	case s.Unexplained():
		c = ansiRed
	case s == qos.StatusExplained:
		c = ansiYellow
	case s == qos.StatusUnlisted, s == qos.StatusUnverified:
		c = ansiCyan
	}
	return c + padded + ansiReset
}

// writeDiffTable renders one line per cgroup (status, level, pod and
// container, path), with each file that is not a plain match expanded
// below it, then the notes and a summary line. Table output fits 80
// columns; wide output adds every file and each expected value's
// derivation.
func writeDiffTable(w io.Writer, r *qos.DiffReport, o DiffOptions) error {
	wide := o.Wide
	var b strings.Builder
	if o.Title != "" {
		fmt.Fprintf(&b, "%s\n\n", o.Title)
	}
	writeDiffHeader(&b, r)
	fmt.Fprintf(&b, "%-10s %-10s %s\n", "STATUS", "LEVEL", "CGROUP")
	for _, g := range groupResults(r.Results) {
		if o.OnlyDrift && !g.status.Unexplained() {
			continue
		}
		width := 80 - 22
		if wide {
			width = math.MaxInt32 // -o wide does not shorten names, as kubectl's
		}
		fmt.Fprintf(&b, "%s %-10s %s\n", statusLabel(g.status, o.Color), string(g.first.Level), cgroupLabel(g.first, width))
		if wide {
			writeWrapped(&b, "    ", "path "+g.first.Path)
		}
		period := g.file("cpu.cfs_period_us")
		for _, res := range g.results {
			if res.File == "" {
				writeWrapped(&b, "    ", res.Message)
				continue
			}
			// Unverified files are grouped by cause in the notes;
			// wide output lists each.
			if (res.Status == qos.StatusMatch || res.Status == qos.StatusUnverified) && !wide {
				continue
			}
			if o.OnlyDrift && !res.Status.Unexplained() {
				continue
			}
			writeFileResult(&b, res, period, wide)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range r.Notes {
			writeWrapped(&b, "  ", fmt.Sprintf("- %s", n.Message))
		}
	}
	writeEffects(&b, r.Effects, wide)
	s := r.Summary
	writeSummaryCounts(&b, r)
	if s.Unlisted > 0 {
		fmt.Fprintf(&b, ", %d pods not in the input", s.Unlisted)
	}
	b.WriteString("\n")
	switch {
	case s.Unexplained() == 0 && s.Unverified > 0:
		b.WriteString("No unexplained difference; the unverified values need the inputs the notes name.\n")
	case s.Unexplained() == 0:
		b.WriteString("Every file matches or is explained.\n")
	default:
		fmt.Fprintf(&b, "%d unexplained difference(s).\n", s.Unexplained())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDiffHeader(b *strings.Builder, r *qos.DiffReport) {
	p := r.Profile
	fmt.Fprintf(b, "NODE  %s (cgroup %s), %s driver, cgroupRoot %s\n", r.Node.Mode, p.CgroupVersion, p.Kubelet.CgroupDriver, orSlash(p.Kubelet.CgroupRoot))
	fmt.Fprintf(b, "      kubelet %s, %s + %s\n", p.KubernetesVersion, p.Runtime.CRI, p.Runtime.OCI)
	// Where the profile came from, grouped by source.
	bySource := map[string][]string{}
	var order []string
	for _, k := range []string{"cgroupVersion", "cgroupDriver", "cgroupRoot", "capacity", "hugePageSizes", "pageSize", "swapAccounting", "hugetlbRsvd", "runtime", "kubelet", "kubernetesVersion", "featureGates", "ociRuntime"} {
		v, ok := r.ProfileSources[k]
		if !ok || v == "default" || strings.HasPrefix(v, "default") {
			continue
		}
		if _, seen := bySource[v]; !seen {
			order = append(order, v)
		}
		bySource[v] = append(bySource[v], k)
	}
	var from []string
	for _, src := range order {
		from = append(from, src+": "+strings.Join(bySource[src], ", "))
	}
	if p, ok := r.ProfileSources["pods"]; ok {
		writeWrapped(b, "      ", "pods from "+p)
	}
	if len(from) > 0 {
		writeWrapped(b, "      ", "profile from "+strings.Join(from, "; ")+"; the rest defaults")
	}
	if f := r.Node.WeightFormula; f != nil {
		writeWrapped(b, "      ", "cpu.weight formula: "+f.Message)
	}
	b.WriteString("\n")
}

func orSlash(s string) string {
	if s == "" {
		return "/"
	}
	return s
}

// cgroupLabel names a cgroup in at most n columns: the path of a node
// level, namespace/name and short UID of a pod, the name and short ID of a
// container (indented under its pod).
func cgroupLabel(r qos.DiffResult, n int) string {
	switch r.Level {
	case cgroupfs.LevelPod:
		who := r.Pod
		if who == "" {
			who = "(not in the input)"
		}
		return fit(who, n-15) + "  pod" + shortID(r.UID, 8)
	case cgroupfs.LevelContainer:
		return "  " + containerLabel(r, n-2)
	}
	return fit(r.Path, n)
}

// containerLabel names a container cgroup in at most n columns: its pod
// (namespace/name, or the pod's short UID when no listed pod explains
// it), the container's name and its short ID, so that a row read alone
// (--only-drift) still says whose container it is. A long pod name is
// shortened first, at its end (its namespace stays).
func containerLabel(r qos.DiffResult, n int) string {
	pod := r.Pod
	if pod == "" && r.UID != "" {
		pod = "pod" + shortID(r.UID, 8)
	}
	name := r.Container
	switch {
	case r.ContainerType == qos.ContainerSandbox:
		name = "(sandbox)"
	case name == "":
		name = "(unknown)"
	case r.ContainerType != qos.ContainerApp && r.ContainerType != "":
		name += " (" + string(r.ContainerType) + ")"
	}
	if r.ContainerID != "" {
		name += "  " + shortID(r.ContainerID, 12)
	}
	if pod == "" {
		return fit(name, n)
	}
	if room := n - 2 - len([]rune(name)); room >= 12 {
		if r := []rune(pod); len(r) > room {
			pod = string(r[:room-1]) + "…"
		}
		return pod + "  " + name
	}
	return fit(pod+"  "+name, n)
}

func shortID(id string, n int) string {
	if len(id) > n {
		return id[:n]
	}
	return id
}

// fit shortens s to n columns, keeping its end (container names).
func fit(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}

func writeFileResult(b *strings.Builder, res qos.DiffResult, period string, wide bool) {
	line := res.File
	amount := func(v string) string { return v + amountOf(res.File, v, period) }
	switch res.Status {
	case qos.StatusMatch:
		line += fmt.Sprintf("  %s", amount(res.Actual))
	case qos.StatusExplained:
		line += fmt.Sprintf("  %s  (%s)", valueOrNone(amount(res.Actual)), res.Reason)
	case qos.StatusUnverified:
		// The notes group the causes: "every cpu.cfs_period_us reads ...".
		expected := make([]string, len(res.Expected))
		for i, v := range res.Expected {
			expected[i] = amount(v)
		}
		line += fmt.Sprintf("  expected %s, found %s  (unverified: %s assumed)", strings.Join(expected, " or "), amount(res.Actual), res.Input)
	case qos.StatusDrift:
		expected := make([]string, len(res.Expected))
		for i, v := range res.Expected {
			expected[i] = amount(v)
		}
		line += fmt.Sprintf("  expected %s, found %s", strings.Join(expected, " or "), amount(res.Actual))
	default:
		line += fmt.Sprintf("  %s", res.Status)
	}
	writeWrapped(b, "    ", line)
	if res.Status != qos.StatusMatch && res.Status != qos.StatusDrift && res.Status != qos.StatusUnverified && res.Message != "" {
		writeWrapped(b, "      ", res.Message)
	}
	if res.Status == qos.StatusDrift || (wide && res.Derivation != "") {
		writeWrapped(b, "      ", "expected: "+res.Derivation)
	}
}

func valueOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// writeWrapped writes text wrapped at tableWidth columns with the given
// indent on every line.
// Wrap writes text to b wrapped at Width columns, each line after indent
// (continuation lines indented two more spaces).
func Wrap(b *strings.Builder, indent, text string) { writeWrapped(b, indent, text) }

func writeWrapped(b *strings.Builder, indent, text string) {
	width := tableWidth - len([]rune(indent))
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len([]rune(line))+1+len([]rune(word)) > width {
			b.WriteString(indent + line + "\n")
			line = "  " + word
			continue
		}
		if line == "" {
			line = word
		} else {
			line += " " + word
		}
	}
	if line != "" {
		b.WriteString(indent + line + "\n")
	}
}

// writeEffects renders what the limits do to the workload: one paragraph
// per finding (its cgroup, reason and message), and, wide, the counters
// that could not be read.
func writeEffects(b *strings.Builder, e *qos.EffectReport, wide bool) {
	if e == nil {
		return
	}
	b.WriteString("\nEffects (the kernel's counters")
	if e.WindowSeconds > 0 {
		fmt.Fprintf(b, ", over %.0f s", e.WindowSeconds)
	} else {
		b.WriteString(", since each cgroup started")
	}
	b.WriteString("):\n")
	if len(e.Effects) == 0 {
		b.WriteString("  none: no throttling, OOM kill, refused fork or pressure\n")
	}
	for _, f := range e.Effects {
		who := f.Path
		if f.ResultCgroup != nil && f.Pod != "" {
			who = f.Pod
			if f.Container != "" {
				who += " " + f.Container
			} else {
				who += " (" + string(f.Level) + ")"
			}
		}
		writeWrapped(b, "  ", fmt.Sprintf("%s  %s: %s", strings.ToUpper(string(f.Reason)), who, f.Message))
	}
	if wide {
		for _, n := range e.Notes {
			writeWrapped(b, "  ", "- "+n.Message)
		}
	}
}

// writeSummaryCounts writes the counts of the summary line: the statuses
// of the files, which add up to the files compared, then those of whole
// cgroups (missing, unexpected, explained as gone) when there are any.
func writeSummaryCounts(b *strings.Builder, r *qos.DiffReport) {
	f, c := r.Levels()
	fmt.Fprintf(b, "\n%d cgroups, %d files: %d match, %d explained, %d drift, %d missing, %d unexpected", f.Cgroups, f.Files, f.Match, f.Explained, f.Drift, f.Missing, f.Unexpected)
	if f.Unverified > 0 {
		fmt.Fprintf(b, ", %d unverified (see the notes)", f.Unverified)
	}
	if f.Errors > 0 {
		fmt.Fprintf(b, ", %d unreadable", f.Errors)
	}
	var whole []string
	for _, n := range []struct {
		count int
		what  string
	}{{c.Match, "match"}, {c.Explained, "explained"}, {c.Drift, "drift"}, {c.Missing, "missing"}, {c.Unexpected, "unexpected"}, {c.Errors, "unreadable"}} {
		if n.count > 0 {
			whole = append(whole, fmt.Sprintf("%d %s", n.count, n.what))
		}
	}
	if len(whole) > 0 {
		fmt.Fprintf(b, "; whole cgroups: %s", strings.Join(whole, ", "))
	}
}
