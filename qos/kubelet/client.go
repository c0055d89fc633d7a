package kubelet

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
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
)

// MaxResponseBytes caps what is read from a kubelet endpoint: a /pods list
// of several hundred pods is a few MiB.
const MaxResponseBytes = 64 << 20

// DefaultTimeout bounds each request when ClientOptions.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// ErrInsecureCredential is returned (wrapped) when a request would send a
// bearer token over plain http:// without ClientOptions.AllowTokenOverHTTP.
var ErrInsecureCredential = errors.New("refusing to send a bearer token over plain http")

// ErrRedirect is returned (wrapped) when a kubelet endpoint redirects to
// another host or port: credentials are never forwarded there.
var ErrRedirect = errors.New("redirect to another host or port refused")

// ClientOptions configure a Client: how to authenticate to the kubelet's
// authenticated port and how to trust its serving certificate.
type ClientOptions struct {
	// Token is a bearer token; TokenFile names a file holding one (a
	// service account token). Give at most one.
	Token     string
	TokenFile string
	// ClientCertFile and ClientKeyFile are a client certificate pair.
	ClientCertFile, ClientKeyFile string
	// CAFile is the CA bundle that signed the kubelet's serving
	// certificate.
	CAFile string
	// InsecureSkipTLSVerify does not verify the kubelet's serving
	// certificate (kubelets often serve a self-signed one).
	InsecureSkipTLSVerify bool
	// AllowTokenOverHTTP permits sending the bearer token to an http://
	// URL, where anyone on the path can read it.
	AllowTokenOverHTTP bool
	// Timeout bounds each request (DefaultTimeout when 0).
	Timeout time.Duration
	// FlagNames, when set, names the options in errors and hints the way
	// a CLI spells them (for example "Token" -> "--kubelet-token").
	FlagNames map[string]string
}

// Client fetches kubelet endpoints.
type Client struct {
	http  *http.Client
	token string
	opts  ClientOptions
}

func (o ClientOptions) name(field string) string {
	if n, ok := o.FlagNames[field]; ok {
		return n
	}
	return field
}

// NewClient builds a Client; errors name the option and the file.
func NewClient(o ClientOptions) (*Client, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	c := &Client{opts: o}
	if o.Token != "" && o.TokenFile != "" {
		return nil, fmt.Errorf("give %s or %s, not both", o.name("Token"), o.name("TokenFile"))
	}
	c.token = o.Token
	if o.TokenFile != "" {
		b, err := os.ReadFile(o.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.name("TokenFile"), err)
		}
		c.token = strings.TrimSpace(string(b))
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureSkipTLSVerify} //nolint:gosec // an explicit user choice
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.name("CAFile"), err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s %s: no PEM certificate in the file", o.name("CAFile"), o.CAFile)
		}
		tlsConfig.RootCAs = pool
	}
	if (o.ClientCertFile == "") != (o.ClientKeyFile == "") {
		return nil, fmt.Errorf("%s and %s go together", o.name("ClientCertFile"), o.name("ClientKeyFile"))
	}
	if o.ClientCertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.ClientCertFile, o.ClientKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", o.name("ClientCertFile"), o.name("ClientKeyFile"), err)
		}
		tlsConfig.Certificates = []tls.Certificate{cert}
	}
	transport := &http.Transport{
		TLSClientConfig:       tlsConfig,
		DialContext:           (&net.Dialer{Timeout: o.Timeout}).DialContext,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		Proxy:                 nil, // kubelet endpoints are reached directly
	}
	c.http = &http.Client{Transport: transport, Timeout: o.Timeout, CheckRedirect: checkRedirect}
	return c, nil
}

// checkRedirect follows a redirect only to the same scheme, host and port:
// the token or client certificate meant for one endpoint never goes to
// another, and never downgrades to plain http.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("%s: stopped after 5 redirects", RedactURL(via[0].URL.String()))
	}
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("%s redirects to %s: %w", RedactURL(first.String()), RedactURL(req.URL.String()), ErrRedirect)
	}
	return nil
}

// Get fetches a kubelet URL and returns its body, at most
// MaxResponseBytes; errors name the URL, with any user:password redacted.
func (c *Client) Get(ctx context.Context, rawURL string) ([]byte, error) {
	shown := RedactURL(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	if c.token != "" && u.Scheme == "http" && !c.opts.AllowTokenOverHTTP {
		return nil, fmt.Errorf("%s: %w (use https, or allow it explicitly)", shown, ErrInsecureCredential)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var uerr *tls.CertificateVerificationError
		if errors.As(err, &uerr) {
			return nil, fmt.Errorf("%s: %w (give %s, or %s for a kubelet's self-signed certificate)", shown, redactErr(err, rawURL), c.opts.name("CAFile"), c.opts.name("InsecureSkipTLSVerify"))
		}
		return nil, fmt.Errorf("%s: %w", shown, redactErr(err, rawURL))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the response: %w", shown, err)
	}
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("%s: response larger than %d MiB", shown, MaxResponseBytes>>20)
	}
	if resp.StatusCode != http.StatusOK {
		snippet := strings.TrimSpace(string(body))
		if len(snippet) > 200 {
			snippet = snippet[:200] + "…"
		}
		hint := ""
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			hint = fmt.Sprintf(" (give %s, %s or %s/%s)", c.opts.name("Token"), c.opts.name("TokenFile"), c.opts.name("ClientCertFile"), c.opts.name("ClientKeyFile"))
		case http.StatusForbidden:
			hint = " (the credentials lack permission: nodes/proxy get, or nodes/pods get)"
		}
		return nil, fmt.Errorf("%s: %s%s: %q", shown, resp.Status, hint, snippet)
	}
	return body, nil
}

// redactErr rewrites err's text with the URL redacted (url.Error quotes
// the URL as given).
func redactErr(err error, rawURL string) error {
	shown := RedactURL(rawURL)
	if shown == rawURL {
		return err
	}
	return redacted{err: err, msg: strings.ReplaceAll(err.Error(), rawURL, shown)}
}

type redacted struct {
	err error
	msg string
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }

// RedactURL returns s with any user:password@ part replaced by
// "xxxxx@"; a string that is not a URL is returned as it is.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = url.User("xxxxx")
	return u.String()
}

// ReadPodList parses a PodList (the kubelet's /pods) into pods sorted by
// namespace and name, naming source in errors.
func ReadPodList(body []byte, source string) ([]*corev1.Pod, error) {
	pods, err := qos.ReadPods(bytes.NewReader(body), source)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(pods, func(i, j int) bool {
		return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name
	})
	return pods, nil
}
