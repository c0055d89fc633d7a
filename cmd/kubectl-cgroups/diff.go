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
	"github.com/kubecgroups/kubecgroups/internal/clihelp"
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
	effects     bool
	sample      time.Duration
	out         outputFlag
	// Cluster mode (cluster_diff.go).
	cluster     clusterFlags
	clusterDiff clusterDiffFlags
	// label shows a file name in the report (the demo hides its temporary
	// directory); nil shows names as given.
	label func(string) string
	// report, when set, takes the -o json or yaml document instead of
	// printing it (the demo prints its reports as one).
	report func(*qos.DiffReport)

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
		Long: `Compare what every cgroup of a node should hold for its pods with what it
holds, file by file. Each file is a match, an explained difference (a known,
harmless cause, with its reason code) or drift (nothing explains it: shown
with the expected value, the value found and the derivation). Missing
cgroups and leftovers (cgroups no pod explains) are listed too. Flags
override what the node shows; the report says where every profile fact
came from.

Cluster mode, from a workstation: pod/NAME, -l, --node or --all-nodes (see
"` + commandName() + ` help cluster-mode"). Node mode, on a node or with its
files: --root or --snapshot, with -f, --kubelet-pods or --static-pods (see
"` + commandName() + ` help node-mode").

Exit status: 0 when everything matches or is explained, 1 on unexplained
differences, 2 on error.`,
		Example: `  kubectl cgroups diff pod/web-7d4b9c -n shop
  kubectl cgroups diff --all-nodes --only-drift
  kubectl-cgroups diff --snapshot node1.tar.gz -f pods.json --complete-pod-list -o json`,
		RunE: runOptions(o),
	}
	o.tree.addSourceFlags(c)
	o.profile.addFlags(c)
	o.in.addFlags(c.Flags())
	o.static.addFlags(c)
	o.kubelet.addFlags(c)
	c.Flags().StringVar(&o.kubeletPods, "kubelet-pods", "", "URL of the kubelet's /pods endpoint (the node's complete pod list).")
	c.Flags().BoolVar(&o.complete, "complete-pod-list", false, "The pods given are every pod of the node, so pod cgroups no pod explains are leftovers (implied by --kubelet-pods).")
	c.Flags().BoolVar(&o.effects, "effects", true, "Show what the limits do (throttling, OOM kills, refused forks, pressure) from the kernel's counters.")
	addSampleFlag(c, &o.sample)
	c.Flags().BoolVar(&o.onlyDrift, "only-drift", false, "Show only cgroups with unexplained differences (the summary still counts everything).")
	addOutputFlag(c, &o.out, "table", "wide", "json", "yaml")
	c.MarkFlagsMutuallyExclusive("filename", "kubelet-pods", "static-pods")
	o.clusterDiff.addFlags(c)
	o.cluster.addFlags(c)
	completeValues(c)
	c.ValidArgsFunction = completeTargets(&o.cluster, "pod")
	// The defaults diff really uses: the tree's, and an unknown OCI runtime.
	for name, def := range map[string]string{"cgroup-version": "from the tree", "cgroup-driver": "from the tree", "oci-runtime": "unknown", "page-size": "from the tree or the host", "swap-accounting": "from the tree"} {
		c.Flags().Lookup(name).DefValue = def
	}
	clihelp.SetFlagGroups(c, commandName(), []clihelp.FlagGroup{diffClusterFlags, diffNodeFlags, diffProfileFlags,
		{Title: "Output", Names: []string{"output", "only-drift", "effects", "sample"}}})
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
		if err := o.cluster.checkFlags(); err != nil {
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
	if err := checkSample(o.sample, o.tree.snapshot, o.clusterMode); err != nil {
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
	if tm := (*qos.TreeMismatchError)(nil); errors.As(err, &tm) {
		tm.Flag = map[string]string{"cgroupVersion": "--cgroup-version", "cgroupDriver": "--cgroup-driver", "cgroupRoot": "--cgroup-root"}[tm.Setting]
	}
	if err != nil {
		return err
	}
	report := result.Report
	if o.report != nil && o.out.structured() {
		o.report(structuredReport(report, o.onlyDrift))
	} else if err := printDiff(o.Out, report, diffPrintOptions{
		format: o.out.format, onlyDrift: o.onlyDrift, color: wantsColor(o.Out),
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

// The flags of diff's two modes, each with a help topic.
var (
	diffProfileFlags = clihelp.FlagGroup{Title: "Profile flags (both modes)", Names: []string{"node-config", "kubernetes-version", "cgroup-version", "cgroup-driver", "cgroup-root", "runtime", "oci-runtime", "feature-gates", "node-capacity", "page-size", "cpu-manager-policy", "pod-pids-limit", "swap-accounting", "apply-defaults"}, Topic: "profile"}
	diffClusterFlags = clihelp.FlagGroup{Title: "Cluster-mode flags", Names: []string{"selector", "all-namespaces", "node", "all-nodes", "max-concurrency", "via", "agent-namespace", "image", "snapshot-namespace", "snapshot-timeout"}, Topic: "cluster-mode"}
	diffNodeFlags    = clihelp.FlagGroup{Title: "Node-mode flags", Names: []string{"root", "snapshot", "filename", "kubelet-pods", "static-pods", "complete-pod-list", "node-name", "pod-logs-dir", "container-logs-dir",
		"kubelet-token", "kubelet-token-file", "kubelet-client-certificate", "kubelet-client-key", "kubelet-certificate-authority", "kubelet-insecure-skip-tls-verify", "kubelet-allow-token-over-http", "kubelet-request-timeout"}, Topic: "node-mode"}
)

// newModeTopics are "help cluster-mode", "help node-mode" and "help
// profile", built from diff's own flags.
func newModeTopics(diff *cobra.Command) []*cobra.Command {
	return []*cobra.Command{
		clihelp.NewTopic(diff, diffClusterFlags, "diff, inspect and snapshot from a workstation, through the Kubernetes API",
			`Cluster mode reads nodes through the Kubernetes API. Name pods (pod/NAME
or NAME, in -n or the context's namespace), select them (-l, -A), or name
nodes (--node, node/NAME, --all-nodes). Each node involved is read by a
short-lived snapshot pod (pinned to the node, read-only hostPath of
/sys/fs/cgroup) that streams an archive of the Kubernetes cgroups over exec
and is deleted afterwards, also on error and Ctrl-C ("cleanup" removes the
leftovers of a killed run). The node's pods come from the API server, the
kubelet's version, the CRI runtime and the machine's capacity from the Node
object, the kubelet's configuration from its /configz through the node
proxy (without that permission: the defaults, with a note). For pods, the
whole node is compared but only those pods are reported. The output is one
report per node (-o json: kind DiffReportList); nodes that cannot be read
are reported and the others still checked. kubectl's flags apply ("`+commandName()+` options");
the RBAC it needs: "`+commandName()+` rbac".`,
			`  kubectl cgroups diff pod/web-7d4b9c -n shop
  kubectl cgroups diff -l app=web -n shop
  kubectl cgroups diff --node node-7 --only-drift
  kubectl cgroups diff --all-nodes --max-concurrency 10 -o json
  kubectl cgroups inspect node/node-7
  kubectl cgroups snapshot node/node-7 -o node-7.tar.gz`),
		clihelp.NewTopic(diff, diffNodeFlags, "diff on a node, or with files taken from one",
			`Node mode reads one node's tree directly: live (--root, default
/sys/fs/cgroup) or a snapshot (--snapshot FILE). The pods come from one of
-f FILE (manifests or stored pods: kubectl get pods -A --field-selector
spec.nodeName=NODE -o json), --kubelet-pods URL (the kubelet's /pods, the
node's complete pod list) or --static-pods DIR (the kubelet's static pod
manifests, matched to their UIDs and container IDs through the kubelet's
log directories). The kubelet's endpoints take --kubelet-* credentials;
a bearer token is never sent over plain http unless
--kubelet-allow-token-over-http says so. The profile comes from the tree
(cgroup version, driver, cgroupRoot), the machine or the snapshot (CPUs,
memory, PIDs, huge page sizes) and --node-config.`,
			`  kubectl-cgroups diff -f pods.json --complete-pod-list
  kubectl-cgroups diff --kubelet-pods https://127.0.0.1:10250/pods \
      --node-config https://127.0.0.1:10250/configz \
      --kubelet-token-file /var/run/secrets/kubernetes.io/serviceaccount/token \
      --kubelet-certificate-authority /var/lib/kubelet/pki/kubelet.crt
  kubectl-cgroups diff --static-pods /etc/kubernetes/manifests
  kubectl-cgroups diff --snapshot node1.tar.gz -f pods.json --complete-pod-list -o json`),
		clihelp.NewTopic(diff, clihelp.FlagGroup{Title: "Profile flags", Names: diffProfileFlags.Names, Topic: diffProfileFlags.Topic},
			"the node profile: what the kubelet and the runtimes are, and how they are configured",
			`The node profile starts from a stock v1.37.2 kubelet. What the node shows
replaces the defaults: the cgroup version, driver and cgroupRoot from the
tree; CPUs, memory, PIDs and huge page sizes from the machine, the snapshot
or the Node object; the kubelet's settings from --node-config (a
KubeletConfiguration file or /configz JSON) or, in cluster mode, the
kubelet's /configz. Each flag given overrides all of that. The OCI runtime
is unknown unless given: both shares-to-weight formulas are accepted and the
report says which one the node's containers show.`,
			`  kubectl-cgroups diff -f pods.json --node-config configz.json --oci-runtime runc-1.1.5
  kubectl-cgroups expect -f pod.yaml --cgroup-version v1 --cgroup-driver systemd`),
	}
}

// check runs a node-mode diff: it opens the tree, loads the pods and
// runs qos.Check.
func (o *diffOptions) check(ctx context.Context, overrides qos.Overrides) (*qos.CheckResult, error) {
	var err error
	in := qos.CheckOptions{Node: o.nodeOpts, Overrides: overrides, CompletePodList: o.complete, Effects: o.effectsOptions(ctx), Defaulting: o.profile.defaulting}
	if o.tree.snapshot != "" {
		if o.tree.snapshot == "-" && slices.Contains(o.in.files, "-") {
			return nil, fmt.Errorf("--snapshot - and -f - both read standard input: give one of them a file")
		}
		if in.Snapshot, err = o.tree.readSnapshot(o.In); err != nil {
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
		in.CompletePodList, in.PodsFromAPIServer = true, true
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

// effectsOptions are the effect options when --effects or --sample is
// on.
func (o *diffOptions) effectsOptions(ctx context.Context) *qos.EffectsOptions {
	if !o.effects && o.sample == 0 {
		return nil
	}
	return &qos.EffectsOptions{Window: o.sample, Wait: qos.WaitContext(ctx)}
}

// addSampleFlag registers --sample (diff, inspect).
func addSampleFlag(c *cobra.Command, d *time.Duration) {
	c.Flags().DurationVar(d, "sample", 0, "Read the kernel's counters twice, DURATION apart (such as 10s), and judge the effects over that window rather than since each cgroup started (node mode, live tree).")
}

// checkSample refuses a --sample that cannot be taken.
func checkSample(d time.Duration, snapshot string, clusterMode bool) error {
	switch {
	case d < 0:
		return fmt.Errorf("--sample %s: want a positive duration", d)
	case d > 0 && clusterMode:
		return errors.New("--sample needs two reads of a node's live counters, and cluster mode reads each node once (a snapshot pod's archive, or the agent's latest report with --via agent): run it on the node, in node mode")
	case d > 0 && snapshot != "":
		return fmt.Errorf("--sample with --snapshot %s: %w", snapshot, qos.ErrWindowOfSnapshot)
	}
	return nil
}
