package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// treeFile returns the path of a fake tree as the tests pass it on the
// command line (relative, so that golden output does not depend on where
// the repository is).
func treeFile(name string) string {
	return filepath.Join("..", "..", "testdata", "trees", name+".txtar")
}

// TestInspectGolden renders every fake tree as a table and as JSON, and a
// few as wide tables, YAML and single pods.
func TestInspectGolden(t *testing.T) {
	type run struct {
		golden string
		args   []string
	}
	var runs []run
	for _, name := range golden.TreeNames(t) {
		runs = append(runs,
			run{name + ".txt", []string{"inspect", "--snapshot", treeFile(name)}},
			run{name + ".json", []string{"inspect", "--snapshot", treeFile(name), "-o", "json"}})
	}
	runs = append(runs,
		run{"v1-cgroupfs-wide.txt", []string{"inspect", "--snapshot", treeFile("v1-cgroupfs"), "-o", "wide"}},
		run{"v2-systemd-wide.txt", []string{"inspect", "--snapshot", treeFile("v2-systemd"), "-o", "wide"}},
		run{"hybrid.yaml", []string{"inspect", "--snapshot", treeFile("hybrid"), "-o", "yaml"}},
		run{"pod-v1-systemd.txt", []string{"inspect", "--snapshot", treeFile("v1-systemd"), "--pod", "571ef27d-d74b-5fc6-875f-3f5ac07d885a"}},
		run{"pod-v2-cgroupfs.json", []string{"inspect", "--snapshot", treeFile("v2-cgroupfs"), "--pod", "911d497f-fa06-585f-bfd3-61bb8a6cf5b3", "-o", "json"}},
		run{"custom-root-given.txt", []string{"inspect", "--snapshot", treeFile("custom-root"), "--cgroup-root", "/custom", "--cgroup-driver", "cgroupfs"}},
		// The live-node rig's effects scenario, with its real counters.
		run{"effects.txt", []string{"inspect", "--snapshot", effectsNode, "--effects"}},
		run{"effects-wide.txt", []string{"inspect", "--snapshot", effectsNode, "--effects", "-o", "wide", "--pod", effectsOOMPod}},
		run{"effects.json", []string{"inspect", "--snapshot", effectsNode, "--effects", "-o", "json", "--pod", effectsOOMPod}},
		run{"effects.yaml", []string{"inspect", "--snapshot", effectsNode, "--effects", "-o", "yaml", "--pod", effectsOOMPod}},
		run{"effects-none.txt", []string{"inspect", "--snapshot", treeFile("v2-systemd"), "--effects"}},
	)
	for _, r := range runs {
		t.Run(r.golden, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", r.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden.Check(t, golden.Path(t, "golden", "inspect", r.golden), []byte(out))
		})
	}
}

// TestInspectTableWidth checks that the default table fits 80 columns
// (the error, unknown-entry and note lines below it quote paths and may
// not).
func TestInspectTableWidth(t *testing.T) {
	for _, name := range golden.TreeNames(t) {
		out, _, _ := runCLI(t, "", "inspect", "--snapshot", treeFile(name))
		table, _, _ := strings.Cut(out, "\n\n"+"Errors:")
		for _, section := range []string{"\nUnknown entries:", "\nNotes:", "\nn/a ", "\n- file", "\nERR "} {
			table, _, _ = strings.Cut(table, section)
		}
		for _, line := range strings.Split(table, "\n") {
			if len(line) > 80 {
				t.Errorf("%s: line of %d columns: %q", name, len(line), line)
			}
		}
	}
}

// TestInspectJSONContract checks the documented fields of -o json.
func TestInspectJSONContract(t *testing.T) {
	out, _, code := runCLI(t, "", "inspect", "--snapshot", treeFile("crun-leaf"), "-o", "json")
	if code != 0 {
		t.Fatal(out)
	}
	var doc struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Source     struct {
			Kind, Path string
		} `json:"source"`
		Mode, Driver, CgroupRoot string
		PageSizeBytes            int64
		Controllers              map[string]string
		Kubepods, Burstable      struct {
			Path  string
			Files map[string]struct {
				Status, Raw, Error string
				Value              any
			}
		}
		Pods []struct {
			UID, QOSTier, Path string
			Files              map[string]json.RawMessage
			Containers         []struct {
				ID, Naming, Path, LeafPath string
				Files                      map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.APIVersion != "kubecgroups.io/v1alpha1" || doc.Kind != "NodeCgroups" || doc.Source.Kind != "snapshot" ||
		doc.Mode != "unified" || doc.Driver != "cgroupfs" || doc.CgroupRoot != "/" || doc.PageSizeBytes != 4096 ||
		doc.Controllers["cpu"] != "." || doc.Kubepods.Path != "/kubepods" || doc.Burstable.Path != "/kubepods/burstable" {
		t.Errorf("header: %+v", doc)
	}
	if f := doc.Kubepods.Files["cpu.max"]; f.Status != "ok" || f.Raw != "max 100000" || f.Value.(map[string]any)["quotaMicros"] != float64(-1) {
		t.Errorf("cpu.max: %+v", f)
	}
	if len(doc.Pods) != 3 || doc.Pods[0].QOSTier != "guaranteed" || doc.Pods[0].Containers[0].LeafPath == "" || doc.Pods[0].Containers[0].Naming != "bare" {
		t.Errorf("pods: %+v", doc.Pods)
	}
}

// writeSnapshotDir copies a fake tree to a directory, as a copied
// /sys/fs/cgroup.
func writeSnapshotDir(t *testing.T, name string) string {
	t.Helper()
	return copyTree(t, treeFile(name))
}

// copyTree lays a snapshot archive out on disk, as a copied
// /sys/fs/cgroup.
func copyTree(t *testing.T, archive string) string {
	t.Helper()
	snap, err := cgroupfs.ReadSnapshotFile(archive, cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	err = fs.WalkDir(snap, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := fs.ReadFile(snap, p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// withoutSource drops the source and the page size (the live reader uses
// the running host's) from an inspect JSON document.
func withoutSource(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	delete(m, "source")
	delete(m, "pageSizeBytes")
	delete(m, "notes")
	return m
}

// TestInspectLiveRoot reads a tree copied to disk with --root, the live
// reader.
func TestInspectLiveRoot(t *testing.T) {
	for _, name := range []string{"v2-systemd", "comounted", "kind"} {
		dir := writeSnapshotDir(t, name)
		live, errOut, code := runCLI(t, "", "inspect", "--root", dir, "-o", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		snap, _, _ := runCLI(t, "", "inspect", "--snapshot", treeFile(name), "-o", "json")
		l, s := withoutSource(t, live), withoutSource(t, snap)
		lj, _ := json.Marshal(l)
		sj, _ := json.Marshal(s)
		if string(lj) != string(sj) {
			t.Errorf("%s: --root and --snapshot differ:\n%s\n%s", name, lj, sj)
		}
	}
}

// effectsNode is the node the live-node effects test captured, and
// effectsOOMPod the UID of its pod whose container was OOM-killed.
var effectsNode = filepath.Join("..", "..", "internal", "demo", "data", "3-effects", "node.tar.gz")

const effectsOOMPod = "aa02cb1949f466bc3a93adefb412beb2"

func TestInspectErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"inspect", "--snapshot", treeFile("v1-cgroupfs"), "--pod", "00000000-0000-0000-0000-000000000000"}, "no pod cgroup under /kubepods"},
		{[]string{"inspect", "--snapshot", treeFile("v1-cgroupfs"), "--pod", "a/b"}, "pod UID"},
		{[]string{"inspect", "--snapshot", treeFile("v1-cgroupfs"), "--root", "/"}, "none of the others can be"},
		{[]string{"inspect", "--snapshot", "nope.tar.gz"}, "nope.tar.gz"},
		{[]string{"inspect", "--root", empty}, "cannot tell the cgroup layout"},
		{[]string{"inspect", "--root", filepath.Join(empty, "x")}, "no such file"},
		{[]string{"inspect", "--snapshot", treeFile("v1-cgroupfs"), "--cgroup-driver", "docker"}, `--cgroup-driver "docker"`},
		{[]string{"inspect", "--snapshot", treeFile("v1-cgroupfs"), "--cgroup-root", "/custom"}, "no kubepods cgroup for cgroupRoot /custom"},
		{[]string{"inspect", "--snapshot", treeFile("v1-cgroupfs"), "-o", "xml"}, `unsupported output format "xml"`},
		{[]string{"inspect", "a/b/c"}, `"a/b/c": want pod/NAME or node/NAME`},
		{[]string{"inspect", "--snapshot", treeFile("v1-cgroupfs"), "--sample", "5s"}, "--sample with --snapshot"},
		{[]string{"inspect", "--sample", "-1s"}, "want a positive duration"},
		{[]string{"inspect", "node/n1", "--sample", "5s"}, "cluster mode reads each node once"},
		{[]string{"diff", "--snapshot", treeFile("v1-cgroupfs"), "-f", "x.json", "--sample", "5s"}, "a snapshot holds one read"},
		{[]string{"diff", "--all-nodes", "--sample", "5s"}, "cluster mode reads each node once"},
	}
	for _, tt := range tests {
		_, errOut, code := runCLI(t, "", tt.args...)
		if code != 2 || !strings.HasPrefix(errOut, "error: ") || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stderr %q, want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestInspectHelp(t *testing.T) {
	out, _, code := runCLI(t, "", "inspect", "--help")
	if code != 0 {
		t.Fatal(code)
	}
	for _, want := range []string{"Examples:", "--snapshot", "--pod", "NodeCgroups", "-o wide"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect --help lacks %q", want)
		}
	}
}
