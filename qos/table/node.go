package table

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
)

// column is one value column of the inspect table.
type column struct {
	header string
	file   string
	// second is shown after a slash (cpu.cfs_period_us after the quota).
	second string
	memory bool
}

func tableColumns(n *cgroupfs.Node, wide bool) []column {
	var cols []column
	if n.Mode.Version() == convert.CgroupV1 {
		cols = []column{
			{header: "CPU.SHARES", file: "cpu.shares"},
			{header: "QUOTA/PERIOD", file: "cpu.cfs_quota_us", second: "cpu.cfs_period_us"},
			{header: "MEMORY.LIMIT", file: "memory.limit_in_bytes", memory: true},
			{header: "PIDS.MAX", file: "pids.max"},
		}
		if wide {
			cols = append(cols,
				column{header: "MEMSW.LIMIT", file: "memory.memsw.limit_in_bytes", memory: true},
				column{header: "CPUSET.CPUS", file: "cpuset.cpus"},
				column{header: "CPUSET.MEMS", file: "cpuset.mems"})
		}
	} else {
		cols = []column{
			{header: "CPU.WEIGHT", file: "cpu.weight"},
			{header: "CPU.MAX", file: "cpu.max"},
			{header: "MEMORY.MAX", file: "memory.max", memory: true},
			{header: "PIDS.MAX", file: "pids.max"},
		}
		if wide {
			for _, f := range []string{"memory.min", "memory.low", "memory.high", "memory.swap.max"} {
				cols = append(cols, column{header: strings.ToUpper(f), file: f, memory: true})
			}
			cols = append(cols,
				column{header: "OOM.GROUP", file: "memory.oom.group"},
				column{header: "CPUSET.CPUS", file: "cpuset.cpus"},
				column{header: "CPUSET.MEMS", file: "cpuset.mems"})
		}
	}
	if wide {
		for _, f := range hugetlbLimitFiles(n) {
			cols = append(cols, column{header: strings.ToUpper(f), file: f, memory: true})
		}
	}
	return cols
}

// hugetlbLimitFiles returns the plain hugetlb limit files read at
// kubepods, by page size.
func hugetlbLimitFiles(n *cgroupfs.Node) []string {
	type sized struct {
		size uint64
		name string
	}
	var out []sized
	for name := range n.Kubepods.Files {
		rest, ok := strings.CutPrefix(name, "hugetlb.")
		if !ok || strings.Contains(rest, ".rsvd.") {
			continue
		}
		sizeName, _, _ := strings.Cut(rest, ".")
		if size, err := convert.ParseHugePageSizeName(sizeName); err == nil {
			out = append(out, sized{size, name})
		}
	}
	slices.SortFunc(out, func(a, b sized) int { return cmp.Compare(a.size, b.size) })
	names := make([]string, len(out))
	for i, s := range out {
		names[i] = s.name
	}
	return names
}

// cell renders one file for the table; wide shows raw text.
func cell(cg *cgroupfs.Cgroup, c column, n *cgroupfs.Node, wide bool, marks map[string]bool) string {
	one := func(name string, memory bool) string {
		f, ok := cg.Files[name]
		if !ok {
			return ""
		}
		switch f.Status() {
		case "ok":
		case "missing":
			marks["-"] = true
			return "-"
		case "not-supported":
			marks["n/a"] = true
			return "n/a"
		default:
			marks["ERR"] = true
			return "ERR"
		}
		if !memory || wide {
			if f.Raw == "" {
				return `""`
			}
			return f.Raw
		}
		return humanBytes(f, n)
	}
	v := one(c.file, c.memory)
	if c.second != "" {
		v += "/" + one(c.second, false)
	}
	return v
}

// humanBytes shows a memory value in binary units when that is exact and
// short (128Mi), otherwise in bytes, and the cgroup v1 "unlimited" value
// as unlimited.
func humanBytes(f cgroupfs.File, n *cgroupfs.Node) string {
	b, ok := f.Value.(int64)
	switch {
	case !ok:
		return f.Raw
	case b < 0:
		return "max"
	case n.Mode.Version() == convert.CgroupV1 && convert.IsV1Unlimited(b, n.PageSizeBytes):
		return "unlimited"
	case b == 0:
		return "0"
	}
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"Ti", 1 << 40}, {"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if b%u.size == 0 && b/u.size < 10000 {
			return strconv.FormatInt(b/u.size, 10) + u.suffix
		}
	}
	return f.Raw
}

// alignedTable is a table whose columns line up across sections: rows
// of cells, and full-width text lines in between.
type alignedTable struct {
	rows [][]string // a row with one element and text set is a line
	text []bool
}

func (t *alignedTable) row(cells ...string) {
	t.rows = append(t.rows, cells)
	t.text = append(t.text, false)
}
func (t *alignedTable) line(s string) {
	t.rows = append(t.rows, []string{s})
	t.text = append(t.text, true)
}

func (t *alignedTable) write(w io.Writer) error {
	var widths []int
	for i, r := range t.rows {
		if t.text[i] {
			continue
		}
		for j, c := range r {
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], len(c))
		}
	}
	var b strings.Builder
	for i, r := range t.rows {
		if t.text[i] {
			b.WriteString(r[0] + "\n")
			continue
		}
		var line strings.Builder
		for j, c := range r {
			line.WriteString(c)
			if j < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[j]-len(c)+3))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// NodeOptions tune WriteNode.
type NodeOptions struct {
	// Wide shows more files, with their raw values.
	Wide bool
	// Effects, when set, are shown under the cgroup each concerns (an
	// indented "! REASON: message" paragraph), with a summary line and
	// the counters that could not be read after the table.
	Effects *qos.EffectReport
}

// WriteNode renders what a node's Kubernetes cgroups hold, as inspect
// shows it: kubepods, the tiers, then each pod with its containers, one
// row per cgroup with the main files (wide: more files, raw values) and
// its effects, then the unknown and gone entries, notes and file errors.
func WriteNode(w io.Writer, n *cgroupfs.Node, src cgroupfs.Source, o NodeOptions) error {
	return writeSafe(w, false, func(w io.Writer) error { return writeNode(w, n, src, o) })
}

func writeNode(w io.Writer, n *cgroupfs.Node, src cgroupfs.Source, o NodeOptions) error {
	wide := o.Wide
	var t alignedTable
	version := "cgroup v2"
	if n.Mode.Version() == convert.CgroupV1 {
		version = "cgroup v1 files"
	}
	t.line(fmt.Sprintf("Mode:     %s (%s), %s driver, cgroupRoot %s", n.Mode, version, n.Driver, n.CgroupRoot))
	t.line(fmt.Sprintf("Kubepods: %s, page size %d", n.Kubepods.Path, n.PageSizeBytes))
	source := src.Kind + " " + src.Path
	if src.CapturedAt != nil {
		source += ", captured " + src.CapturedAt.UTC().Format(time.RFC3339)
	}
	if src.Hostname != "" {
		source += " on " + src.Hostname
	}
	t.line("Source:   " + source)
	t.line("")
	cols := tableColumns(n, wide)
	marks := map[string]bool{}
	header := []string{"CGROUP"}
	for _, c := range cols {
		header = append(header, c.header)
	}
	t.row(header...)
	values := func(name string, cg *cgroupfs.Cgroup) {
		r := []string{name}
		for _, c := range cols {
			r = append(r, cell(cg, c, n, wide, marks))
		}
		t.row(r...)
		if o.Effects == nil {
			return
		}
		for _, e := range o.Effects.Effects {
			if e.ResultCgroup == nil || e.Path != cg.Path {
				continue
			}
			var b strings.Builder
			writeWrapped(&b, "    ", "! "+strings.ToUpper(string(e.Reason))+": "+e.Message)
			for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				t.line(l)
			}
		}
	}
	values("kubepods", n.Kubepods)
	for _, tier := range []struct {
		name string
		cg   *cgroupfs.Cgroup
	}{{"burstable", n.Burstable}, {"besteffort", n.BestEffort}} {
		if tier.cg != nil {
			values(tier.name, tier.cg)
		}
	}
	for _, p := range n.Pods {
		t.line("")
		title := strings.ToUpper(string(p.Tier)) + " POD " + p.UID
		if wide {
			title += "   " + p.Path
		}
		t.line(title)
		values("  pod", &p.Cgroup)
		for _, c := range p.Containers {
			name := c.ID
			if !wide && len(name) > 12 {
				name = name[:12]
			}
			values("  "+name, &c.Cgroup)
		}
	}
	if len(n.Pods) == 0 {
		t.line("")
		t.line("No pods.")
	}
	if err := t.write(w); err != nil {
		return err
	}

	var b strings.Builder
	var legend []string
	if marks["-"] {
		legend = append(legend, "- file missing")
	}
	if marks["n/a"] {
		legend = append(legend, "n/a controller not available")
	}
	if marks["ERR"] {
		legend = append(legend, "ERR see errors below")
	}
	if len(legend) > 0 {
		b.WriteString("\n" + strings.Join(legend, "; ") + ".\n")
	}
	writeNodeEffects(&b, o.Effects)
	if errs := fileErrors(n); len(errs) > 0 {
		b.WriteString("\nErrors:\n")
		for _, e := range errs {
			b.WriteString("  " + e + "\n")
		}
	}
	if len(n.Unknown) > 0 {
		b.WriteString("\nUnknown entries:\n")
		for _, u := range n.Unknown {
			b.WriteString("  " + u.Path + " (" + u.Reason + ")\n")
		}
	}
	if len(n.Gone) > 0 {
		b.WriteString("\nGone while reading:\n")
		for _, g := range n.Gone {
			b.WriteString("  " + string(g.Level) + " " + g.Path + "\n")
		}
	}
	if len(n.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, note := range n.Notes {
			b.WriteString("  " + note + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fileErrors lists the errors other than missing files and unavailable
// controllers, in cgroup order.
func fileErrors(n *cgroupfs.Node) []string {
	var out []string
	add := func(cg *cgroupfs.Cgroup) {
		if cg == nil {
			return
		}
		for _, name := range slices.Sorted(maps.Keys(cg.Files)) {
			f := cg.Files[name]
			if st := f.Status(); st != "ok" && st != "missing" && st != "not-supported" {
				out = append(out, f.Err.Error())
			}
		}
	}
	for cg := range n.Cgroups() {
		add(cg)
	}
	return out
}

// writeNodeEffects sums up the effects shown under their cgroups, and
// says which counters could not be read, once each.
func writeNodeEffects(b *strings.Builder, e *qos.EffectReport) {
	if e == nil {
		return
	}
	when := "since each cgroup started"
	if e.WindowSeconds > 0 {
		when = "over " + strconv.FormatFloat(e.WindowSeconds, 'f', -1, 64) + " s"
	}
	b.WriteString("\n")
	switch n := len(e.Effects); n {
	case 0:
		writeWrapped(b, "", "Effects (the kernel's counters, "+when+"): none: no throttling, OOM kill, refused fork or pressure.")
	default:
		writeWrapped(b, "", fmt.Sprintf("Effects (the kernel's counters, %s): %d, shown under their cgroups (!).", when, n))
	}
	for _, note := range e.Notes {
		writeWrapped(b, "  ", "- "+note.Message)
	}
}
