package clihelp

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestWrapWords(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"a bb ccc dddd", 6, "a bb|ccc|dddd"},
		{"  a   bb  ", 80, "a bb"},
		{"verylongword a", 4, "verylongword|a"},
		{"", 10, ""},
	} {
		if got := WrapWords(tc.in, tc.width, "|"); got != tc.want {
			t.Errorf("WrapWords(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestSetFlagGroupsAndTopic(t *testing.T) {
	c := &cobra.Command{Use: "diff", Run: func(*cobra.Command, []string) {}}
	c.Flags().String("root", "", "Tree root.")
	c.Flags().String("output", "", "Output.")
	c.Flags().String("extra", "", "Extra.")
	c.Flags().String("kubeconfig", "", "kubectl's.")
	c.Flags().String("namespace", "", "Namespace.")
	node := FlagGroup{Title: "Node-mode flags", Names: []string{"root", "missing"}, Topic: "node-mode"}
	SetFlagGroups(c, "kubectl cgroups", []FlagGroup{node, {Title: "Output", Names: []string{"output"}}})
	var b bytes.Buffer
	c.SetOut(&b)
	c.SetErr(&b)
	if err := c.Usage(); err != nil {
		t.Fatal(err)
	}
	help := b.String()
	for _, want := range []string{
		"Node-mode flags (kubectl cgroups help node-mode):\n  --root\n",
		"Output:\n      --output string",
		"Other flags:\n      --extra string",
		"--namespace string",
		"kubectl cgroups options\n",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	// kubectl's connection flags are left to "options".
	if strings.Contains(help, "--kubeconfig string") {
		t.Errorf("help lists --kubeconfig:\n%s", help)
	}
	topic := NewTopic(c, node, "short", "Long text.", "  example")
	if topic.Use != "node-mode" || !strings.HasPrefix(topic.Long, "Long text.\n\nExamples:\n  example\n\nNode-mode flags:\n      --root string") {
		t.Errorf("topic: %q %q", topic.Use, topic.Long)
	}
	if !KubectlFlag("kubeconfig") || KubectlFlag("namespace") || KubectlFlag("root") || !strings.Contains(KubectlFlagUsages(), "--kubeconfig") {
		t.Error("KubectlFlag/KubectlFlagUsages")
	}
}
