package qos

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// podYAML is a minimal pod manifest named name.
func podYAML(name string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n  containers:\n  - name: c\n    image: i\n"
}

func TestReadPodsFrom(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yaml", podYAML("b"))
	write("a.json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}`)
	write("notes.txt", "not a manifest")
	write("sub/c.yml", podYAML("c"))
	write("sub/deeper/d.yaml", podYAML("d"))
	names := func(o ReadPodsOptions, in ...string) string {
		t.Helper()
		pods, err := ReadPodsFrom(in, o)
		if err != nil {
			t.Fatalf("ReadPodsFrom(%q): %v", in, err)
		}
		var out []string
		for _, p := range pods {
			out = append(out, p.Name)
		}
		return strings.Join(out, ",")
	}
	// A directory without Recursive reads its own files only, in name order.
	if got := names(ReadPodsOptions{}, dir); got != "a,b" {
		t.Errorf("directory: %s, want a,b", got)
	}
	if got := names(ReadPodsOptions{Recursive: true}, dir); got != "a,b,c,d" {
		t.Errorf("recursive: %s, want a,b,c,d", got)
	}
	// Inputs in the order given; "-" reads Stdin.
	if got := names(ReadPodsOptions{Stdin: strings.NewReader(podYAML("s"))}, filepath.Join(dir, "sub", "c.yml"), "-", filepath.Join(dir, "b.yaml")); got != "c,s,b" {
		t.Errorf("files and stdin: %s, want c,s,b", got)
	}
	for _, tc := range []struct {
		in   []string
		o    ReadPodsOptions
		want string
	}{
		{nil, ReadPodsOptions{}, "no pods"},
		{[]string{"-", "-"}, ReadPodsOptions{Stdin: strings.NewReader(podYAML("s"))}, "standard input given twice"},
		{[]string{"-"}, ReadPodsOptions{}, "no standard input"},
		{[]string{filepath.Join(dir, "sub", "deeper", "none")}, ReadPodsOptions{}, "no such file"},
		{[]string{filepath.Join(dir, "sub", "deeper")}, ReadPodsOptions{Stdin: strings.NewReader("")}, ""},
		{[]string{"-"}, ReadPodsOptions{Stdin: strings.NewReader("")}, "no pods found in -"},
	} {
		_, err := ReadPodsFrom(tc.in, tc.o)
		if tc.want == "" {
			if err != nil {
				t.Errorf("ReadPodsFrom(%q): %v", tc.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadPodsFrom(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	if _, err := ReadPodsFrom([]string{empty}, ReadPodsOptions{}); err == nil || !strings.Contains(err.Error(), empty+": no .yaml, .yml or .json files") {
		t.Errorf("empty directory: %v", err)
	}
}
