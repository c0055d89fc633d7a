package nodegen

import (
	"errors"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
)

// FilePaths returns the path, on the host, of every file the reader opened
// to fill node, read from the tree at mount (opened as fsys): the files it
// read, and those it found missing or unreadable, but not those of a
// controller the tree lacks (never looked up). A raw-read baseline that
// reads these paths does the reader's file I/O and nothing else. The
// paths are in the order the reader visits them.
func FilePaths(fsys *cgroupfs.FS, mount string, node *cgroupfs.Node) []string {
	ctrl := fsys.Controllers()
	var out []string
	add := func(cg *cgroupfs.Cgroup) {
		if cg == nil {
			return
		}
		names := make([]string, 0, len(cg.Files))
		for name, f := range cg.Files {
			if !errors.Is(f.Err, cgroupfs.ErrNotSupported) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		for _, name := range names {
			c, _, _ := strings.Cut(name, ".")
			dir, ok := ctrl[c]
			if !ok {
				dir = "."
			}
			out = append(out, filepath.Join(mount, filepath.FromSlash(path.Join(dir, cg.Path, name))))
		}
	}
	for cg := range node.Cgroups() {
		add(cg)
	}
	return out
}
