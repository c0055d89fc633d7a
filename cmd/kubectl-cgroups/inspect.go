package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
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
	fl.StringVar(&f.snapshot, "snapshot", "", "Read a snapshot (.tar.gz or .txtar, from the snapshot command or a plain tar.gz of a copied /sys/fs/cgroup) instead of the live tree.")
	fl.StringVar(&f.cgroupRoot, "cgroup-root", "", "Kubelet cgroupRoot, such as / or /custom (default: searched, recorded in a snapshot).")
	c.MarkFlagsMutuallyExclusive("root", "snapshot")
}

// treeSource says where a tree came from; it is part of the -o json
// documents.
type treeSource struct {
	// Kind is "live", "snapshot" or "cluster" (read through the
	// Kubernetes API by a snapshot pod).
	Kind string `json:"kind"`
	// Path is the mount point, the snapshot file, or node/NAME.
	Path string `json:"path"`
	// The snapshot's metadata.
	CapturedAt  *time.Time `json:"capturedAt,omitempty"`
	Hostname    string     `json:"hostname,omitempty"`
	ToolVersion string     `json:"toolVersion,omitempty"`
	Description string     `json:"description,omitempty"`
}

// open opens the selected tree.
func (f *treeFlags) open() (*cgroupfs.FS, treeSource, *cgroupfs.Snapshot, error) {
	if f.snapshot == "" {
		fsys, err := cgroupfs.NewFS(f.root)
		return fsys, treeSource{Kind: "live", Path: f.root}, nil, err
	}
	file, err := os.Open(f.snapshot)
	if err != nil {
		return nil, treeSource{}, nil, err
	}
	defer file.Close()
	snap, err := cgroupfs.ReadSnapshot(file, cgroupfs.SnapshotLimits{})
	if err != nil {
		return nil, treeSource{}, nil, fmt.Errorf("%s: %w", f.snapshot, err)
	}
	fsys, err := snap.FS()
	if err != nil {
		return nil, treeSource{}, nil, fmt.Errorf("%s: %w", f.snapshot, err)
	}
	src := treeSource{Kind: "snapshot", Path: f.snapshot, Hostname: snap.Info.Hostname, ToolVersion: snap.Info.ToolVersion, Description: snap.Info.Description}
	if !snap.Info.CapturedAt.IsZero() {
		at := snap.Info.CapturedAt
		src.CapturedAt = &at
	}
	return fsys, src, snap, nil
}

func (f *treeFlags) nodeOptions() (cgroupfs.NodeOptions, error) {
	switch f.driver {
	case "", "cgroupfs", "systemd":
	default:
		return cgroupfs.NodeOptions{}, fmt.Errorf("--cgroup-driver %q: want cgroupfs or systemd", f.driver)
	}
	return cgroupfs.NodeOptions{Driver: cgroupfs.Driver(f.driver), CgroupRoot: f.cgroupRoot}, nil
}

type inspectOptions struct {
	tree    treeFlags
	pod     string
	out     outputFlag
	cluster clusterFlags

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
afterwards (see "diff --help" and the snapshot pod flags). pod/NAME reads
the node of that pod and shows only the pod.

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
	addOutputFlag(c, &o.out, "table", "wide", "json", "yaml")
	o.cluster.addFlags(c)
	return c
}

// nodeCgroups is the -o json/yaml document of inspect.
type nodeCgroups struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Source     treeSource `json:"source"`
	*cgroupfs.Node
}

// Complete tells the mode: node/NAME, pod/NAME or a kubectl flag read the
// cluster; otherwise the tree here.
func (o *inspectOptions) Complete(c *cobra.Command, args []string) error {
	o.cmd, o.args = c, args
	o.clusterMode = len(args) > 0 || clusterChanged(c)
	return nil
}

// Validate checks the output format.
func (o *inspectOptions) Validate() error { return o.out.validate() }

// Run reads and prints.
func (o *inspectOptions) Run(context.Context) error {
	if o.clusterMode {
		return o.runCluster(o.cmd, o.IOStreams, o.args)
	}
	return o.run(o.IOStreams)
}

func (o *inspectOptions) run(s genericiooptions.IOStreams) error {
	opts, err := o.tree.nodeOptions()
	if err != nil {
		return err
	}
	opts.PodUID = o.pod
	fsys, src, _, err := o.tree.open()
	if err != nil {
		return err
	}
	defer fsys.Close()
	node, err := fsys.Node(opts)
	if err != nil {
		return err
	}
	if err := checkPodFound(node, o.pod); err != nil {
		return err
	}
	return o.print(s, node, src)
}

// print writes what inspect read.
func (o *inspectOptions) print(s genericiooptions.IOStreams, node *cgroupfs.Node, src treeSource) error {
	switch o.out.format {
	case "json", "yaml":
		return printStructured(s.Out, o.out.format, nodeCgroups{APIVersion: apiVersion, Kind: "NodeCgroups", Source: src, Node: node})
	}
	return printNodeTable(s.Out, node, src, o.out.format == "wide")
}

// checkPodFound fails when a pod asked for (by UID) is not in the node.
func checkPodFound(node *cgroupfs.Node, uid string) error {
	if uid == "" || node.Pod(uid) != nil {
		return nil
	}
	if len(node.Gone) > 0 {
		return fmt.Errorf("pod %s vanished while it was read", uid)
	}
	return fmt.Errorf("pod %s: no pod cgroup under %s in any QoS tier", uid, node.Kubepods.Path)
}

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

func printNodeTable(w io.Writer, n *cgroupfs.Node, src treeSource, wide bool) error {
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
