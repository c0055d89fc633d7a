// Package demo holds the example nodes that `kubectl-cgroups demo` diffs:
// a real node captured from a running kubelet v1.37.2 by the live-node
// test, and generated nodes that show explained and unexplained
// differences. Each scenario is a cgroup snapshot, the pods the node runs
// and, where known, the kubelet's /configz, plus the diff flags that
// describe the node.
package demo

import (
	"embed"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed data
var data embed.FS

// Scenario is one example node.
type Scenario struct {
	// Name is the scenario's directory name, such as "real-node".
	Name string
	// Title says in one line what the node is and shows.
	Title string
	// Files maps the scenario's file names (node.tar.gz or node.txtar,
	// pods.json, configz.json) to their contents.
	Files map[string][]byte
	// Args are the diff flags that describe the node (for example the OCI
	// runtime it really runs).
	Args []string
}

// Scenarios returns every scenario, in the order the demo shows them.
func Scenarios() ([]Scenario, error) {
	dirs, err := fs.ReadDir(data, "data")
	if err != nil {
		return nil, err
	}
	var out []Scenario
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		s := Scenario{Name: strings.TrimPrefix(d.Name(), d.Name()[:strings.Index(d.Name(), "-")+1]), Files: map[string][]byte{}}
		entries, err := fs.ReadDir(data, path.Join("data", d.Name()))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			b, err := data.ReadFile(path.Join("data", d.Name(), e.Name()))
			if err != nil {
				return nil, err
			}
			switch e.Name() {
			case "title.txt":
				s.Title = strings.TrimSpace(string(b))
			case "args.txt":
				s.Args = strings.Fields(string(b))
			default:
				s.Files[e.Name()] = b
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// ShellLine renders a command in lines of at most width columns, with
// shell continuations.
func ShellLine(words []string, width int) string {
	// Keep each flag with its value.
	var units []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if strings.HasPrefix(w, "-") && i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") {
			w += " " + words[i+1]
			i++
		}
		units = append(units, w)
	}
	var b strings.Builder
	line := ""
	for _, w := range units {
		if line != "" && len(line)+1+len(w)+2 > width {
			b.WriteString(line + " \\\n")
			line = "     " + w
			continue
		}
		if line == "" {
			line = w
		} else {
			line += " " + w
		}
	}
	b.WriteString(line + "\n")
	return b.String()
}

// Write writes the scenario's files into a new directory under dir, named
// after the scenario, and returns the diff arguments that read them
// (--snapshot, -f, --node-config, then Args).
func (sc Scenario) Write(dir string) ([]string, error) {
	sub := filepath.Join(dir, sc.Name)
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return nil, err
	}
	args := []string{"diff"}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range sc.Files {
			if !yield(k) {
				return
			}
		}
	}) {
		path := filepath.Join(sub, name)
		if err := os.WriteFile(path, sc.Files[name], 0o600); err != nil {
			return nil, err
		}
		switch {
		case strings.HasPrefix(name, "node."):
			args = append(args, "--snapshot", path)
		case name == "pods.json":
			args = append(args, "-f", path)
		case name == "configz.json":
			args = append(args, "--node-config", path)
		}
	}
	return append(args[1:], sc.Args...), nil
}
