package main

import (
	"fmt"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/buildinfo"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// version is set at build time with
// -ldflags "-X main.version=v0.1.0"; otherwise the module version from the
// build information is used ("(devel)" for a local build).
var version = ""

func currentVersion() buildinfo.Document {
	return buildinfo.Current(version, cgroupfs.APIVersion, qos.KubeletRelease)
}

// toolVersion is what snapshots record as the tool that wrote them.
func toolVersion() string { return "kubectl-cgroups " + currentVersion().Info.String() }

func newVersionCmd(s genericiooptions.IOStreams) *cobra.Command {
	var out outputFlag
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl-cgroups",
		Long:  "Print the version of kubectl-cgroups and the Kubernetes release whose kubelet behaviour it predicts.",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			v := currentVersion()
			if out.structured() {
				return printStructured(s.Out, out.format, v)
			}
			_, err := fmt.Fprintf(s.Out, "kubectl-cgroups %s (%s, %s), predicts kubelet %s\n", v.Info, v.GoVersion, v.Platform, v.KubernetesVersion)
			return err
		},
	}
	addOutputFlag(c, &out, "text", "json", "yaml")
	return c
}
