package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
)

type diffOptions struct {
	tree        treeFlags
	profile     profileFlags
	in          podInput
	static      staticPodFlags
	http        httpFlags
	kubeletPods string
	complete    bool
	onlyDrift   bool
	out         outputFlag
	// Cluster mode (cluster_diff.go).
	cluster     clusterFlags
	clusterDiff clusterDiffFlags
	// label shows a file name in the report (the demo hides its temporary
	// directory); nil shows names as given.
	label func(string) string
}

// newDiffCmdWith builds the diff command around o (the demo presets
// o.label, the root command o.cluster.connect).
func newDiffCmdWith(s streams, o *diffOptions) *cobra.Command {
	c := &cobra.Command{
		Use:   "diff (pod/NAME... | -l SELECTOR | --node NODE | --all-nodes) | diff [--root DIR | --snapshot FILE] (-f FILE | --kubelet-pods URL | --static-pods DIR)",
		Short: "Compare a node's cgroups with what its pods' specs ask for, and explain every difference",
		Long: `Compute what the kubelet and the container runtime should have written
into every cgroup of a node for the given pods, read what the node's cgroups
hold, and compare them file by file.

Each file is a match, an explained difference (a known, harmless cause such
as the runtime's shares-to-weight formula, systemd's quota rounding, a QoS
tier the kubelet refreshes once a minute, or an in-place resize still in
progress) or drift: a value nothing explains, shown with what was expected,
what was found and how the expected value was derived. Expected cgroups that
do not exist are missing; pod and container cgroups no listed pod explains
are unexpected (leftovers).

Cluster mode, from a workstation: name pods (pod/NAME or NAME, in -n or the
context's namespace), select them (-l, -A), or name nodes (--node,
node/NAME, --all-nodes). Each node involved is read by a short-lived
snapshot pod (pinned to the node, read-only hostPath of /sys/fs/cgroup,
image --image, namespace --snapshot-namespace) that streams an archive of
the Kubernetes cgroups over exec and is deleted afterwards, also on error
and Ctrl-C ("cleanup" removes leftovers of a killed run). The node's pods
come from the API server (its complete pod list), the kubelet's version and
the CRI runtime and the machine's capacity from the Node object, the kubelet
configuration from /api/v1/nodes/NODE/proxy/configz (without nodes/proxy
permission: the defaults, with a note). The kubectl flags (--kubeconfig,
--context, --as, ...) apply; --token, --client-certificate, --client-key,
--certificate-authority, --insecure-skip-tls-verify and --request-timeout
then authenticate to the API server. For pods, the whole node is compared
but only those pods are reported. The output is one report per node
(-o json: kind DiffReportList); nodes that cannot be read are reported and
the others still checked.

Node mode, on a node or with files from one; pods come from one of:
  -f FILE            manifests or pods, for example the output of
                     kubectl get pods -A --field-selector spec.nodeName=NODE -o json
  --kubelet-pods URL the kubelet's /pods endpoint: the node's complete pod
                     list (read-only port http://127.0.0.1:10255/pods, or
                     https://NODE:10250/pods with --token or a client certificate)
  --static-pods DIR  the kubelet's static pod manifests

The node profile starts from a stock v1.37.2 kubelet; what the node shows
(cgroup version, driver and cgroupRoot from the tree; CPUs, memory, PIDs and
huge page sizes from the machine, the snapshot or the Node object)
replaces the defaults; --node-config (a KubeletConfiguration file, or the
kubelet's /configz URL) or, in cluster mode, the kubelet's /configz supplies
the kubelet settings; flags override everything. The OCI runtime is unknown
unless given: both shares-to-weight formulas are accepted and the report
says which one the node's containers show. The report lists where every
profile fact came from.

Exit status: 0 when everything matches or is explained, 1 when unexplained
differences exist, 2 on error (in cluster mode: when no node could be
checked; nodes that could not be are listed and warned about).`,
		Example: `  # From a workstation: one pod, the pods of a deployment, a node, every node
  kubectl cgroups diff pod/web-7d4b9c -n shop
  kubectl cgroups diff -l app=web -n shop
  kubectl cgroups diff --node node-7 --only-drift
  kubectl cgroups diff --all-nodes --max-concurrency 10 -o json

  # On a node: the kubelet's own pod list and configuration
  kubectl-cgroups diff --kubelet-pods http://127.0.0.1:10255/pods \
      --node-config https://127.0.0.1:10250/configz --token-file /var/run/secrets/kubernetes.io/serviceaccount/token \
      --insecure-skip-tls-verify

  # Pods from the API server, checked against a snapshot taken on the node
  # (kubectl cgroups snapshot node/node1 -o node1.tar.gz)
  kubectl get pods -A --field-selector spec.nodeName=node1 -o json > pods.json
  kubectl-cgroups diff --snapshot node1.tar.gz -f pods.json --complete-pod-list

  # Only what differs, as JSON
  kubectl-cgroups diff -f pods.json --only-drift -o json`,
		RunE: func(c *cobra.Command, args []string) error {
			return o.run(c, s, args)
		},
	}
	o.tree.addSourceFlags(c)
	o.profile.addFlags(c)
	o.in.addFlags(c.Flags())
	o.static.addFlags(c)
	o.http.addFlags(c)
	c.Flags().StringVar(&o.kubeletPods, "kubelet-pods", "", "URL of the kubelet's /pods endpoint (the node's complete pod list).")
	c.Flags().BoolVar(&o.complete, "complete-pod-list", false, "The pods given are every pod of the node, so pod cgroups no pod explains are leftovers (implied by --kubelet-pods).")
	c.Flags().BoolVar(&o.onlyDrift, "only-drift", false, "Show only cgroups with unexplained differences (the summary still counts everything).")
	addOutputFlag(c, &o.out, "table", "wide", "json", "yaml")
	c.MarkFlagsMutuallyExclusive("filename", "kubelet-pods", "static-pods")
	o.clusterDiff.addFlags(c)
	o.cluster.addFlags(c, &o.http)
	return c
}

func (o *diffOptions) run(c *cobra.Command, s streams, args []string) error {
	if err := o.out.validate(); err != nil {
		return err
	}
	cluster, err := o.clusterMode(c, args)
	if err != nil {
		return err
	}
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	o.profile.fetch = func(url string) ([]byte, error) { return o.http.get(ctx, url) }
	if c.Flags().Changed("cgroup-driver") {
		o.tree.driver = o.profile.cgroupDriver
	}
	if cluster {
		return o.runCluster(c, s, args)
	}
	run, err := o.prepare(ctx, c, s)
	if err != nil {
		return err
	}
	defer run.fsys.Close()
	report, err := run.diff()
	if err != nil {
		return err
	}
	if err := printDiff(s.Out, report, diffPrintOptions{
		format: o.out.format, onlyDrift: o.onlyDrift, color: isTerminal(s.Out),
	}); err != nil {
		return err
	}
	if report.Summary.Unexplained() > 0 {
		return &exitError{code: 1}
	}
	return nil
}

func (o *diffOptions) labelOf(name string) string {
	if o.label == nil {
		return name
	}
	return o.label(name)
}

// diffRun is a diff ready to run: the tree, the pods and the profile.
type diffRun struct {
	fsys     *cgroupfs.FS
	nodeOpts cgroupfs.NodeOptions
	// node is the discovery read (discoveryOptions) the profile's tree
	// facts come from; diff reads the files it compares afresh.
	node    *cgroupfs.Node
	pods    []*corev1.Pod
	profile qos.Profile
	sources map[string]string
	opts    qos.DiffOptions
	notes   []qos.Note
	// expectation is what diff computed (cluster mode reads the pods'
	// resize states from it).
	expectation *qos.Expectation
}

// prepare opens the tree, reads the node, loads the pods and resolves the
// profile.
func (o *diffOptions) prepare(ctx context.Context, c *cobra.Command, s streams) (*diffRun, error) {
	if o.in.files == nil && o.kubeletPods == "" && o.static.dir == "" {
		return nil, errors.New("no pods: give -f FILE, --kubelet-pods URL or --static-pods DIR (node mode), or pod/NAME, -l SELECTOR, --node NODE or --all-nodes (cluster mode)")
	}
	nodeOpts, err := o.tree.nodeOptions()
	if err != nil {
		return nil, err
	}
	fsys, src, snap, err := o.tree.open()
	if err != nil {
		return nil, err
	}
	r := &diffRun{fsys: fsys, nodeOpts: nodeOpts}
	ok := false
	defer func() {
		if !ok {
			fsys.Close()
		}
	}()
	if r.node, err = fsys.Node(discoveryOptions(nodeOpts)); err != nil {
		return nil, err
	}
	facts := treeFacts(r.node, src.Kind)
	switch {
	case snap != nil:
		facts.machine, facts.machineSource = snap.Info.Machine, "snapshot"
		if snap.Info.PageSizeBytes != 0 {
			facts.pageSize = snap.Info.PageSizeBytes
		}
		if snap.Info.CapturedAt.IsZero() {
			r.notes = append(r.notes, qos.Note{Reason: qos.ReasonTimeUnknown, Message: "the snapshot does not record when it was taken, so QoS tier values that lag recent pods cannot be explained"})
		} else {
			r.opts.Now = snap.Info.CapturedAt
		}
	default:
		r.opts.Now = time.Now()
		facts.pageSize = int64(os.Getpagesize())
		if m, err := readMachine("/proc", "/sys"); err == nil {
			facts.machine, facts.machineSource = m, "host"
		} else {
			r.notes = append(r.notes, qos.Note{Reason: qos.ReasonCapacityUnknown, Message: fmt.Sprintf("the machine's capacity could not be read (%v); kubepods values use --node-capacity or the defaults", err)})
		}
	}
	if facts.machine == nil && !c.Flags().Changed("node-capacity") {
		r.notes = append(r.notes, qos.Note{Reason: qos.ReasonCapacityUnknown, Message: "the machine's capacity is not known (a snapshot without machine facts); kubepods values assume the default 8 CPUs and 32 GiB: give --node-capacity"})
	}
	if !c.Flags().Changed("oci-runtime") {
		o.profile.ociRuntime = "unknown"
	}
	if r.profile, r.sources, err = o.profile.resolve(c, facts); err != nil {
		return nil, err
	}
	if !c.Flags().Changed("oci-runtime") {
		r.sources["ociRuntime"] = "default: unknown, both formulas accepted; the report infers it"
	}

	switch {
	case o.kubeletPods != "":
		body, err := o.http.get(ctx, o.kubeletPods)
		if err != nil {
			return nil, fmt.Errorf("--kubelet-pods: %w", err)
		}
		if r.pods, err = readPodList(body, o.kubeletPods); err != nil {
			return nil, err
		}
		r.opts.CompletePodList = true
		r.sources["pods"] = o.kubeletPods
	case o.static.dir != "":
		if r.pods, err = o.static.load(); err != nil {
			return nil, err
		}
		r.sources["pods"] = "static pods " + o.labelOf(o.static.dir)
	default:
		if r.pods, err = o.in.load(s.In, r.profile); err != nil {
			return nil, err
		}
		var names []string
		for _, f := range o.in.files {
			names = append(names, o.labelOf(f))
		}
		r.sources["pods"] = strings.Join(names, ", ")
	}
	if o.complete {
		r.opts.CompletePodList = true
	}
	for _, pod := range r.pods {
		if err := r.profile.DefaultPod(pod); err != nil {
			return nil, err
		}
	}
	ok = true
	return r, nil
}

// discoveryOptions are opts for the read that precedes the expectation:
// the node levels with their files (treeFacts reads huge page sizes and
// swap accounting from kubepods), and the pods and containers without
// any (treeFacts needs only the runtime's naming). diff then reads the
// files the expectation compares, and only those.
func discoveryOptions(opts cgroupfs.NodeOptions) cgroupfs.NodeOptions {
	opts.Files = map[cgroupfs.Level][]string{cgroupfs.LevelPod: {}, cgroupfs.LevelContainer: {}}
	return opts
}

// diff computes the expectation, reads the files it compares, and
// compares.
func (r *diffRun) diff() (*qos.DiffReport, error) {
	x, err := qos.Expect(r.pods, r.profile)
	if err != nil {
		return nil, err
	}
	r.expectation = x
	opts := r.nodeOpts
	opts.Files = x.Files()
	node, err := r.fsys.Node(opts)
	if err != nil {
		return nil, err
	}
	report := qos.Diff(x, node, r.opts)
	report.ProfileSources = r.sources
	report.Notes = append(r.notes, report.Notes...)
	for _, n := range node.Notes {
		report.Notes = append(report.Notes, qos.Note{Reason: qos.ReasonTree, Message: n})
	}
	return report, nil
}

func treeFacts(n *cgroupfs.Node, sourceKind string) *nodeFacts {
	f := &nodeFacts{treeSource: "tree"}
	if sourceKind == "snapshot" {
		f.treeSource = "snapshot"
	}
	f.cgroupVersion = n.Mode.Version()
	f.driver = string(n.Driver)
	f.cgroupRoot = n.CgroupRoot
	if n.PageSizeBytes != 0 && sourceKind == "snapshot" {
		f.pageSize = n.PageSizeBytes
	}
	if n.Kubepods != nil {
		_, hasHugetlb := n.Controllers["hugetlb"]
		f.hugetlbKnown = true
		rsvd := false
		for name, file := range n.Kubepods.Files {
			size, ok := strings.CutPrefix(name, "hugetlb.")
			if !ok || !hasHugetlb {
				continue
			}
			sizeName, rest, _ := strings.Cut(size, ".")
			if strings.HasPrefix(rest, "rsvd.") && file.Err == nil {
				rsvd = true
			}
			if b, err := convert.ParseHugePageSizeName(sizeName); err == nil && !slices.Contains(f.hugePageSizes, b) {
				f.hugePageSizes = append(f.hugePageSizes, b)
			}
		}
		slices.Sort(f.hugePageSizes)
		if len(f.hugePageSizes) > 0 {
			f.hugetlbRsvd = &rsvd
		}
		swapFile := "memory.swap.max"
		if f.cgroupVersion == convert.CgroupV1 {
			swapFile = "memory.memsw.limit_in_bytes"
		}
		if file, ok := n.Kubepods.Files[swapFile]; ok {
			acct := !errors.Is(file.Err, os.ErrNotExist) && !errors.Is(file.Err, cgroupfs.ErrNotSupported)
			f.swapAccounting = &acct
		}
	}
	f.cri = criFromNaming(n)
	return f
}

// criFromNaming tells the CRI runtime from the container cgroups' names.
func criFromNaming(n *cgroupfs.Node) qos.CRIRuntime {
	counts := map[cgroupfs.Naming]int{}
	for _, p := range n.Pods {
		for _, c := range p.Containers {
			counts[c.Naming]++
		}
	}
	best, bestN := cgroupfs.Naming(""), 0
	for naming, k := range counts {
		if k > bestN || (k == bestN && naming < best) {
			best, bestN = naming, k
		}
	}
	switch {
	case strings.Contains(string(best), "crio"):
		return qos.CRICRIO
	case strings.Contains(string(best), "docker"):
		return qos.CRIDockerd
	}
	return ""
}
