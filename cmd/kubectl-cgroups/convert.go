package main

import (
	"context"
	"fmt"

	"github.com/kubecgroups/kubecgroups/internal/cliparse"
	"github.com/kubecgroups/kubecgroups/internal/safetext"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/table"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

type convertOptions struct {
	limits        string
	cgroupVersion string
	formula       string
	out           outputFlag

	genericiooptions.IOStreams
	requestsArg string
	// Filled by Validate, which parses the arguments.
	version          convert.CgroupVersion
	weight           convert.WeightFormula
	requests, limitQ map[string]resource.Quantity
}

func newConvertCmd(s genericiooptions.IOStreams) *cobra.Command {
	o := &convertOptions{IOStreams: s}
	c := &cobra.Command{
		Use:   "convert REQUESTS [--limits LIMITS]",
		Short: "Show every cgroup file a container with these requests and limits gets",
		Long: `Show every cgroup file, and its value as the kernel shows it, that a
container with the given requests and limits gets on a node running a
default v1.37.2 kubelet with containerd and runc.

REQUESTS and LIMITS are comma-separated resource=quantity pairs, in the
syntax of a pod spec: cpu (250m, 1.5), memory (100M, 256Mi) and
hugepages-<size> (hugepages-2Mi=4Mi). As the API server does, a resource
with a limit but no request gets the limit as its request. Use "" for no
requests.

The kubelet writes the pod cgroup itself and always uses the linear
shares-to-weight formula there; the container's cpu.weight depends on the
runtime: --weight-formula quadratic for runc >= 1.3.2 or crun >= 1.23,
linear for older runtimes.`,
		Example: `  # A Burstable container on cgroup v2 with runc >= 1.3.2
  kubectl-cgroups convert cpu=250m,memory=100M --limits cpu=1,memory=256Mi

  # The same on a cgroup v1 node
  kubectl-cgroups convert cpu=250m,memory=100M --limits cpu=1,memory=256Mi --cgroup-version v1

  # Limits only (requests default to the limits), as JSON
  kubectl-cgroups convert "" --limits cpu=500m,memory=128Mi -o json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf(`convert takes one argument, REQUESTS, got %d: join resources with commas (cpu=250m,memory=100M), give "" for no requests and put limits in --limits`, len(args))
			}
			return nil
		},
		RunE: runOptions(o),
	}
	c.Flags().StringVar(&o.limits, "limits", "", "Resource limits, for example cpu=1,memory=256Mi.")
	c.Flags().StringVar(&o.cgroupVersion, "cgroup-version", "v2", "cgroup version of the node: v1 or v2.")
	c.Flags().StringVar(&o.formula, "weight-formula", "quadratic", "Shares-to-weight formula of the container runtime (cgroup v2): linear or quadratic.")
	addOutputFlag(c, &o.out, "table", "json", "yaml")
	completeValues(c)
	return c
}

// Complete takes the REQUESTS argument.
func (o *convertOptions) Complete(_ *cobra.Command, args []string) error {
	o.requestsArg = args[0]
	return nil
}

// Validate parses the arguments and flags: an error names the bad token.
func (o *convertOptions) Validate() error {
	if err := o.out.validate(); err != nil {
		return err
	}
	v, err := convert.ParseCgroupVersion(o.cgroupVersion)
	if err != nil {
		return fmt.Errorf("--cgroup-version: %w", err)
	}
	formula, err := convert.ParseWeightFormula(o.formula)
	if err != nil || formula == convert.WeightUnknown {
		return fmt.Errorf("--weight-formula %q: want linear or quadratic", o.formula)
	}
	requests, limits, err := cliparse.ConversionInput(o.requestsArg, o.limits)
	if err != nil {
		return err
	}
	o.version, o.weight, o.requests, o.limitQ = v, formula, requests, limits
	return nil
}

// Run converts and prints.
func (o *convertOptions) Run(context.Context) error {
	s := o.IOStreams
	doc, err := qos.ConvertContainer(o.requests, o.limitQ, o.version, o.weight)
	if err != nil {
		return err
	}
	if o.out.structured() {
		return printStructured(s.Out, o.out.format, doc)
	}
	tw := table.NewTabWriter(s.Out)
	fmt.Fprintln(tw, "FILE\tVALUE\tDERIVATION")
	for _, f := range doc.Files {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.Value, f.Derivation)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range doc.Notes {
		fmt.Fprintf(s.Out, "\nNote: %s\n", safetext.Escape(n))
	}
	return nil
}
