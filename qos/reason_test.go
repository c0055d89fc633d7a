package qos_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/qos"
)

// TestReadmeReasons keeps the README's reason table the one qos.Reasons
// gives: every code the library emits, with its meaning. -update writes
// it.
func TestReadmeReasons(t *testing.T) {
	root, err := golden.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	const begin, end = "<!-- reasons:begin", "<!-- reasons:end -->"
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %s ... %s markers", begin, end)
	}
	i += strings.Index(readme[i:], "-->") + len("-->\n")
	var b strings.Builder
	for _, kind := range []qos.ReasonKind{qos.ReasonKindExplained, qos.ReasonKindNote, qos.ReasonKindEffect} {
		head := "What it explains"
		switch kind {
		case qos.ReasonKindNote:
			head = "What the note says"
			b.WriteString("\nNotes (about the profile, a pod or the tree, not one file) carry these codes:\n\n")
		case qos.ReasonKindEffect:
			head = "What the kernel's counters show"
			b.WriteString("\nEffects (what a limit does to the workload, from the kernel's counters) carry these codes:\n\n")
		}
		fmt.Fprintf(&b, "| Reason | %s |\n|---|---|\n", head)
		for _, r := range qos.Reasons() {
			if r.Kind == kind {
				fmt.Fprintf(&b, "| `%s` | %s |\n", r.Code, r.Description)
			}
		}
	}
	want := b.String()
	if got := readme[i:j]; got != want {
		if golden.Updating() {
			if err := os.WriteFile(path, []byte(readme[:i]+want+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's reason table differs from qos.Reasons() (go test ./qos -run TestReadmeReasons -update):\n%s", want)
	}
}

// TestReasonsDeclared: every code is documented, listed once, and of a
// known kind.
func TestReasonsDeclared(t *testing.T) {
	seen := map[qos.Reason]bool{}
	for _, r := range qos.Reasons() {
		if seen[r.Code] || r.Description == "" || (r.Kind != qos.ReasonKindExplained && r.Kind != qos.ReasonKindNote && r.Kind != qos.ReasonKindEffect) {
			t.Errorf("reason %+v", r)
		}
		seen[r.Code] = true
	}
	if len(qos.ReasonCodes()) < 13 {
		t.Errorf("explained codes %v", qos.ReasonCodes())
	}
}

// TestReadmeExampleCheck keeps the README's library example the code and
// output of ExampleCheck, which the tests run.
func TestReadmeExampleCheck(t *testing.T) {
	root, err := golden.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_check_test.go")
	if err != nil {
		t.Fatal(err)
	}
	const open = "func ExampleCheck() {\n"
	i := strings.Index(string(src), open)
	if i < 0 {
		t.Fatal("example_check_test.go: no ExampleCheck")
	}
	body := string(src[i+len(open):])
	body = body[:strings.Index(body, "\n}\n")+1]
	var want strings.Builder
	for line := range strings.Lines(body) {
		want.WriteString(strings.TrimPrefix(line, "\t"))
	}
	const intro = "This is `ExampleCheck`"
	j := strings.Index(string(readme), intro)
	if j < 0 {
		t.Fatalf("README.md: no %q", intro)
	}
	block := string(readme[j:])
	block = block[strings.Index(block, "```go\n")+len("```go\n"):]
	block = block[:strings.Index(block, "```")]
	if block != want.String() {
		t.Errorf("README.md's ExampleCheck differs from qos/example_check_test.go; replace it with:\n%s", want.String())
	}
}
