package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubecgroups/kubecgroups/internal/safetext"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// hostileNames are names a node or a cluster object may carry: the
// clipboard (OSC 52), clear-screen and cursor sequences, a newline that
// fakes a line of output, a C1 control and a right-to-left override.
var hostileNames = []string{
	"evil\x1b]52;c;ZXZpbA==\x07",
	"x\n\x1b[2J\x1b[H",
	"\u202eexe.txt",
	"c1\u009bm",
}

// checkTerminalSafe fails when out holds a control character (but the
// line break), DEL, a C1 control or a bidirectional formatting character.
func checkTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range strings.ReplaceAll(out, "\n", "") {
		if r == utf8.RuneError || !safetext.IsSafe(string(r)) {
			t.Errorf("%s: unsafe character %U at %d in:\n%s", what, r, i, out)
			return
		}
	}
}

// TestHostileNamesNeverReachTheTerminal feeds hostile directory names (a
// live tree read with --root), pod, namespace and container names (-f)
// through every command's table and wide views and their errors, and
// requires standard output and standard error to hold no terminal control
// character.
func TestHostileNamesNeverReachTheTerminal(t *testing.T) {
	scenario := filepath.Join("..", "..", "internal", "demo", "data", "2-v2-systemd")
	root := copyTree(t, filepath.Join(scenario, "node.txtar"))
	tier := filepath.Join(root, "kubepods.slice", "kubepods-burstable.slice")
	if _, err := os.Stat(tier); err != nil {
		t.Fatal(err)
	}
	for _, n := range hostileNames {
		if err := os.Mkdir(filepath.Join(tier, n), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Pods renamed with hostile names (their UIDs still match).
	data, err := os.ReadFile(filepath.Join(scenario, "pods.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list map[string]any
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	for i, it := range list["items"].([]any) {
		pod := it.(map[string]any)
		meta := pod["metadata"].(map[string]any)
		meta["name"] = hostileNames[i%len(hostileNames)] + meta["name"].(string)
		meta["namespace"] = hostileNames[(i+1)%len(hostileNames)]
		for _, c := range pod["spec"].(map[string]any)["containers"].([]any) {
			c := c.(map[string]any)
			c["name"] = hostileNames[(i+2)%len(hostileNames)] + c["name"].(string)
		}
	}
	pods := filepath.Join(t.TempDir(), "pods.json")
	data, _ = json.Marshal(list)
	os.WriteFile(pods, data, 0o600)

	shown := 0
	for _, args := range [][]string{
		{"inspect", "--root", root},
		{"inspect", "--root", root, "-o", "wide"},
		{"diff", "--root", root, "-f", pods, "--complete-pod-list"},
		{"diff", "--root", root, "-f", pods, "-o", "wide"},
		{"diff", "--root", root, "-f", pods, "--only-drift"},
		{"expect", "-f", pods},
		{"expect", "-f", pods, "-o", "wide"},
		{"inspect", "--root", root, "--pod", hostileNames[0]},
		{"convert", "cpu=" + hostileNames[1]},
		{"diff", "--root", hostileNames[1], "-f", pods},
		{"snapshot", "--root", root, "-o", filepath.Join(t.TempDir(), "s.tar.gz")},
	} {
		out, errOut, code := runCLI(t, "", args...)
		what := strings.Join(args[:2], " ")
		if code == 2 && errOut == "" {
			t.Errorf("%s: exit 2 without an error", what)
		}
		checkTerminalSafe(t, what+" (stdout)", out)
		checkTerminalSafe(t, what+" (stderr)", errOut)
		if strings.Contains(out+errOut, `\x1b`) || strings.Contains(out+errOut, `\u202e`) {
			shown++
		}
	}
	// The names were shown, escaped: the test saw them.
	if shown < 6 {
		t.Errorf("only %d runs showed an escaped name", shown)
	}
}

// TestHostileClusterNamesNeverReachTheTerminal: in cluster mode, names and
// messages from the API server (a pod's name, its resize condition, a
// node that cannot be read) reach no terminal raw.
func TestHostileClusterNamesNeverReachTheTerminal(t *testing.T) {
	fc := newFakeCluster(t, testNode("node-b", "v1.37.2", "containerd://1.6.20"))
	ctx := context.Background()
	pods, err := fc.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Spec.NodeName != fakeNode {
			continue
		}
		fc.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
		p.ResourceVersion = ""
		p.Name = hostileNames[i%len(hostileNames)] + p.Name
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodResizePending, Status: corev1.ConditionTrue,
			Reason: "Deferred", Message: hostileNames[(i+1)%len(hostileNames)]})
		if _, err := fc.client.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	fc.exec.err["node-b"] = errors.New("boom " + hostileNames[0])
	for _, args := range [][]string{
		{"diff", "--node", fakeNode},
		{"diff", "--node", fakeNode, "-o", "wide"},
		{"diff", "--node", fakeNode + ",node-b"},
		{"inspect", "node/" + fakeNode},
		{"diff", "pod/" + hostileNames[1]},
	} {
		out, errOut, _ := fc.run(ctx, args...)
		checkTerminalSafe(t, strings.Join(args, " ")+" (stdout)", out)
		checkTerminalSafe(t, strings.Join(args, " ")+" (stderr)", errOut)
	}
}
