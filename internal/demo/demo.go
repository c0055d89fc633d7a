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
	"path"
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
