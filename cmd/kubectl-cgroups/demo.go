package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/internal/demo"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/table"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

type demoOptions struct {
	list      bool
	onlyDrift bool
	out       outputFlag

	genericiooptions.IOStreams
	cmd   *cobra.Command
	names []string
}

func newDemoCmd(s genericiooptions.IOStreams) *cobra.Command {
	o := &demoOptions{IOStreams: s}
	c := &cobra.Command{
		Use:   "demo [SCENARIO...]",
		Short: "Run the diff on example nodes shipped in the binary",
		Long: `Run "kubectl-cgroups diff" on example nodes embedded in this binary, so you
can see what it reports without a node at hand:

  real-node   a node captured from a running kubelet v1.37.2 (containerd 1.6,
              runc 1.1.5, cgroup v1): every file matches its prediction
  v2-systemd  a generated cgroup v2 node with the systemd driver, showing each
              kind of explained difference next to real drift and a
              leftover pod

Each scenario is a cgroup snapshot, the pods the node runs and the flags
that describe it; the demo prints the command it runs, so you can repeat it
with your own files. The demo exits 0 even when a scenario shows drift.`,
		Example: `  # Every scenario
  kubectl-cgroups demo

  # One scenario, as JSON
  kubectl-cgroups demo v2-systemd -o json`,
		RunE: runOptions(o),
	}
	c.Flags().BoolVar(&o.list, "list", false, "List the scenarios and exit.")
	c.Flags().BoolVar(&o.onlyDrift, "only-drift", false, "Show only cgroups with unexplained differences.")
	addOutputFlag(c, &o.out, "table", "wide", "json", "yaml")
	c.ValidArgsFunction = completeScenarios
	return c
}

// Complete takes the scenario names.
func (o *demoOptions) Complete(c *cobra.Command, args []string) error {
	o.cmd, o.names = c, args
	return nil
}

// Validate checks the output format.
func (o *demoOptions) Validate() error { return o.out.validate() }

// Run runs the scenarios.
func (o *demoOptions) Run(context.Context) error {
	s, c, names := o.IOStreams, o.cmd, o.names
	scenarios, err := demo.Scenarios()
	if err != nil {
		return err
	}
	if o.list {
		for _, sc := range scenarios {
			fmt.Fprintf(s.Out, "%-12s %s\n", sc.Name, sc.Title)
		}
		return nil
	}
	for _, n := range names {
		if !slices.ContainsFunc(scenarios, func(sc demo.Scenario) bool { return sc.Name == n }) {
			return fmt.Errorf("no scenario %q (see kubectl-cgroups demo --list)", n)
		}
	}
	dir, err := os.MkdirTemp("", "kubectl-cgroups-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	first := true
	var reports []*qos.DiffReport
	for _, sc := range scenarios {
		if len(names) > 0 && !slices.Contains(names, sc.Name) {
			continue
		}
		args, err := sc.Write(dir)
		if err != nil {
			return err
		}
		args = append(args, "-o", o.out.format)
		if o.onlyDrift {
			args = append(args, "--only-drift")
		}
		if o.out.format == "table" || o.out.format == "wide" {
			if !first {
				fmt.Fprintln(s.Out)
			}
			var b strings.Builder
			table.Wrap(&b, "", fmt.Sprintf("=== %s: %s", sc.Name, sc.Title))
			shown := strings.Fields(strings.ReplaceAll(strings.Join(args, " "), dir+string(filepath.Separator), ""))
			b.WriteString(demo.ShellLine(append([]string{"$", "kubectl-cgroups", "diff"}, shown...), table.Width))
			fmt.Fprintf(s.Out, "%s\n", b.String())
		}
		first = false
		cmd := newDiffCmdWith(s, &diffOptions{label: func(name string) string {
			return strings.TrimPrefix(name, dir+string(filepath.Separator))
		}, report: func(r *qos.DiffReport) { reports = append(reports, r) }})
		cmd.SetArgs(args)
		cmd.SetContext(c.Context())
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); err != nil {
			var ee *exitError
			if !errors.As(err, &ee) {
				return fmt.Errorf("scenario %s: %w", sc.Name, err)
			}
		}
	}
	if o.out.structured() {
		return printStructuredList(s.Out, o.out.format, reports)
	}
	return nil
}
