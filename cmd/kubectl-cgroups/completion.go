package main

// Shell completion: flag values, scenario names, and node and pod names
// read from the cluster. kubectl completes a plugin's arguments by running
// kubectl_complete-cgroups (shipped next to the binary), which asks this
// program's hidden __complete command.

import (
	"context"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/internal/demo"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/spf13/cobra"
)

// completeValues registers fixed completions for flags of c that exist.
func completeValues(c *cobra.Command) {
	fixed := map[string][]string{
		"cgroup-driver":      {"cgroupfs", "systemd"},
		"cgroup-version":     {"v1", "v2"},
		"runtime":            {"containerd", "crio", "cri-dockerd"},
		"oci-runtime":        {"unknown", "runc-1.1.5", "runc-1.3.2", "runc-1.4.0", "crun-1.22", "crun-1.23"},
		"weight-formula":     {"linear", "quadratic"},
		"format":             {"tar.gz", "txtar"},
		"kubernetes-version": qos.KubernetesVersions(),
		"cpu-manager-policy": {"none", "static"},
	}
	for name, values := range fixed {
		if c.Flags().Lookup(name) != nil {
			c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
	}
	if c.Flags().Lookup("feature-gates") != nil {
		c.RegisterFlagCompletionFunc("feature-gates", func(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
			done, _ := cutLast(typed, ",")
			var out []string
			for _, g := range qos.KnownFeatureGates() {
				for _, v := range []string{"true", "false"} {
					out = append(out, done+g+"="+v)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		})
	}
}

// cutLast returns s up to and including its last sep ("" without one).
func cutLast(s, sep string) (string, string) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i+1], s[i+1:]
	}
	return "", s
}

// completeScenarios completes the demo's scenario names.
func completeScenarios(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	scenarios, err := demo.Scenarios()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []string
	for _, sc := range scenarios {
		out = append(out, sc.Name+"\t"+sc.Title)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completionTimeout bounds the API requests of one completion.
const completionTimeout = 5 * time.Second

// completeTargets completes node/NAME and pod/NAME (and, with bare,
// NAME of that kind) from the cluster the kubectl flags name.
func completeTargets(f *clusterFlags, bare string) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
		kind, _, hasKind := strings.Cut(typed, "/")
		if !hasKind {
			out := []string{"node/", "pod/"}
			if bare != "" {
				out = append(out, completeNames(c, f, bare, "")...)
			}
			return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		}
		return completeNames(c, f, kind, kind+"/"), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeNodeFlag completes --node with node names.
func completeNodeFlag(f *clusterFlags) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return completeNames(c, f, "node", ""), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeNames lists node or pod names (in the namespace of -n or the
// kubeconfig context), each after prefix; nothing when the cluster cannot
// be read.
func completeNames(c *cobra.Command, f *clusterFlags, kind, prefix string) []string {
	api, err := f.api()
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(contextOf(c), completionTimeout)
	defer cancel()
	names, _ := api.Names(ctx, kind, api.namespace)
	for i := range names {
		names[i] = prefix + names[i]
	}
	return names
}
