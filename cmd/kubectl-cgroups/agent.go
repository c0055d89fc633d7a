package main

// The node agent ("kubectl-cgroups agent"), one DaemonSet pod per node,
// and the manifests that install it ("kubectl-cgroups agent manifests").
// The work is package qos/agent's; this file wires flags, the API
// connection, the HTTP listener and the manifests.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos/agent"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// agentDefaultImage is where releases publish the agent's image.
const agentDefaultImage = "ghcr.io/kubecgroups/kubecgroups-agent"

type agentOptions struct {
	nodeName   string
	root       string
	nodeConfig string
	interval   time.Duration
	debounce   time.Duration
	listen     string
	kubeconfig string
	configz    bool
}

func newAgentCmd(s genericiooptions.IOStreams) *cobra.Command {
	o := &agentOptions{}
	c := &cobra.Command{
		Use:   "agent",
		Short: "Watch this node's cgroups continuously; export drift as metrics and Events",
		Long: `agent runs on one node (a DaemonSet pod: "agent manifests" prints one) and
checks the node's cgroups against its pods continuously: on every pod
change and every --interval. It watches the node's pods through the API
server (spec.nodeName=--node-name), reads the node's cgroup tree read-only
at --root, and serves on --listen:

  /metrics   Prometheus: kubecgroups_files{status}, kubecgroups_file_drift
             (one series per drifted file only), kubecgroups_pod_drift,
             kubecgroups_explained_files, kubecgroups_check_duration_seconds,
             kubecgroups_last_check_timestamp_seconds,
             kubecgroups_read_errors_total
  /report    the latest report, as "diff -o json" prints it
  /snapshot  a tar.gz snapshot of the node's Kubernetes cgroups
  /healthz, /readyz

A pod whose cgroups drift gets a Warning Event (CgroupDrift) naming each
file, its expected and its found value, once per change of the drift, and
a Normal CgroupDriftResolved when it clears. The kubelet profile is
resolved once at start: /configz through the node proxy when the agent is
allowed (agent manifests --nodes-proxy), else --node-config, else the
kubelet defaults (the report's notes say so).

The API server is reached with the pod's service account, or --kubeconfig
outside a cluster.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return o.run(ctx, s)
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.nodeName, "node-name", os.Getenv("NODE_NAME"), "The node to watch (default $NODE_NAME, set from the downward API).")
	fl.StringVar(&o.root, "root", cgroupfs.DefaultMountPoint, "The node's cgroup tree (a read-only hostPath mount of /sys/fs/cgroup).")
	fl.StringVar(&o.nodeConfig, "node-config", "", "A kubelet configuration file (KubeletConfiguration or /configz JSON), used when /configz cannot be read through the node proxy.")
	fl.BoolVar(&o.configz, "configz", true, "Read the kubelet's /configz through the API server's node proxy (needs get on nodes/proxy).")
	fl.DurationVar(&o.interval, "interval", agent.DefaultInterval, "Time between checks when no pod changes.")
	fl.DurationVar(&o.debounce, "debounce", agent.DefaultDebounce, "Quiet time after a pod change before the check.")
	fl.StringVar(&o.listen, "listen", fmt.Sprintf(":%d", agent.DefaultPort), "Address of the HTTP endpoint (/metrics, /report, /snapshot, /healthz, /readyz).")
	fl.StringVar(&o.kubeconfig, "kubeconfig", "", "A kubeconfig file; without it the pod's service account (in-cluster configuration).")
	c.AddCommand(newAgentManifestsCmd(s))
	return c
}

// restConfig is the in-cluster configuration, or --kubeconfig.
func (o *agentOptions) restConfig() (*rest.Config, error) {
	if o.kubeconfig != "" {
		return clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("%w (outside a cluster, give --kubeconfig)", err)
	}
	return cfg, nil
}

func (o *agentOptions) run(ctx context.Context, s genericiooptions.IOStreams) error {
	if o.nodeName == "" {
		return errors.New("no node: give --node-name or set NODE_NAME (the manifests set it from spec.nodeName)")
	}
	if o.interval <= 0 {
		return fmt.Errorf("--interval %s: want a positive duration", o.interval)
	}
	cfg, err := o.restConfig()
	if err != nil {
		return err
	}
	cfg.UserAgent = agent.Component + "/" + currentVersion().Version
	api, err := cluster.NewAPI(cfg)
	if err != nil {
		return err
	}
	tree, err := cgroupfs.NewFS(o.root)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	defer tree.Close()
	logf := func(format string, args ...any) {
		fmt.Fprintf(s.ErrOut, "%s %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}
	opts := agent.Options{
		NodeName: o.nodeName, Client: api.Client, Tree: tree,
		Interval: o.interval, Debounce: o.debounce,
		ToolVersion: toolVersion(),
		Errorf:      logf,
	}
	if o.configz {
		opts.Kubelet = api.Kubelet
	}
	if o.nodeConfig != "" {
		if opts.NodeConfig, err = os.ReadFile(o.nodeConfig); err != nil {
			return fmt.Errorf("--node-config: %w", err)
		}
		opts.NodeConfigSource = "node-config " + o.nodeConfig
	}
	opts.Facts.PageSizeBytes = int64(os.Getpagesize())
	if m, err := cgroupfs.ReadMachine("/proc", "/sys"); err == nil {
		opts.Facts.Machine, opts.Facts.MachineSource = m, "host"
	} else {
		logf("the machine's facts could not be read (%v); the Node object's capacity is used", err)
	}
	a, err := agent.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logf("agent %s watching node %s, tree %s (%s), every %s, serving %s", currentVersion().Version, o.nodeName, o.root, tree.Mode(), o.interval, ln.Addr())
	ran := make(chan error, 1)
	go func() { ran <- a.Run(ctx) }()
	select {
	case err = <-served:
		return fmt.Errorf("serving %s: %w", o.listen, err)
	case err = <-ran:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if errors.Is(err, context.Canceled) {
		logf("agent: stopped")
		return nil
	}
	return err
}

func newAgentManifestsCmd(s genericiooptions.IOStreams) *cobra.Command {
	o := &agent.ManifestOptions{}
	c := &cobra.Command{
		Use:   "manifests",
		Short: "Print the agent's DaemonSet, ServiceAccount, RBAC and Service",
		Long: `manifests prints what installs the agent on every Linux node: a Namespace
(Pod Security "privileged": the agent mounts /sys/fs/cgroup with a
hostPath), a ServiceAccount, a ClusterRole and its binding (pods list and
watch, nodes get, events create, patch and list; nodes/proxy get only with
--nodes-proxy, which lets the agent read every kubelet endpoint, /configz
included), the DaemonSet and a Service for scraping (with --pod-monitor
also a Prometheus Operator PodMonitor).

The agent pod runs as nobody (65534) with every capability dropped, a
read-only root filesystem, the RuntimeDefault seccomp profile and no host
network; it mounts the node's /sys/fs/cgroup read-only (cgroup files are
world-readable on v1 and v2).`,
		Example: `  kubectl cgroups agent manifests --image registry.example.com/kubecgroups-agent:v0.4.0 | kubectl apply -f -`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return agent.WriteManifests(s.Out, *o)
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.Image, "image", agentDefaultImage+":"+imageTag(), "The agent's image (the Dockerfile at the repository's root builds it).")
	fl.StringVar(&o.Namespace, "namespace", agent.DefaultNamespace, "The agent's namespace.")
	fl.DurationVar(&o.Interval, "interval", agent.DefaultInterval, "Time between checks when no pod changes.")
	fl.BoolVar(&o.NodesProxy, "nodes-proxy", false, "Grant get on nodes/proxy, so that the agent reads the kubelet's /configz (it can then read every kubelet endpoint).")
	fl.BoolVar(&o.PodMonitor, "pod-monitor", false, "Also print a PodMonitor (monitoring.coreos.com/v1) for the Prometheus Operator.")
	fl.StringVar(&o.NodeConfig, "node-config", "", "The kubelet's configuration file on the nodes (for example /var/lib/kubelet/config.yaml), mounted read-only (that file alone) and used when /configz cannot be read.")
	return c
}

// imageTag is the image tag matching this binary: its version, or
// "latest" for a development build.
func imageTag() string {
	v := currentVersion().Version
	if v == "" || strings.HasPrefix(v, "(") {
		return "latest"
	}
	return v
}
