package agent

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"
)

// Where the agents run, as "kubectl-cgroups agent manifests" installs
// them: the namespace, the port of the HTTP endpoint, and the label that
// selects the agent pods (PodLabel=PodLabelValue).
const (
	DefaultNamespace = "kubecgroups-system"
	DefaultPort      = 9617
	PodLabel         = "app.kubernetes.io/name"
	PodLabelValue    = Component
)

// ManifestOptions fill the install manifests (WriteManifests); zero
// fields take the defaults.
type ManifestOptions struct {
	// Image is the agent's image (required).
	Image string
	// Namespace is the agents' namespace (DefaultNamespace).
	Namespace string
	// Interval is the time between checks (DefaultInterval).
	Interval time.Duration
	// NodesProxy grants get on nodes/proxy, so that the agent reads the
	// kubelet's /configz (it can then read every kubelet endpoint).
	NodesProxy bool
	// PodMonitor adds a Prometheus Operator PodMonitor.
	PodMonitor bool
	// NodeConfig is the kubelet's configuration file on the nodes,
	// mounted read-only (that file alone) and used when /configz cannot
	// be read; an absolute path, or empty.
	NodeConfig string
	// NodeCapacity is the agent's --node-capacity ("pids=4194304"): the
	// kubelet's pid capacity where nodes/proxy is not granted; empty for
	// none.
	NodeCapacity string
}

// manifests is the install. Memory: on a generated 250-pod node the
// agent process peaked at 46 MiB RSS (file-backed text included) and its
// container's cgroup at 28.5 MiB (TestLiveClusterAgentScale), hence a
// 48Mi request and a 96Mi limit with headroom; GOMEMLIMIT keeps the heap
// collected well below it. The kubelet's configuration, when
// given, is mounted as the single file (never its directory, which holds
// the pods' secrets).
//
//go:embed manifests.yaml.tmpl
var manifestsText string

var manifests = template.Must(template.New("agent").Parse(manifestsText))

// WriteManifests writes what installs the agent on every Linux node: a
// Namespace, a ServiceAccount, a ClusterRole and its binding (pods list and
// watch, nodes get, events create, patch and list; nodes/proxy get only
// with NodesProxy), the DaemonSet and a Service (and a PodMonitor). The
// agent pod runs as nobody with every capability dropped, a read-only root
// filesystem, the RuntimeDefault seccomp profile and no host network, and
// mounts /sys/fs/cgroup read-only.
func WriteManifests(w io.Writer, o ManifestOptions) error {
	if o.Image == "" {
		return fmt.Errorf("manifests: no image")
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	if o.Interval < 0 {
		return fmt.Errorf("--interval %s: want a positive duration", o.Interval)
	}
	if o.NodeConfig != "" && !strings.HasPrefix(o.NodeConfig, "/") {
		return fmt.Errorf("--node-config %q: want an absolute path on the nodes", o.NodeConfig)
	}
	if _, err := parseCapacity(o.NodeCapacity); err != nil {
		return err
	}
	return manifests.Execute(w, struct {
		ManifestOptions
		Name, Label string
		Port        int
	}{o, PodLabelValue, PodLabel, DefaultPort})
}
