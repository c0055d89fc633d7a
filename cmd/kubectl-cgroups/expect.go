package main

import (
	"context"

	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/table"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

type expectOptions struct {
	in      podInput
	profile profileFlags
	out     outputFlag

	genericiooptions.IOStreams
	cmd *cobra.Command
}

func newExpectCmd(s genericiooptions.IOStreams) *cobra.Command {
	o := &expectOptions{IOStreams: s}
	c := &cobra.Command{
		Use:   "expect -f FILE...",
		Short: "Show what every cgroup of a node should hold for these pods",
		Long: `Compute, for the given pods on a node described by the flags, what the
kubelet (v1.30 to v1.37) and the container runtime write into each cgroup:
kubepods and the burstable and besteffort tiers (which depend on every pod
of the node), then for each pod its pod cgroup, its sandbox (pause) and
each init, sidecar and app container, with the oom_score_adj of each
container.

Values are shown as the files read back (kernel rounding and "unlimited"
forms included). Where the stack is genuinely ambiguous (unknown OCI
runtime version, systemd quota rounding) every acceptable value is shown;
values with a known harmless cause (the other cpu.weight formula, another
page size, a pending resize...) are listed as "also".

The defaults describe a stock v1.37.2 kubelet on cgroup v2 with the
cgroupfs driver, containerd and runc 1.4, on an 8-CPU 32 GiB machine.
--node-config reads the kubelet's own configuration file or its /configz
JSON; the other flags override it.

-o json is a stable contract (see the README); -o wide adds the derivation
of every value.`,
		Example: `  # Pods of a manifest on a default node
  kubectl-cgroups expect -f pod.yaml

  # A cgroup v1 node with the systemd driver and an old runc
  kubectl-cgroups expect -f deploy.yaml --cgroup-version v1 --cgroup-driver systemd --oci-runtime runc-1.1.5

  # The pods a node runs, with its real kubelet configuration
  kubectl get pods -A --field-selector spec.nodeName=node1 -o yaml | kubectl-cgroups expect -f - --node-config configz.json -o json`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	o.in.addFlags(c.Flags())
	o.profile.addFlags(c)
	completeValues(c)
	addOutputFlag(c, &o.out, "table", "wide", "json", "yaml")
	return c
}

// Complete keeps the command, whose flags say which profile values were
// given.
func (o *expectOptions) Complete(c *cobra.Command, _ []string) error {
	o.cmd = c
	return nil
}

// Validate checks the output format.
func (o *expectOptions) Validate() error { return o.out.validate() }

// Run computes the expectation and prints it.
func (o *expectOptions) Run(context.Context) error {
	s := o.IOStreams
	p, err := o.profile.profile(o.cmd)
	if err != nil {
		return err
	}
	pods, err := o.in.load(s.In)
	if err != nil {
		return err
	}
	if err := p.DefaultPods(pods, o.profile.defaulting, false); err != nil {
		return err
	}
	x, err := qos.Expect(pods, p)
	if err != nil {
		return err
	}
	switch {
	case o.out.structured():
		return printStructured(s.Out, o.out.format, x)
	}
	return table.WriteExpectation(s.Out, x, table.ExpectationOptions{Wide: o.out.format == "wide"})
}
