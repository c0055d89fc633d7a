package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// TestSnapshotCommand captures trees from disk (the live reader) and from
// snapshots, in both formats, and checks that inspect reads each capture
// exactly like its source.
func TestSnapshotCommand(t *testing.T) {
	for _, name := range []string{"v1-cgroupfs", "v2-systemd", "hybrid", "crun-leaf", "stray"} {
		dir := writeSnapshotDir(t, name)
		out := t.TempDir()
		want, _, _ := runCLI(t, "", "inspect", "--snapshot", treeFile(name), "-o", "json")
		for _, tt := range []struct {
			from []string
			file string
		}{
			{[]string{"--root", dir}, "live.tar.gz"},
			{[]string{"--root", dir}, "live.txtar"},
			{[]string{"--snapshot", treeFile(name)}, "converted.tar.gz"},
			{[]string{"--snapshot", treeFile(name)}, "converted.txtar"},
		} {
			file := filepath.Join(out, tt.file)
			args := append([]string{"snapshot", "-o", file}, tt.from...)
			_, errOut, code := runCLI(t, "", args...)
			if code != 0 {
				t.Fatalf("%s %q: exit %d: %s", name, args, code, errOut)
			}
			if !strings.HasPrefix(errOut, "wrote "+file) {
				t.Errorf("%s: summary %q", name, errOut)
			}
			got, errOut, code := runCLI(t, "", "inspect", "--snapshot", file, "-o", "json")
			if code != 0 {
				t.Fatalf("%s: inspect %s: %s", name, file, errOut)
			}
			g, w := withoutSource(t, got), withoutSource(t, want)
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			if !bytes.Equal(gj, wj) {
				t.Errorf("%s %s: inspect differs from the source tree:\n%s\n%s", name, tt.file, gj, wj)
			}
		}
	}
}

// TestSnapshotStdout writes an archive to standard output.
func TestSnapshotStdout(t *testing.T) {
	out, errOut, code := runCLI(t, "", "snapshot", "--snapshot", treeFile("v1-systemd"), "-o", "-")
	if code != 0 || len(out) < 2 || out[0] != 0x1f || out[1] != 0x8b {
		t.Fatalf("exit %d, %d bytes, %s", code, len(out), errOut)
	}
	out, _, code = runCLI(t, "", "snapshot", "--snapshot", treeFile("v1-systemd"), "-o", "-", "--format", "txtar", "--pod", "911d497f-fa06-585f-bfd3-61bb8a6cf5b3", "--description", "one pod")
	if code != 0 || !strings.HasPrefix(out, "one pod\nkubecgroups-snapshot: {") || strings.Contains(out, "571ef27d") {
		t.Errorf("txtar of one pod: %.300s", out)
	}
}

// TestSnapshotSummary pins the summary line of a conversion.
func TestSnapshotSummary(t *testing.T) {
	file := filepath.Join(t.TempDir(), "node.txtar")
	_, errOut, code := runCLI(t, "", "snapshot", "--snapshot", treeFile("crio-conmon"), "-o", file)
	if code != 0 {
		t.Fatal(errOut)
	}
	errOut = strings.ReplaceAll(errOut, file, "node.txtar")
	errOut = regexp.MustCompile(`txtar, \d+ bytes`).ReplaceAllString(errOut, "txtar, N bytes")
	golden.Check(t, golden.Path(t, "golden", "snapshot", "summary.txt"), []byte(errOut))
	if _, err := os.Stat(file); err != nil {
		t.Error(err)
	}
}

func TestSnapshotErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"snapshot", "--snapshot", treeFile("v1-cgroupfs")}, `required flag(s) "output" not set`},
		{[]string{"snapshot", "--snapshot", treeFile("v1-cgroupfs"), "-o", "-", "--format", "zip"}, `--format "zip"`},
		{[]string{"snapshot", "--root", t.TempDir(), "-o", "-"}, "cannot tell the cgroup layout"},
		{[]string{"snapshot", "--snapshot", treeFile("v1-cgroupfs"), "-o", filepath.Join(t.TempDir(), "no", "such", "dir.tar.gz")}, "no such file"},
	}
	for _, tt := range tests {
		_, errOut, code := runCLI(t, "", tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stderr %q, want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}
