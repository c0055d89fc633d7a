package main

// The rbac command: the RBAC (and admission policy) cluster mode needs,
// printed for a cluster admin to review and apply.

import (
	"errors"
	"fmt"

	"github.com/kubecgroups/kubecgroups/qos/cluster"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func newRBACCmd(s genericiooptions.IOStreams) *cobra.Command {
	o := cluster.DefaultRBACOptions()
	c := &cobra.Command{
		Use:   "rbac [--snapshot-pods [--allowed-image IMAGE]...] [--node-proxy]",
		Short: "Print the RBAC (and admission policy) cluster mode needs, to apply with kubectl",
		Long: `Print the RBAC objects cluster mode needs, for a cluster admin to review
and apply. Every role is bound to the group ` + cluster.DefaultRBACGroup + ` (--group).

By default: the user role of agent mode, read-only. get and list on pods
and nodes, and get on pods/proxy in the node agents' namespace
(` + cluster.DefaultAgentNamespace + `, --agent-namespace) to read their reports. No pod
creation, no exec, no nodes/proxy.

--snapshot-pods adds what cluster mode needs without an agent: the
snapshot namespace (` + cluster.DefaultNamespace + `, --snapshot-namespace), a Role to create,
get and delete pods and exec into them there, and a ValidatingAdmissionPolicy
with its binding that admits in that namespace only the exact snapshot pod
(the images listed in a ConfigMap there: --allowed-image, default
` + cluster.DefaultImage + `; a read-only /sys/fs/cgroup
and nothing else of the host; unprivileged; a fixed command; a bounded
life). Kubernetes 1.31 or later.

--node-proxy adds get on nodes/proxy, for the kubelet's real settings
(/configz). It is equivalent to exec in every pod of every node (a
WebSocket upgrade starts as a GET): grant it only where that is acceptable.
Without it, the plugin uses the kubelet's default settings and says so;
--node-config gives it the real ones.`,
		Example: `  # Review, then apply as a cluster admin (agent mode)
  kubectl cgroups rbac > kubecgroups-rbac.yaml
  kubectl apply -f kubecgroups-rbac.yaml

  # Without an agent: snapshot pods, guarded by an admission policy
  kubectl cgroups rbac --snapshot-pods | kubectl apply -f -

  # A mirrored image, pinned by digest
  kubectl cgroups rbac --snapshot-pods --allowed-image registry.example/busybox:1.37.0@sha256:... | kubectl apply -f -

  # Grant it to one user instead of the group
  kubectl cgroups rbac | sed 's/name: kubecgroups:users/name: alice@example.com/; s/kind: Group/kind: User/' | kubectl apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !o.SnapshotPods && (c.Flags().Changed("allowed-image") || c.Flags().Changed("snapshot-namespace")) {
				return fmt.Errorf("--allowed-image and --snapshot-namespace configure --snapshot-pods: give it too")
			}
			err := cluster.WriteRBAC(s.Out, o)
			var oe *cluster.RBACOptionError
			if errors.As(err, &oe) {
				flag := map[string]string{"AgentNamespace": "--agent-namespace", "SnapshotNamespace": "--snapshot-namespace",
					"Group": "--group", "AllowedImages": "--allowed-image"}[oe.Field]
				if oe.Field == "AllowedImages" {
					return fmt.Errorf("%s: %w", flag, oe.Err)
				}
				return fmt.Errorf("%s %q: %w", flag, oe.Value, oe.Err)
			}
			return err
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.AgentNamespace, "agent-namespace", o.AgentNamespace, "Namespace of the node agents (pods/proxy get there).")
	fl.StringVar(&o.Group, "group", o.Group, "Group the roles are bound to.")
	fl.BoolVar(&o.SnapshotPods, "snapshot-pods", false, "Also print the snapshot pods' namespace, Role and the admission policy that admits only the snapshot pod there.")
	fl.StringVar(&o.SnapshotNamespace, "snapshot-namespace", o.SnapshotNamespace, "Namespace of the snapshot pods (with --snapshot-pods).")
	fl.StringArrayVar(&o.AllowedImages, "allowed-image", o.AllowedImages, "Image the admission policy admits for snapshot pods (repeat for several; with --snapshot-pods). Pin by digest: NAME:TAG@sha256:DIGEST.")
	fl.BoolVar(&o.NodeProxy, "node-proxy", false, "Also print get on nodes/proxy (the kubelet's /configz). Equivalent to exec in every pod: opt in knowingly.")
	return c
}
