package cgroupfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// memFS is the read-only, in-memory file system of a snapshot: regular
// files and directories only.
type memFS struct {
	nodes map[string]*memNode
	// limit bounds the nodes, the directories that paths only imply
	// included; 0 is no limit.
	limit int
}

type memNode struct {
	name     string // base name; "." for the root
	dir      bool
	explicit bool // added by an archive entry, not implied by a child
	data     []byte
	children []*memNode
}

var errDuplicate = &markedError{errors.New("duplicate entry"), ErrUnsafeArchive}

// split returns the parent and the base name of a valid fs path, as
// path.Dir and path.Base do but without cleaning, which would cost the
// whole name at every level of a deep path.
func split(name string) (parent, base string) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return ".", name
	}
	return name[:i], name[i+1:]
}

// grow checks that one more node stays within the limit.
func (m *memFS) grow() error {
	if m.limit > 0 && len(m.nodes) > m.limit {
		return overLimit("more than %d entries, counting the directories their paths imply", m.limit)
	}
	return nil
}

func newMemFS() *memFS {
	return &memFS{nodes: map[string]*memNode{".": {name: ".", dir: true, explicit: true}}}
}

// addDir adds a directory; an explicit directory added twice is an error.
func (m *memFS) addDir(name string, explicit bool) (*memNode, error) {
	if n, ok := m.nodes[name]; ok {
		if !n.dir {
			return nil, fmt.Errorf("%q is both a file and a directory: %w", name, errDuplicate)
		}
		if explicit && n.explicit && name != "." {
			return nil, fmt.Errorf("directory %q appears twice: %w", name, errDuplicate)
		}
		n.explicit = n.explicit || explicit
		return n, nil
	}
	if err := m.grow(); err != nil {
		return nil, err
	}
	parentName, base := split(name)
	parent, err := m.addDir(parentName, false)
	if err != nil {
		return nil, err
	}
	n := &memNode{name: base, dir: true, explicit: explicit}
	m.nodes[name] = n
	parent.children = append(parent.children, n)
	return n, nil
}

// addFile adds a regular file; a name added twice is an error.
func (m *memFS) addFile(name string, data []byte) error {
	if n, ok := m.nodes[name]; ok {
		if n.dir {
			return fmt.Errorf("%q is both a file and a directory: %w", name, errDuplicate)
		}
		return fmt.Errorf("file %q appears twice: %w", name, errDuplicate)
	}
	if err := m.grow(); err != nil {
		return err
	}
	parentName, base := split(name)
	parent, err := m.addDir(parentName, false)
	if err != nil {
		return err
	}
	n := &memNode{name: base, data: data}
	m.nodes[name] = n
	parent.children = append(parent.children, n)
	return nil
}

// freeze sorts every directory's entries by name.
func (m *memFS) freeze() {
	for _, n := range m.nodes {
		slices.SortFunc(n.children, func(a, b *memNode) int {
			switch {
			case a.name < b.name:
				return -1
			case a.name > b.name:
				return 1
			}
			return 0
		})
	}
}

func (m *memFS) lookup(op, name string) (*memNode, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n, ok := m.nodes[name]
	if !ok {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return n, nil
}

// Open implements fs.FS.
func (m *memFS) Open(name string) (fs.File, error) {
	n, err := m.lookup("open", name)
	if err != nil {
		return nil, err
	}
	if n.dir {
		return &memDir{node: n}, nil
	}
	return &memFile{node: n, r: bytes.NewReader(n.data)}, nil
}

// ReadDir implements fs.ReadDirFS.
func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := m.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	out := make([]fs.DirEntry, len(n.children))
	for i, c := range n.children {
		out[i] = c
	}
	return out, nil
}

// Stat implements fs.StatFS.
func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	n, err := m.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// memNode is its own fs.FileInfo and fs.DirEntry.
func (n *memNode) Name() string { return n.name }
func (n *memNode) Size() int64  { return int64(len(n.data)) }
func (n *memNode) Mode() fs.FileMode {
	if n.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (n *memNode) ModTime() time.Time         { return time.Time{} }
func (n *memNode) IsDir() bool                { return n.dir }
func (n *memNode) Sys() any                   { return nil }
func (n *memNode) Type() fs.FileMode          { return n.Mode().Type() }
func (n *memNode) Info() (fs.FileInfo, error) { return n, nil }

type memFile struct {
	node *memNode
	r    *bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.node, nil }
func (f *memFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *memFile) Close() error               { return nil }

type memDir struct {
	node *memNode
	off  int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.node, nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.node.name, Err: errors.New("is a directory")}
}
func (d *memDir) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *memDir) ReadDir(count int) ([]fs.DirEntry, error) {
	rest := d.node.children[d.off:]
	if count > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if count > 0 && count < len(rest) {
		rest = rest[:count]
	}
	d.off += len(rest)
	out := make([]fs.DirEntry, len(rest))
	for i, c := range rest {
		out[i] = c
	}
	return out, nil
}

// remove deletes a node and everything below it.
func (m *memFS) remove(name string) {
	n, ok := m.nodes[name]
	if !ok || name == "." {
		return
	}
	var drop func(prefix string, n *memNode)
	drop = func(prefix string, n *memNode) {
		for _, c := range n.children {
			p := prefix + "/" + c.name
			delete(m.nodes, p)
			drop(p, c)
		}
	}
	drop(name, n)
	delete(m.nodes, name)
	parentName, _ := split(name)
	if parent := m.nodes[parentName]; parent != nil {
		parent.children = slices.DeleteFunc(parent.children, func(c *memNode) bool { return c == n })
	}
}
