package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// maxResponseBytes caps what is read from a kubelet endpoint: a /pods
// list of several hundred pods is a few MiB.
const maxResponseBytes = 64 << 20

// httpFlags configure requests to the kubelet (/pods, /configz).
type httpFlags struct {
	token       string
	tokenFile   string
	clientCert  string
	clientKey   string
	caFile      string
	insecureTLS bool
	timeout     time.Duration
}

func (h *httpFlags) addFlags(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&h.token, "token", "", "Bearer token for the kubelet's authenticated port (--kubelet-pods, --node-config URLs).")
	fl.StringVar(&h.tokenFile, "token-file", "", "File holding the bearer token, for example a service account token.")
	fl.StringVar(&h.clientCert, "client-certificate", "", "Client certificate file for the kubelet's authenticated port.")
	fl.StringVar(&h.clientKey, "client-key", "", "Client key file for the kubelet's authenticated port.")
	fl.StringVar(&h.caFile, "certificate-authority", "", "CA bundle that signed the kubelet's serving certificate.")
	fl.BoolVar(&h.insecureTLS, "insecure-skip-tls-verify", false, "Do not verify the kubelet's serving certificate (kubelets often serve a self-signed one).")
	fl.DurationVar(&h.timeout, "request-timeout", 10*time.Second, "Time limit of each request to the kubelet.")
}

// client builds the HTTP client the flags describe.
func (h *httpFlags) client() (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: h.insecureTLS} //nolint:gosec // an explicit user choice
	if h.caFile != "" {
		pem, err := os.ReadFile(h.caFile)
		if err != nil {
			return nil, fmt.Errorf("--certificate-authority: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--certificate-authority %s: no PEM certificate in the file", h.caFile)
		}
		tlsConfig.RootCAs = pool
	}
	if (h.clientCert == "") != (h.clientKey == "") {
		return nil, errors.New("--client-certificate and --client-key go together")
	}
	if h.clientCert != "" {
		cert, err := tls.LoadX509KeyPair(h.clientCert, h.clientKey)
		if err != nil {
			return nil, fmt.Errorf("--client-certificate/--client-key: %w", err)
		}
		tlsConfig.Certificates = []tls.Certificate{cert}
	}
	transport := &http.Transport{
		TLSClientConfig:       tlsConfig,
		DialContext:           (&net.Dialer{Timeout: h.timeout}).DialContext,
		TLSHandshakeTimeout:   h.timeout,
		ResponseHeaderTimeout: h.timeout,
		Proxy:                 nil, // kubelet endpoints are reached directly
	}
	return &http.Client{Transport: transport, Timeout: h.timeout}, nil
}

// bearer returns the token to send, if any.
func (h *httpFlags) bearer() (string, error) {
	if h.token != "" && h.tokenFile != "" {
		return "", errors.New("give --token or --token-file, not both")
	}
	if h.tokenFile != "" {
		b, err := os.ReadFile(h.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return h.token, nil
}

// get fetches a kubelet URL and returns its body; errors name the URL.
func (h *httpFlags) get(ctx context.Context, url string) ([]byte, error) {
	client, err := h.client()
	if err != nil {
		return nil, err
	}
	token, err := h.bearer()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *tls.CertificateVerificationError
		if errors.As(err, &uerr) {
			return nil, fmt.Errorf("%s: %w (give --certificate-authority, or --insecure-skip-tls-verify for a kubelet's self-signed certificate)", url, err)
		}
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the response: %w", url, err)
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("%s: response larger than %d MiB", url, maxResponseBytes>>20)
	}
	if resp.StatusCode != http.StatusOK {
		snippet := strings.TrimSpace(string(body))
		if len(snippet) > 200 {
			snippet = snippet[:200] + "…"
		}
		hint := ""
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			hint = " (give --token, --token-file or --client-certificate/--client-key)"
		case http.StatusForbidden:
			hint = " (the credentials lack permission: nodes/proxy get, or nodes/pods get)"
		}
		return nil, fmt.Errorf("%s: %s%s: %s", url, resp.Status, hint, snippet)
	}
	return body, nil
}

// staticPodFlags locate the logs that map static pod manifests to the
// UIDs and container IDs the kubelet gave them.
type staticPodFlags struct {
	dir              string
	nodeName         string
	podLogsDir       string
	containerLogsDir string
}

func (s *staticPodFlags) addFlags(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&s.dir, "static-pods", "", "Directory of static pod manifests (the kubelet's staticPodPath); their UIDs and container IDs are looked up in the kubelet's log directories.")
	fl.StringVar(&s.nodeName, "node-name", "", "Node name the kubelet appends to static pod names (default: found in the pod log directory).")
	fl.StringVar(&s.podLogsDir, "pod-logs-dir", "/var/log/pods", "The kubelet's podLogsDir, whose <namespace>_<pod>_<uid> directories give static pod UIDs.")
	fl.StringVar(&s.containerLogsDir, "container-logs-dir", "/var/log/containers", "Directory of the kubelet's <pod>_<namespace>_<container>-<id>.log links, which give container IDs.")
}

// load reads the static pod manifests and fills in each pod's UID and
// container IDs from the kubelet's log directories.
func (s *staticPodFlags) load() ([]*corev1.Pod, error) {
	pods, err := qos.ReadPodsPath(s.dir)
	if err != nil {
		return nil, fmt.Errorf("--static-pods: %w", err)
	}
	podDirs, err := os.ReadDir(s.podLogsDir)
	if err != nil {
		return nil, fmt.Errorf("--pod-logs-dir: %w (static pod UIDs are read from the kubelet's pod log directories)", err)
	}
	links, err := os.ReadDir(s.containerLogsDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("--container-logs-dir: %w", err)
	}
	for _, pod := range pods {
		if pod.Namespace == "" {
			pod.Namespace = "default"
		}
	}
	if s.nodeName == "" {
		s.nodeName = guessNodeName(pods, podDirs)
	}
	for _, pod := range pods {
		if err := s.resolve(pod, podDirs, links); err != nil {
			return nil, err
		}
	}
	return pods, nil
}

// guessNodeName finds the node name the kubelet appended to every static
// pod's name: the one suffix that all manifests have a pod log directory
// for ("" when there is no single one). Matching each manifest alone is
// ambiguous when one pod's name prefixes another's (web, web-canary).
func guessNodeName(pods []*corev1.Pod, podDirs []os.DirEntry) string {
	var common map[string]bool
	for _, pod := range pods {
		prefix := pod.Namespace + "_" + pod.Name + "-"
		nodes := map[string]bool{}
		for _, d := range podDirs {
			rest, ok := strings.CutPrefix(d.Name(), prefix)
			if !ok || !d.IsDir() {
				continue
			}
			if i := strings.LastIndex(rest, "_"); i > 0 {
				nodes[rest[:i]] = true
			}
		}
		if len(nodes) == 0 {
			continue // not running: resolve reports it
		}
		if common == nil {
			common = nodes
			continue
		}
		for n := range common {
			if !nodes[n] {
				delete(common, n)
			}
		}
	}
	if len(common) != 1 {
		return ""
	}
	for n := range common {
		return n
	}
	return ""
}

// resolve finds the running instance of a static pod manifest: its
// mirror name (<name>-<node>), UID and container IDs.
func (s *staticPodFlags) resolve(pod *corev1.Pod, podDirs, links []os.DirEntry) error {
	prefix := pod.Namespace + "_" + pod.Name + "-"
	if s.nodeName != "" {
		prefix += s.nodeName + "_"
	}
	var matches []string
	for _, d := range podDirs {
		if d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			matches = append(matches, d.Name())
		}
	}
	if len(matches) == 0 {
		return fmt.Errorf("static pod %s/%s: no directory %s* in %s; is the kubelet running it? (give --node-name if its node name is unusual)", pod.Namespace, pod.Name, prefix, s.podLogsDir)
	}
	if len(matches) > 1 {
		return fmt.Errorf("static pod %s/%s: several pod log directories match (%s); give --node-name", pod.Namespace, pod.Name, strings.Join(matches, ", "))
	}
	rest := strings.TrimPrefix(matches[0], pod.Namespace+"_")
	i := strings.LastIndex(rest, "_")
	pod.Name, pod.UID = rest[:i], types.UID(rest[i+1:])

	ids := map[string]string{}
	times := map[string]time.Time{}
	linkPrefix := pod.Name + "_" + pod.Namespace + "_"
	for _, l := range links {
		name, ok := strings.CutPrefix(l.Name(), linkPrefix)
		if !ok || !strings.HasSuffix(name, ".log") {
			continue
		}
		name = strings.TrimSuffix(name, ".log")
		j := strings.LastIndex(name, "-")
		if j < 0 {
			continue
		}
		container, id := name[:j], name[j+1:]
		info, err := l.Info()
		if err != nil {
			continue
		}
		// After a restart the newest link is the running container.
		if t, seen := times[container]; !seen || info.ModTime().After(t) {
			ids[container], times[container] = id, info.ModTime()
		}
	}
	statuses := func(cs []corev1.Container) []corev1.ContainerStatus {
		var out []corev1.ContainerStatus
		for _, c := range cs {
			st := corev1.ContainerStatus{Name: c.Name}
			if id, ok := ids[c.Name]; ok {
				st.ContainerID = "containerd://" + id
			}
			out = append(out, st)
		}
		return out
	}
	pod.Status.ContainerStatuses = statuses(pod.Spec.Containers)
	pod.Status.InitContainerStatuses = statuses(pod.Spec.InitContainers)
	return nil
}

// readPodList parses a PodList (the kubelet's /pods) into pods, naming the
// source in errors.
func readPodList(body []byte, source string) ([]*corev1.Pod, error) {
	pods, err := qos.ReadPods(bytes.NewReader(body), source)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(pods, func(i, j int) bool {
		return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name
	})
	return pods, nil
}
