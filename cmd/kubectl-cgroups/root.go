package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
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

// flagGroup is a titled section of a command's flags in its help. A
// group with a topic is listed by name only, its full help being the
// topic "help TOPIC".
type flagGroup struct {
	title string
	names []string
	topic string
}

// setFlagGroups lays c's help out in sections: the groups, then "Other
// flags". kubectl's connection flags are hidden there, as kubectl hides its
// global flags: "options" lists them.
func setFlagGroups(c *cobra.Command, groups []flagGroup) {
	c.SetUsageFunc(func(c *cobra.Command) error {
		w := c.OutOrStderr()
		fmt.Fprintf(w, "Usage:\n  %s\n", c.UseLine())
		if c.HasExample() {
			fmt.Fprintf(w, "\nExamples:\n%s\n", c.Example)
		}
		seen := map[string]bool{}
		for _, g := range groups {
			fs := groupFlags(c, g)
			fs.VisitAll(func(f *pflag.Flag) { seen[f.Name] = true })
			if g.topic != "" {
				var names []string
				fs.VisitAll(func(f *pflag.Flag) { names = append(names, "--"+f.Name) })
				fmt.Fprintf(w, "\n%s (%s help %s):\n  %s\n", g.title, commandName(), g.topic, wrapWords(strings.Join(names, " "), 76, "\n  "))
				continue
			}
			fmt.Fprintf(w, "\n%s:\n%s", g.title, fs.FlagUsagesWrapped(100))
		}
		other := pflag.NewFlagSet("other", pflag.ContinueOnError)
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !seen[f.Name] && !kubectlFlag(f.Name) {
				other.AddFlag(f)
			}
		})
		fmt.Fprintf(w, "\nOther flags:\n%s", other.FlagUsagesWrapped(100))
		fmt.Fprintf(w, "\nkubectl's flags (--kubeconfig, --context, --as, --token, ...) apply in cluster mode: %s options\n", commandName())
		return nil
	})
}

// groupFlags returns the flags of c that g names.
func groupFlags(c *cobra.Command, g flagGroup) *pflag.FlagSet {
	fs := pflag.NewFlagSet(g.title, pflag.ContinueOnError)
	for _, n := range g.names {
		if f := c.Flags().Lookup(n); f != nil {
			fs.AddFlag(f)
		}
	}
	return fs
}

// wrapWords joins words into lines of at most width columns.
func wrapWords(s string, width int, sep string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 && n+1+len(w) > width {
			b.WriteString(sep)
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// newHelpTopic is "help TOPIC": the text and the flags of one mode of c.
func newHelpTopic(c *cobra.Command, g flagGroup, short, long, example string) *cobra.Command {
	return &cobra.Command{
		Use:   g.topic,
		Short: short,
		Long: long + "\n\nExamples:\n" + example + "\n\n" + g.title + ":\n" +
			strings.TrimRight(groupFlags(c, g).FlagUsagesWrapped(0), "\n"),
	}
}

// kubectlFlag reports whether name is one of kubectl's connection flags
// (cli-runtime's ConfigFlags).
func kubectlFlag(name string) bool {
	fs := pflag.NewFlagSet("kubectl", pflag.ContinueOnError)
	genericclioptions.NewConfigFlags(false).AddFlags(fs)
	return fs.Lookup(name) != nil && name != "namespace"
}

// newOptionsCmd prints kubectl's connection flags, which every
// cluster-mode command takes, as "kubectl options" does.
func newOptionsCmd(s genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "options",
		Short: "Print the kubectl flags that cluster-mode commands take",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fs := pflag.NewFlagSet("kubectl", pflag.ContinueOnError)
			genericclioptions.NewConfigFlags(false).AddFlags(fs)
			_, err := fmt.Fprintf(s.Out, "The following kubectl flags apply to diff, inspect, snapshot and cleanup in cluster mode:\n\n%s", fs.FlagUsagesWrapped(100))
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
