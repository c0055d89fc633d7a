package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// commandName is how the binary is invoked: "kubectl cgroups" when run as
// a kubectl plugin, "kubectl-cgroups" otherwise.
func commandName() string {
	if strings.HasPrefix(filepath.Base(os.Args[0]), "kubectl-") && os.Getenv("KUBECTL_PLUGINS_CALLER") != "" {
		return "kubectl cgroups"
	}
	return "kubectl-cgroups"
}

// newRootCmdWith builds the command tree; connect reaches the cluster in
// cluster mode (nil: through the kubeconfig).
func newRootCmdWith(s streams, connect clusterConnector) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-cgroups",
		Short: "Check that a node's cgroups hold what its pod specs ask for",
		Long: `kubectl-cgroups predicts the cgroup values the kubelet (v1.37) and the
container runtime write for each pod, reads what a node's cgroups really
hold, and explains every difference: throttling quotas, OOM limits, CPU
weights after a runtime upgrade, in-place resizes that did not land.

It works from a workstation through the Kubernetes API (cluster mode:
"diff pod/NAME", "diff --node NODE", "diff --all-nodes", "inspect
node/NAME", "snapshot node/NAME"; the RBAC it needs: "rbac"), or on a node
and with files taken there (node mode).

Installed on PATH it also runs as the kubectl plugin "kubectl cgroups".`,
		Example: `  # Does this pod's cgroups match its spec? (from a workstation)
  kubectl cgroups diff pod/web-7d4b9c -n shop

  # Every node of the cluster, only what differs
  kubectl cgroups diff --all-nodes --only-drift

  # Every cgroup file a container with these requests and limits gets
  kubectl-cgroups convert cpu=250m,memory=100M --limits cpu=1,memory=256Mi`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: commandName(),
		},
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.AddCommand(
		newVersionCmd(s),
		newConvertCmd(s),
		newExpectCmd(s),
		newDiffCmdWith(s, &diffOptions{cluster: clusterFlags{connect: connect}}),
		newDemoCmd(s),
		newInspectCmd(s, connect),
		newSnapshotCmd(s, connect),
		newCleanupCmd(s, connect),
		newRBACCmd(s),
		newAgentCmd(s),
	)
	// Usage errors (unknown flags, wrong arguments) exit with status 2
	// like every other error, after naming the command's help.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help' for usage", err, c.CommandPath())
	})
	return root
}
