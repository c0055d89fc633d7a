package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestScenarioPodsLoad: every scenario of testdata/diff replays by hand
// with the CLI: its pods.json loads with -f and diffs its node.txtar.
func TestScenarioPodsLoad(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "diff", "*", "pods.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, p := range dirs {
		d := filepath.Dir(p)
		_, errOut, code := runCLI(t, "", "diff", "--snapshot", filepath.Join(d, "node.txtar"), "-f", p)
		if code == 2 {
			t.Errorf("%s: exit 2: %s", filepath.Base(d), errOut)
		}
	}
}

// summaryLine is the last line of a diff table and of the README's
// examples of it.
var summaryLine = regexp.MustCompile(`(\d+) cgroups, (\d+) files: (\d+) match, (\d+) explained, (\d+) (?:drift|unexplained)(?:, (\d+) missing, (\d+) unexpected)?(?:, (\d+) unreadable)?`)

// TestREADMESummaries: every summary line the README and the golden
// outputs show adds up: the file statuses count the files.
func TestREADMESummaries(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	found := summaryLine.FindAllStringSubmatch(string(readme), -1)
	if len(found) < 3 {
		t.Fatalf("README.md: %d summary lines, want the README's examples", len(found))
	}
	goldens, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "*", "*.txt"))
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, summaryLine.FindAllStringSubmatch(string(b), -1)...)
	}
	for _, m := range found {
		files, _ := strconv.Atoi(m[2])
		sum := 0
		for _, s := range m[3:] {
			n, _ := strconv.Atoi(s)
			sum += n
		}
		if sum != files {
			t.Errorf("%q: the statuses add up to %d, not %d files", m[0], sum, files)
		}
	}
}

// TestREADMESnapshotWorkflow: the README's workflow for a snapshot taken
// on a node fetches the kubelet's /configz and passes it with a flag diff
// has.
func TestREADMESnapshotWorkflow(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(readme), "kubectl get pods -A --field-selector spec.nodeName=node-7 -o json > pods.json\n")
	if i < 0 {
		t.Fatal("README.md: no snapshot workflow")
	}
	block := string(readme[i:])
	block = block[:strings.Index(block, "```")]
	if !strings.Contains(block, "kubectl get --raw /api/v1/nodes/node-7/proxy/configz > configz.json") {
		t.Errorf("the snapshot workflow does not fetch /configz:\n%s", block)
	}
	diff, _, _ := newRootCmdWith(genericiooptions.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, nil).Find([]string{"diff"})
	uses := false
	for line := range strings.Lines(block) {
		if !strings.HasPrefix(line, "kubectl-cgroups diff ") {
			continue
		}
		for _, f := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(line, -1) {
			if diff.Flags().Lookup(f[1]) == nil {
				t.Errorf("README.md: diff has no flag --%s", f[1])
			}
			uses = uses || f[1] == "node-config"
		}
		if !strings.Contains(line, "configz.json") {
			uses = false
		}
	}
	if !uses {
		t.Errorf("the snapshot workflow's diff does not pass configz.json with --node-config:\n%s", block)
	}
}
