package nodegen

import (
	"io/fs"
	"sync/atomic"
)

// CountingFS wraps a tree's fs.FS and counts the operations a reader does
// on it: opens, stats, directory listings and the entries they return,
// and bytes read. It is safe for concurrent use. Tests use it to check
// that the work of a read grows linearly with the pods (counting
// operations, not timing them).
type CountingFS struct {
	FS fs.FS
	Ops
}

// Ops are the counts of a CountingFS.
type Ops struct {
	Opens, Stats, ReadDirs, Entries, Bytes atomic.Int64
}

// Snapshot returns the counts as plain numbers, by name.
func (o *Ops) Snapshot() map[string]int64 {
	return map[string]int64{
		"opens": o.Opens.Load(), "stats": o.Stats.Load(), "readdirs": o.ReadDirs.Load(),
		"entries": o.Entries.Load(), "bytes": o.Bytes.Load(),
	}
}

// Open implements fs.FS.
func (c *CountingFS) Open(name string) (fs.File, error) {
	c.Opens.Add(1)
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return &countingFile{f, &c.Ops}, nil
}

// ReadDir implements fs.ReadDirFS.
func (c *CountingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	c.ReadDirs.Add(1)
	es, err := fs.ReadDir(c.FS, name)
	c.Entries.Add(int64(len(es)))
	return es, err
}

// Stat implements fs.StatFS.
func (c *CountingFS) Stat(name string) (fs.FileInfo, error) {
	c.Stats.Add(1)
	return fs.Stat(c.FS, name)
}

type countingFile struct {
	fs.File
	ops *Ops
}

func (f *countingFile) Read(b []byte) (int, error) {
	n, err := f.File.Read(b)
	f.ops.Bytes.Add(int64(n))
	return n, err
}

// ReadDir forwards fs.ReadDirFile, counting a listing.
func (f *countingFile) ReadDir(n int) ([]fs.DirEntry, error) {
	d, ok := f.File.(fs.ReadDirFile)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Err: fs.ErrInvalid}
	}
	f.ops.ReadDirs.Add(1)
	es, err := d.ReadDir(n)
	f.ops.Entries.Add(int64(len(es)))
	return es, err
}
