package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/kubelet"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

type diffOptions struct {
	tree        treeFlags
	profile     profileFlags
	in          podInput
	static      staticPodFlags
	kubelet     kubeletFlags
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

	genericiooptions.IOStreams
	// Filled by Complete.
	cmd         *cobra.Command
	clusterMode bool
	targets     []target
	nodeOpts    cgroupfs.NodeOptions
}

// newDiffCmdWith builds the diff command around o (the demo presets
// o.label, the root command o.cluster.connect).
func newDiffCmdWith(s genericiooptions.IOStreams, o *diffOptions) *cobra.Command {
	o.IOStreams = s
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
		RunE: runOptions(o),
	}
	o.tree.addSourceFlags(c)
	o.profile.addFlags(c)
	o.in.addFlags(c.Flags())
	o.static.addFlags(c)
	o.kubelet.addFlags(c)
	c.Flags().StringVar(&o.kubeletPods, "kubelet-pods", "", "URL of the kubelet's /pods endpoint (the node's complete pod list).")
	c.Flags().BoolVar(&o.complete, "complete-pod-list", false, "The pods given are every pod of the node, so pod cgroups no pod explains are leftovers (implied by --kubelet-pods).")
	c.Flags().BoolVar(&o.onlyDrift, "only-drift", false, "Show only cgroups with unexplained differences (the summary still counts everything).")
	addOutputFlag(c, &o.out, "table", "wide", "json", "yaml")
	c.MarkFlagsMutuallyExclusive("filename", "kubelet-pods", "static-pods")
	o.clusterDiff.addFlags(c)
	o.cluster.addFlags(c)
	completeValues(c)
	c.ValidArgsFunction = completeTargets(&o.cluster, "pod")
	c.RegisterFlagCompletionFunc("node", completeNodeFlag(&o.cluster))
	return c
}

// Complete fills in what the flags and arguments imply: the mode, the
// targets of cluster mode and where the kubepods cgroup is.
func (o *diffOptions) Complete(c *cobra.Command, args []string) error {
	o.cmd = c
	var err error
	if o.clusterMode, err = o.detectMode(c, args); err != nil {
		return err
	}
	if c.Flags().Changed("cgroup-driver") {
		o.tree.driver = o.profile.cgroupDriver
	}
	if o.clusterMode {
		if o.targets, err = parseTargets(args, "pod"); err != nil {
			return err
		}
		if err := o.cluster.resolveRequestTimeout(); err != nil {
			return err
		}
	}
	o.nodeOpts, err = o.tree.nodeOptions()
	return err
}

// Validate refuses contradictions before any work.
func (o *diffOptions) Validate() error {
	if err := o.out.validate(); err != nil {
		return err
	}
	if o.clusterMode {
		return o.clusterDiff.validate(len(o.targets) > 0)
	}
	if o.in.files == nil && o.kubeletPods == "" && o.static.opts.ManifestDir == "" {
		return errors.New("no pods: give -f FILE, --kubelet-pods URL or --static-pods DIR (node mode), or pod/NAME, -l SELECTOR, --node NODE or --all-nodes (cluster mode)")
	}
	return nil
}

// Run diffs and prints; unexplained differences exit with status 1.
func (o *diffOptions) Run(ctx context.Context) error {
	o.profile.fetch = func(url string) ([]byte, error) { return o.kubelet.get(ctx, url) }
	overrides, err := o.profile.overrides(o.cmd)
	if err != nil {
		return err
	}
	if o.clusterMode {
		return o.runCluster(ctx, overrides)
	}
	result, err := o.check(ctx, overrides)
	if err != nil {
		return err
	}
	report := result.Report
	if err := printDiff(o.Out, report, diffPrintOptions{
		format: o.out.format, onlyDrift: o.onlyDrift, color: isTerminal(o.Out),
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

// check runs a node-mode diff: it opens the tree, loads the pods and
// runs qos.Check.
func (o *diffOptions) check(ctx context.Context, overrides qos.Overrides) (*qos.CheckResult, error) {
	var err error
	in := qos.CheckOptions{Node: o.nodeOpts, Overrides: overrides, CompletePodList: o.complete}
	if o.tree.snapshot != "" {
		if in.Snapshot, err = cgroupfs.ReadSnapshotFile(o.tree.snapshot, cgroupfs.SnapshotLimits{}); err != nil {
			return nil, err
		}
	} else {
		if in.Tree, err = cgroupfs.NewFS(o.tree.root); err != nil {
			return nil, err
		}
		defer in.Tree.Close()
		in.Facts.PageSizeBytes = int64(os.Getpagesize())
		if m, err := cgroupfs.ReadMachine("/proc", "/sys"); err == nil {
			in.Facts.Machine, in.Facts.MachineSource = m, "host"
		} else {
			in.Notes = append(in.Notes, qos.Note{Reason: qos.ReasonCapacityUnknown, Message: fmt.Sprintf("the machine's capacity could not be read (%v); kubepods values use --node-capacity or the defaults", err)})
		}
	}
	switch {
	case o.kubeletPods != "":
		body, err := o.kubelet.get(ctx, o.kubeletPods)
		if err != nil {
			return nil, fmt.Errorf("--kubelet-pods: %w", err)
		}
		if in.Pods, err = kubelet.ReadPodList(body, o.kubeletPods); err != nil {
			return nil, err
		}
		in.CompletePodList = true
		in.PodsSource = o.kubeletPods
	case o.static.opts.ManifestDir != "":
		if in.Pods, err = kubelet.ReadStaticPods(o.static.opts); err != nil {
			return nil, err
		}
		in.PodsSource = "static pods " + o.labelOf(o.static.opts.ManifestDir)
	default:
		if in.Pods, err = o.in.load(o.In); err != nil {
			return nil, err
		}
		var names []string
		for _, f := range o.in.files {
			names = append(names, o.labelOf(f))
		}
		in.PodsSource = strings.Join(names, ", ")
	}
	return qos.Check(in)
}
