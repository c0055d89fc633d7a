package main

// The node agent ("kubectl-cgroups agent"), one DaemonSet pod per node,
// and the manifests that install it ("kubectl-cgroups agent manifests").
// The work is package qos/agent's (agent.Serve, which the lean
// cmd/kubecgroups-agent binary runs too); this file wires the command and
// the manifests.

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kubecgroups/kubecgroups/qos/agent"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// agentDefaultImage is where releases publish the agent's image.
const agentDefaultImage = "ghcr.io/kubecgroups/kubecgroups-agent"

func newAgentCmd(s genericiooptions.IOStreams) *cobra.Command {
	o := &agent.ServeOptions{}
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
             kubecgroups_read_errors_total; kubecgroups_cpu_throttled_ratio
             and kubecgroups_oom_kills_total (pods with such findings only)
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
			o.Version = currentVersion().Version
			o.Logf = func(format string, args ...any) {
				fmt.Fprintf(s.ErrOut, "%s %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
			}
			return agent.Serve(ctx, *o)
		},
	}
	o.AddFlags(c.Flags())
	c.AddCommand(newAgentManifestsCmd(s))
	return c
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
	fl.StringVar(&o.NodeCapacity, "node-capacity", "", "The agent's --node-capacity, for example pids=4194304: the kubelet's pid capacity on every node, where --nodes-proxy is not given (without either, a kubepods pids.max that differs is unverified).")
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
