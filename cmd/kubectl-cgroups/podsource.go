package main

import (
	"context"

	"github.com/kubecgroups/kubecgroups/qos/kubelet"
	"github.com/spf13/cobra"
)

// kubeletFlags configure requests to the kubelet (--kubelet-pods,
// --node-config URLs) in node mode; every flag carries the kubelet- prefix,
// so none means something else in cluster mode.
type kubeletFlags struct {
	opts kubelet.ClientOptions
}

// kubeletFlagNames spell the client options as flags in errors.
var kubeletFlagNames = map[string]string{
	"Token": "--kubelet-token", "TokenFile": "--kubelet-token-file",
	"ClientCertFile": "--kubelet-client-certificate", "ClientKeyFile": "--kubelet-client-key",
	"CAFile": "--kubelet-certificate-authority", "InsecureSkipTLSVerify": "--kubelet-insecure-skip-tls-verify",
}

func (h *kubeletFlags) addFlags(c *cobra.Command) {
	fl := c.Flags()
	o := &h.opts
	fl.StringVar(&o.Token, "kubelet-token", "", "Bearer token for the kubelet's authenticated port (--kubelet-pods, --node-config URLs; node mode).")
	fl.StringVar(&o.TokenFile, "kubelet-token-file", "", "File holding the kubelet bearer token, for example a service account token.")
	fl.StringVar(&o.ClientCertFile, "kubelet-client-certificate", "", "Client certificate file for the kubelet's authenticated port.")
	fl.StringVar(&o.ClientKeyFile, "kubelet-client-key", "", "Client key file for the kubelet's authenticated port.")
	fl.StringVar(&o.CAFile, "kubelet-certificate-authority", "", "CA bundle that signed the kubelet's serving certificate.")
	fl.BoolVar(&o.InsecureSkipTLSVerify, "kubelet-insecure-skip-tls-verify", false, "Do not verify the kubelet's serving certificate (kubelets often serve a self-signed one); prefer --kubelet-certificate-authority.")
	fl.BoolVar(&o.AllowTokenOverHTTP, "kubelet-allow-token-over-http", false, "Send the kubelet bearer token to an http:// URL, where anyone on the path can read it.")
	fl.DurationVar(&o.Timeout, "kubelet-request-timeout", kubelet.DefaultTimeout, "Time limit of each request to the kubelet.")
	o.FlagNames = kubeletFlagNames
}

// get fetches a kubelet URL and returns its body; errors name the URL.
func (h *kubeletFlags) get(ctx context.Context, url string) ([]byte, error) {
	client, err := kubelet.NewClient(h.opts)
	if err != nil {
		return nil, err
	}
	return client.Get(ctx, url)
}

// staticPodFlags locate static pod manifests and the kubelet's logs that
// map them to UIDs and container IDs (kubelet.ReadStaticPods).
type staticPodFlags struct {
	opts kubelet.StaticPodOptions
}

func (s *staticPodFlags) addFlags(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&s.opts.ManifestDir, "static-pods", "", "Directory of static pod manifests (the kubelet's staticPodPath); their UIDs and container IDs are looked up in the kubelet's log directories.")
	fl.StringVar(&s.opts.NodeName, "node-name", "", "Node name the kubelet appends to static pod names (default: found in the pod log directory).")
	fl.StringVar(&s.opts.PodLogsDir, "pod-logs-dir", kubelet.DefaultPodLogsDir, "The kubelet's podLogsDir, whose <namespace>_<pod>_<uid> directories give static pod UIDs.")
	fl.StringVar(&s.opts.ContainerLogsDir, "container-logs-dir", kubelet.DefaultContainerLogsDir, "Directory of the kubelet's <pod>_<namespace>_<container>-<id>.log links, which give container IDs.")
	s.opts.FlagNames = map[string]string{"ManifestDir": "--static-pods", "NodeName": "--node-name", "PodLogsDir": "--pod-logs-dir", "ContainerLogsDir": "--container-logs-dir"}
}
