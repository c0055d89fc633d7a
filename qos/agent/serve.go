package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/cliparse"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// ServeOptions are the agent process's settings, as its flags set them
// (AddFlags): "kubectl-cgroups agent" and the lean kubecgroups-agent
// binary share them, and Serve.
type ServeOptions struct {
	// NodeName is the node to watch (--node-name, default $NODE_NAME).
	NodeName string
	// Root is the node's cgroup tree (--root).
	Root string
	// NodeConfig is a kubelet configuration file (--node-config).
	NodeConfig string
	// Configz reads the kubelet's /configz and stats/summary (its pid
	// capacity) through the node proxy (--configz).
	Configz bool
	// NodeCapacity overrides the machine's capacity, in the CLI's
	// --node-capacity syntax ("pids=4194304,cpu=16"; cliparse.ResourceList).
	NodeCapacity string
	// Interval and Debounce are Options.Interval and Options.Debounce.
	Interval, Debounce time.Duration
	// Listen is the HTTP endpoint's address (--listen).
	Listen string
	// Kubeconfig is a kubeconfig file; empty means the in-cluster
	// configuration (--kubeconfig).
	Kubeconfig string
	// Version is the binary's version (user agent, snapshots, logs).
	Version string
	// Logf receives the process's log lines; nil drops them.
	Logf func(format string, args ...any)
}

// AddFlags defines the agent's flags on fl, with their defaults.
func (o *ServeOptions) AddFlags(fl *pflag.FlagSet) {
	fl.StringVar(&o.NodeName, "node-name", os.Getenv("NODE_NAME"), "The node to watch (default $NODE_NAME, set from the downward API).")
	fl.StringVar(&o.Root, "root", cgroupfs.DefaultMountPoint, "The node's cgroup tree (a read-only hostPath mount of /sys/fs/cgroup).")
	fl.StringVar(&o.NodeConfig, "node-config", "", "A kubelet configuration file (KubeletConfiguration or /configz JSON), used when /configz cannot be read through the node proxy.")
	fl.BoolVar(&o.Configz, "configz", true, "Read the kubelet's /configz and stats/summary (its pid capacity) through the API server's node proxy (needs get on nodes/proxy).")
	fl.StringVar(&o.NodeCapacity, "node-capacity", "", "Machine capacity overrides, for example pids=4194304 (the kubelet's pid capacity, when nodes/proxy is not granted) or cpu=16,memory=64Gi.")
	fl.DurationVar(&o.Interval, "interval", DefaultInterval, "Time between checks when no pod changes.")
	fl.DurationVar(&o.Debounce, "debounce", DefaultDebounce, "Quiet time after a pod change before the check.")
	fl.StringVar(&o.Listen, "listen", fmt.Sprintf(":%d", DefaultPort), "Address of the HTTP endpoint (/metrics, /report, /snapshot, /healthz, /readyz).")
	fl.StringVar(&o.Kubeconfig, "kubeconfig", "", "A kubeconfig file; without it the pod's service account (in-cluster configuration).")
}

// restConfig is the in-cluster configuration, or the kubeconfig file.
func (o *ServeOptions) restConfig() (*rest.Config, error) {
	if o.Kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("--kubeconfig %s: %w", o.Kubeconfig, err)
		}
		return cfg, nil
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("%w (outside a cluster, give --kubeconfig)", err)
	}
	return cfg, nil
}

// Serve runs the agent process: it connects to the API server, opens the
// tree, serves Handler on Listen and runs the Agent until ctx ends (nil
// then) or serving fails.
func Serve(ctx context.Context, o ServeOptions) error {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if o.NodeName == "" {
		return errors.New("no node: give --node-name or set NODE_NAME (the manifests set it from spec.nodeName)")
	}
	if o.Interval <= 0 {
		return fmt.Errorf("--interval %s: want a positive duration", o.Interval)
	}
	capacity, err := parseCapacity(o.NodeCapacity)
	if err != nil {
		return err
	}
	cfg, err := o.restConfig()
	if err != nil {
		return err
	}
	cfg.UserAgent = Component + "/" + o.Version
	client, err := NewClient(cfg)
	if err != nil {
		return err
	}
	tree, err := cgroupfs.NewFS(o.Root)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	defer tree.Close()
	opts := Options{
		NodeName: o.NodeName, Client: client, Tree: tree,
		Interval: o.Interval, Debounce: o.Debounce,
		ToolVersion: Component + " " + o.Version,
		Errorf:      logf,
	}
	opts.Overrides.Capacity = capacity
	if o.Configz {
		opts.Kubelet = client.Kubelet
	}
	if o.NodeConfig != "" {
		if opts.NodeConfig, err = os.ReadFile(o.NodeConfig); err != nil {
			return fmt.Errorf("--node-config: %w", err)
		}
		opts.NodeConfigSource = "node-config " + o.NodeConfig
	}
	opts.Facts.PageSizeBytes = int64(os.Getpagesize())
	if m, err := cgroupfs.ReadMachine("/proc", "/sys"); err == nil {
		opts.Facts.Machine, opts.Facts.MachineSource = m, "host"
	} else {
		logf("the machine's facts could not be read (%v); the Node object's capacity is used", err)
	}
	a, err := New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logf("agent %s watching node %s, tree %s (%s), every %s, serving %s", o.Version, o.NodeName, o.Root, tree.Mode(), o.Interval, ln.Addr())
	ran := make(chan error, 1)
	go func() { ran <- a.Run(ctx) }()
	select {
	case err = <-served:
		return fmt.Errorf("serving %s: %w", o.Listen, err)
	case err = <-ran:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if errors.Is(err, context.Canceled) {
		logf("agent: stopped")
		return nil
	}
	return err
}

// parseCapacity parses --node-capacity as the CLI does; empty is none.
func parseCapacity(s string) (corev1.ResourceList, error) {
	if s == "" {
		return nil, nil
	}
	c, err := cliparse.ResourceList(s)
	if err == nil {
		err = qos.MergeCapacity(corev1.ResourceList{}, c)
	}
	if err != nil {
		return nil, fmt.Errorf("--node-capacity: %w", err)
	}
	return c, nil
}
