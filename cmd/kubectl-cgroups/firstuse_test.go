package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSnapshotFromStdin: --snapshot - reads the archive from standard
// input, a txtar or a tar.gz told apart by content, as inspect and diff
// read the same archive from a file.
func TestSnapshotFromStdin(t *testing.T) {
	txtar, err := os.ReadFile(treeFile("v1-systemd"))
	if err != nil {
		t.Fatal(err)
	}
	targz, errOut, code := runCLI(t, "", "snapshot", "--snapshot", treeFile("v1-systemd"), "-o", "-")
	if code != 0 {
		t.Fatalf("snapshot -o -: exit %d: %s", code, errOut)
	}
	want, _, _ := runCLI(t, "", "inspect", "--snapshot", treeFile("v1-systemd"), "-o", "json")
	for name, archive := range map[string]string{"txtar": string(txtar), "tar.gz": targz} {
		got, errOut, code := runCLI(t, archive, "inspect", "--snapshot", "-", "-o", "json")
		if code != 0 {
			t.Fatalf("%s: inspect --snapshot -: exit %d: %s", name, code, errOut)
		}
		gj, wj := withoutSource(t, got), withoutSource(t, want)
		if !reflectEqualJSON(t, gj, wj) {
			t.Errorf("%s: inspect --snapshot - differs from the file", name)
		}
	}
	d := filepath.Join("..", "..", "testdata", "diff", "drift-memory")
	tree, _ := os.ReadFile(filepath.Join(d, "node.txtar"))
	fromFile, _, codeFile := runCLI(t, "", "diff", "--snapshot", filepath.Join(d, "node.txtar"), "-f", filepath.Join(d, "pods.json"))
	fromStdin, errOut, codeStdin := runCLI(t, string(tree), "diff", "--snapshot", "-", "-f", filepath.Join(d, "pods.json"))
	if codeStdin != codeFile || strings.ReplaceAll(fromStdin, "snapshot -", "snapshot "+filepath.Join(d, "node.txtar")) != fromFile {
		t.Errorf("diff --snapshot -: exit %d (file: %d): %s\n%s", codeStdin, codeFile, errOut, fromStdin)
	}
	if _, errOut, code := runCLI(t, string(tree), "diff", "--snapshot", "-", "-f", "-"); code != 2 || !strings.Contains(errOut, "standard input") {
		t.Errorf("--snapshot - -f -: exit %d: %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "", "inspect", "--snapshot", "-"); code != 2 || !strings.Contains(errOut, "standard input") || !strings.Contains(errOut, "empty") {
		t.Errorf("empty standard input: exit %d: %s", code, errOut)
	}
}

func reflectEqualJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}

// TestSnapshotPodNotFound: snapshot --pod with a UID the tree does not
// hold is an error (exit 2) like inspect --pod, and writes nothing.
func TestSnapshotPodNotFound(t *testing.T) {
	file := filepath.Join(t.TempDir(), "one.tar.gz")
	const uid = "00000000-0000-0000-0000-000000000000"
	for _, args := range [][]string{
		{"inspect", "--snapshot", treeFile("v1-cgroupfs"), "--pod", uid},
		{"snapshot", "--snapshot", treeFile("v1-cgroupfs"), "--pod", uid, "-o", file},
	} {
		_, errOut, code := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(errOut, "pod "+uid+": no pod cgroup under /kubepods") {
			t.Errorf("%q: exit %d: %s", args, code, errOut)
		}
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("snapshot of an unknown pod wrote %s (%v)", file, err)
	}
}

// TestClusterBareNodeName: inspect and snapshot take a bare node name as
// their help says, like node/NAME (and nodes/, no/ as diff does).
func TestClusterBareNodeName(t *testing.T) {
	fc := newFakeCluster(t)
	ctx := context.Background()
	want, errOut, code := fc.run(ctx, "inspect", "node/"+fakeNode)
	if code != 0 {
		t.Fatalf("inspect node/: exit %d: %s", code, errOut)
	}
	for _, arg := range []string{fakeNode, "no/" + fakeNode, "nodes/" + fakeNode} {
		got, errOut, code := fc.run(ctx, "inspect", arg)
		if code != 0 || stable(got) != stable(want) {
			t.Errorf("inspect %s: exit %d: %s\n%s", arg, code, errOut, got)
		}
	}
	file := filepath.Join(t.TempDir(), "n.txtar")
	if _, errOut, code := fc.run(ctx, "snapshot", fakeNode, "-o", file); code != 0 || !strings.Contains(errOut, "from node/"+fakeNode) {
		t.Errorf("snapshot %s: exit %d: %s", fakeNode, code, errOut)
	}
	if _, errOut, code := fc.run(ctx, "snapshot", fakeNode, "--pod", "00000000-0000-0000-0000-000000000000", "-o", file+".2"); code != 2 || !strings.Contains(errOut, "no pod cgroup") {
		t.Errorf("snapshot --pod unknown (cluster): exit %d: %s", code, errOut)
	}
	for _, c := range []string{"inspect", "snapshot"} {
		out, _, _ := runCLI(t, "", c, "--help")
		if !strings.Contains(out, "or a bare NAME") {
			t.Errorf("%s --help no longer says a bare NAME is a node; update this test", c)
		}
	}
}

// TestSnapshotFileErrors: an empty or non-gzip .tar.gz says so and names
// the file; a write error names the target, not a temporary file; a tree
// without kubepods names where it looked.
func TestSnapshotFileErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.tar.gz")
	os.WriteFile(empty, nil, 0o644)
	text := filepath.Join(dir, "text.tar.gz")
	os.WriteFile(text, []byte("hello\n"), 0o644)
	missing := filepath.Join(dir, "no-such-dir", "node.tar.gz")
	bare := t.TempDir()
	os.WriteFile(filepath.Join(bare, "cgroup.controllers"), []byte("cpu memory\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"inspect", "--snapshot", empty}, []string{empty, "empty"}, ""},
		{[]string{"diff", "--snapshot", empty, "-f", filepath.Join("..", "..", "testdata", "diff", "drift-memory", "pods.json")}, []string{empty, "empty"}, ""},
		{[]string{"inspect", "--snapshot", text}, []string{text, "not a gzip"}, ""},
		{[]string{"snapshot", "--snapshot", treeFile("v1-cgroupfs"), "-o", missing}, []string{missing}, ".node.tar.gz."},
		{[]string{"inspect", "--root", bare}, []string{"no kubepods", bare}, ""},
	} {
		_, errOut, code := runCLI(t, "", tc.args...)
		ok := code == 2 && (tc.not == "" || !strings.Contains(errOut, tc.not))
		for _, w := range tc.want {
			ok = ok && strings.Contains(errOut, w)
		}
		if !ok {
			t.Errorf("%q: exit %d: %s\nwant %q", tc.args, code, errOut, tc.want)
		}
	}
}
