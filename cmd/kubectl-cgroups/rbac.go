package main

// The rbac command: the RBAC (and admission policy) cluster mode needs,
// printed for a cluster admin to review and apply.

import (
	"embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/template"

	"github.com/kubecgroups/kubecgroups/qos/agent"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// DefaultAgentNamespace is the namespace of the node agents whose read
// endpoints the default RBAC lets users reach (pods/proxy).
const DefaultAgentNamespace = agent.DefaultNamespace

// defaultRBACGroup is the group the printed roles are bound to.
const defaultRBACGroup = "kubecgroups:users"

//go:embed rbac/*.yaml.tmpl
var rbacTemplates embed.FS

// rbacOptions are the flags of the rbac command.
type rbacOptions struct {
	agentNamespace    string
	group             string
	snapshotPods      bool
	snapshotNamespace string
	allowedImages     []string
	nodeProxy         bool
}

// rbacData fills the templates.
type rbacData struct {
	AgentNamespace, SnapshotNamespace, Group string
	AllowedImages                            []string
	Container, HostPath, MountPath           string
	AppLabel, AppLabelValue, RunIDLabel      string
	CommandCEL                               string
	MaxLifetimeSeconds                       int
}

func newRBACCmd(s genericiooptions.IOStreams) *cobra.Command {
	o := &rbacOptions{}
	c := &cobra.Command{
		Use:   "rbac [--snapshot-pods [--allowed-image IMAGE]...] [--node-proxy]",
		Short: "Print the RBAC (and admission policy) cluster mode needs, to apply with kubectl",
		Long: `Print the RBAC objects cluster mode needs, for a cluster admin to review
and apply. Every role is bound to the group ` + defaultRBACGroup + ` (--group).

By default: the user role of agent mode, read-only. get and list on pods
and nodes, and get on pods/proxy in the node agents' namespace
(` + DefaultAgentNamespace + `, --agent-namespace) to read their reports. No pod
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
			if !o.snapshotPods && (c.Flags().Changed("allowed-image") || c.Flags().Changed("snapshot-namespace")) {
				return fmt.Errorf("--allowed-image and --snapshot-namespace configure --snapshot-pods: give it too")
			}
			return o.print(s.Out)
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.agentNamespace, "agent-namespace", DefaultAgentNamespace, "Namespace of the node agents (pods/proxy get there).")
	fl.StringVar(&o.group, "group", defaultRBACGroup, "Group the roles are bound to.")
	fl.BoolVar(&o.snapshotPods, "snapshot-pods", false, "Also print the snapshot pods' namespace, Role and the admission policy that admits only the snapshot pod there.")
	fl.StringVar(&o.snapshotNamespace, "snapshot-namespace", cluster.DefaultNamespace, "Namespace of the snapshot pods (with --snapshot-pods).")
	fl.StringArrayVar(&o.allowedImages, "allowed-image", []string{cluster.DefaultImage}, "Image the admission policy admits for snapshot pods (repeat for several; with --snapshot-pods). Pin by digest: NAME:TAG@sha256:DIGEST.")
	fl.BoolVar(&o.nodeProxy, "node-proxy", false, "Also print get on nodes/proxy (the kubelet's /configz). Equivalent to exec in every pod: opt in knowingly.")
	return c
}

// print renders the chosen outputs to w.
func (o *rbacOptions) print(w io.Writer) error {
	for flag, ns := range map[string]string{"--agent-namespace": o.agentNamespace, "--snapshot-namespace": o.snapshotNamespace} {
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return fmt.Errorf("%s %q: %s", flag, ns, strings.Join(errs, "; "))
		}
	}
	if o.group == "" || strings.ContainsAny(o.group, "\"\\\n") {
		return fmt.Errorf("--group %q: want a group name", o.group)
	}
	if len(o.allowedImages) == 0 {
		return fmt.Errorf("--allowed-image: give at least one")
	}
	for _, im := range o.allowedImages {
		if err := cluster.ValidateImage(im); err != nil {
			return fmt.Errorf("--allowed-image: %w", err)
		}
	}
	cmd := cluster.SnapshotPodCommand()
	quoted := make([]string, len(cmd))
	for i, a := range cmd {
		quoted[i] = strconv.Quote(a) // CEL string literals escape like Go's
	}
	d := rbacData{
		AgentNamespace: o.agentNamespace, SnapshotNamespace: o.snapshotNamespace, Group: o.group,
		AllowedImages: o.allowedImages, Container: cluster.SnapshotContainer,
		HostPath: cluster.SnapshotHostPath, MountPath: cluster.SnapshotMountPath,
		AppLabel: cluster.SnapshotPodLabel, AppLabelValue: cluster.SnapshotPodLabelValue, RunIDLabel: cluster.SnapshotRunIDLabel,
		CommandCEL:         "[" + strings.Join(quoted, ", ") + "]",
		MaxLifetimeSeconds: int(cluster.MaxSnapshotPodLifetime.Seconds()),
	}
	files := []string{"user.yaml.tmpl"}
	if o.snapshotPods {
		files = append(files, "snapshot-pods.yaml.tmpl")
	}
	if o.nodeProxy {
		files = append(files, "node-proxy.yaml.tmpl")
	}
	funcs := template.FuncMap{
		"inc":   func(i int) int { return i + 1 },
		"quote": strconv.Quote, // a YAML double-quoted scalar for these ASCII references
	}
	for _, f := range files {
		t, err := template.New(f).Funcs(funcs).Option("missingkey=error").ParseFS(rbacTemplates, "rbac/"+f)
		if err != nil {
			return err
		}
		if err := t.Execute(w, d); err != nil {
			return err
		}
	}
	return nil
}
