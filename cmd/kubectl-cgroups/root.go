package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/kubecgroups/kubecgroups/internal/clihelp"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// commandName is how the binary is invoked: "kubectl cgroups" when it runs
// as the kubectl plugin, "kubectl-cgroups" otherwise. kubectl runs a plugin
// by executing the program kubectl-cgroups found on PATH (with no marker
// in the environment), so the program's own name decides; a renamed or
// test binary is not the plugin.
func commandName() string { return commandNameOf(os.Args[0]) }

func commandNameOf(arg0 string) string {
	base := arg0[strings.LastIndexAny(arg0, `/\`)+1:]
	switch strings.TrimSuffix(base, ".exe") {
	case "kubectl-cgroups":
		return "kubectl cgroups"
	}
	return "kubectl-cgroups"
}

// options is the shape of every command, as in kubectl and its plugins:
// Complete fills in what the flags, arguments and kubeconfig imply,
// Validate refuses contradictions before any work, Run does the work and
// prints.
type options interface {
	Complete(c *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runOptions is the RunE of a command built around o.
func runOptions(o options) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		if err := o.Complete(c, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(contextOf(c))
	}
}

// newOptionsCmd prints kubectl's connection flags, which every
// cluster-mode command takes, as "kubectl options" does.
func newOptionsCmd(s genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "options",
		Short: "Print the kubectl flags that cluster-mode commands take",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(s.Out, "The following kubectl flags apply to diff, inspect, snapshot and cleanup in cluster mode:\n\n%s", clihelp.KubectlFlagUsages())
			return err
		},
	}
}

// newRootCmdWith builds the command tree; connect reaches the cluster in
// cluster mode (nil: through the kubeconfig).
func newRootCmdWith(s genericiooptions.IOStreams, connect clusterConnector) *cobra.Command {
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
	root.SetErr(s.ErrOut)
	diff := newDiffCmdWith(s, &diffOptions{cluster: clusterFlags{connect: connect}})
	root.AddCommand(newModeTopics(diff)...)
	root.AddCommand(
		newVersionCmd(s),
		newConvertCmd(s),
		newExpectCmd(s),
		diff,
		newDemoCmd(s),
		newInspectCmd(s, connect),
		newSnapshotCmd(s, connect),
		newCleanupCmd(s, connect),
		newRBACCmd(s),
		newOptionsCmd(s),
		newAgentCmd(s),
	)
	// Usage errors (unknown flags, wrong arguments) exit with status 2
	// like every other error, after naming the command's help.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help' for usage", err, c.CommandPath())
	})
	return root
}
