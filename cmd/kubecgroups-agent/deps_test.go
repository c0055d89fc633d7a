package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// forbiddenDeps are packages the agent binary must not link: client-go's
// typed clientset (its scheme package registers every API group at
// start-up, some 7 MB of the agent's initial RSS) and the CLI's cluster
// package, which is built on it.
var forbiddenDeps = []string{
	"k8s.io/client-go/kubernetes",
	"github.com/kubecgroups/kubecgroups/qos/cluster",
}

// forbidden returns the packages of deps that are, or are under, a
// forbidden package.
func forbidden(deps []string) []string {
	var out []string
	for _, d := range deps {
		for _, f := range forbiddenDeps {
			if d == f || strings.HasPrefix(d, f+"/") {
				out = append(out, d)
			}
		}
	}
	return out
}

func TestForbidden(t *testing.T) {
	got := forbidden([]string{"k8s.io/client-go/rest", "k8s.io/client-go/kubernetes/scheme", "k8s.io/client-go/kubernetes", "github.com/kubecgroups/kubecgroups/qos/cluster", "github.com/kubecgroups/kubecgroups/qos/clusterx", "k8s.io/client-go/kubernetesx"})
	want := []string{"k8s.io/client-go/kubernetes/scheme", "k8s.io/client-go/kubernetes", "github.com/kubecgroups/kubecgroups/qos/cluster"}
	if !slices.Equal(got, want) {
		t.Errorf("forbidden: %q, want %q", got, want)
	}
}

// TestLeanDeps: the binary links neither the typed clientset nor
// qos/cluster (go list -deps, the packages the build compiles in).
func TestLeanDeps(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "k8s.io/client-go/rest") {
		t.Fatalf("go list -deps does not list k8s.io/client-go/rest: %q...", deps[:min(len(deps), 5)])
	}
	if bad := forbidden(deps); len(bad) > 0 {
		t.Errorf("the agent binary links %q", bad)
	}
}
