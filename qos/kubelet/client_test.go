package kubelet_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/qos/kubelet"
)

// TestTokenNeverOverPlainHTTP: a bearer token is refused for an http://
// URL unless the caller allows it, and then sent.
func TestTokenNeverOverPlainHTTP(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		w.Write([]byte(`{"kind":"PodList","items":[]}`))
	}))
	defer srv.Close()
	c, err := kubelet.NewClient(kubelet.ClientOptions{Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), srv.URL+"/pods"); !errors.Is(err, kubelet.ErrInsecureCredential) {
		t.Fatalf("token over http: %v", err)
	}
	if len(got) != 0 {
		t.Fatalf("the server was asked %d times", len(got))
	}
	c, err = kubelet.NewClient(kubelet.ClientOptions{Token: "s3cret", AllowTokenOverHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), srv.URL+"/pods"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "Bearer s3cret" {
		t.Errorf("Authorization %q", got)
	}
	// Without a token plain http is fine (the read-only port).
	c, _ = kubelet.NewClient(kubelet.ClientOptions{})
	if _, err := c.Get(context.Background(), srv.URL+"/pods"); err != nil {
		t.Error(err)
	}
}

// TestNoCredentialsOnRedirect: a redirect to another port (another
// server on the same host) is refused, and that server never sees the
// token; a redirect within the same server is followed with it.
func TestNoCredentialsOnRedirect(t *testing.T) {
	var leaked []string
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get("Authorization"))
	}))
	defer other.Close()
	var auth []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/pods", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/pods", http.StatusFound)
		default:
			w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	c, err := kubelet.NewClient(kubelet.ClientOptions{Token: "s3cret", InsecureSkipTLSVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), srv.URL+"/away"); !errors.Is(err, kubelet.ErrRedirect) {
		t.Errorf("redirect to another port: %v", err)
	}
	if len(leaked) != 0 {
		t.Errorf("the other server got %q", leaked)
	}
	if _, err := c.Get(context.Background(), srv.URL+"/here"); err != nil {
		t.Errorf("redirect within the server: %v", err)
	}
	if len(auth) != 3 || auth[2] != "Bearer s3cret" {
		t.Errorf("Authorization seen by the kubelet: %q", auth)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@node:10250/pods": "https://xxxxx@node:10250/pods",
		"https://user@node:10250/pods":    "https://xxxxx@node:10250/pods",
		"https://node:10250/pods":         "https://node:10250/pods",
		"not a url %zz":                   "not a url %zz",
	} {
		if got := kubelet.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	// Errors never quote the password.
	c, _ := kubelet.NewClient(kubelet.ClientOptions{})
	_, err := c.Get(context.Background(), "http://user:topsecret@127.0.0.1:1/pods")
	if err == nil || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error %v", err)
	}
}
