package cgroupfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// dir is an open directory of a tree: the live host through os.Root, or
// any fs.FS. Names passed to its methods are slash-separated, relative,
// and never contain "..".
type dir interface {
	// sub opens a directory below this one.
	sub(name string) (dir, error)
	// list returns the directory's entries, sorted by name.
	list() ([]fs.DirEntry, error)
	// read returns the content of a regular file, at most MaxFileBytes,
	// appending to buf.
	read(name string, buf []byte) ([]byte, error)
	// isDir reports whether name is a directory (not following a final
	// symbolic link); false with a nil error when it does not exist.
	isDir(name string) (bool, error)
	close() error
}

// rootDir is a live directory: every name is resolved by os.Root, so no
// path, ".." or symbolic link can lead outside the tree.
type rootDir struct{ r *os.Root }

func (d rootDir) sub(name string) (dir, error) {
	r, err := d.r.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	return rootDir{r}, nil
}

func (d rootDir) list() ([]fs.DirEntry, error) {
	f, err := d.r.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := readDirEntries(d.r, f)
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, err
}

func (d rootDir) read(name string, buf []byte) ([]byte, error) {
	// Lstat first, so that a FIFO, device or socket is refused without
	// being opened at all (opening a device can have side effects).
	fi, err := d.r.Lstat(name)
	if err != nil {
		return buf, err
	}
	if !fi.Mode().IsRegular() {
		return buf, notRegular(name, fi.Mode())
	}
	f, err := d.r.OpenFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	return readOpened(f, name, buf)
}

func (d rootDir) isDir(name string) (bool, error) {
	fi, err := d.r.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return fi.IsDir(), nil
}

func (d rootDir) close() error { return d.r.Close() }

// ioDir is a directory of an fs.FS (a snapshot, a fake tree).
type ioDir struct {
	fsys   fs.FS
	prefix string // "." or a valid fs path
}

func (d ioDir) join(name string) string {
	if d.prefix == "." {
		return name
	}
	if name == "." {
		return d.prefix
	}
	return d.prefix + "/" + name
}

func (d ioDir) sub(name string) (dir, error) {
	p := d.join(name)
	if !fs.ValidPath(p) {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrInvalid}
	}
	fi, err := lstatFS(d.fsys, p)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: p, Err: errNotDir}
	}
	return ioDir{d.fsys, p}, nil
}

var errNotDir = errors.New("not a directory")

func (d ioDir) list() ([]fs.DirEntry, error) { return fs.ReadDir(d.fsys, d.prefix) }

func (d ioDir) read(name string, buf []byte) ([]byte, error) {
	p := d.join(name)
	if !fs.ValidPath(p) {
		return buf, &fs.PathError{Op: "open", Path: p, Err: fs.ErrInvalid}
	}
	if rl, ok := d.fsys.(fs.ReadLinkFS); ok {
		fi, err := rl.Lstat(p)
		if err != nil {
			return buf, err
		}
		if !fi.Mode().IsRegular() {
			return buf, notRegular(p, fi.Mode())
		}
	}
	f, err := d.fsys.Open(p)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	return readOpened(f, p, buf)
}

func (d ioDir) isDir(name string) (bool, error) {
	fi, err := lstatFS(d.fsys, d.join(name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return fi.IsDir(), nil
}

func (d ioDir) close() error { return nil }

// lstatFS is fs.Stat without following a final symbolic link when the file
// system can tell links apart.
func lstatFS(fsys fs.FS, name string) (fs.FileInfo, error) {
	if rl, ok := fsys.(fs.ReadLinkFS); ok {
		return rl.Lstat(name)
	}
	return fs.Stat(fsys, name)
}

func notRegular(name string, m fs.FileMode) error {
	return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegularFile, fileType(m))}
}

func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m.IsDir():
		return "directory"
	}
	return "irregular file"
}

// readOpened checks that the opened file is a regular file (fstat, so a
// file swapped after the Lstat is caught too) and reads it to EOF, never
// trusting its size (cgroupfs files report 0) and never more than
// MaxFileBytes.
func readOpened(f fs.File, name string, buf []byte) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return buf, err
	}
	if !fi.Mode().IsRegular() {
		return buf, notRegular(name, fi.Mode())
	}
	start := len(buf)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf)-start > MaxFileBytes {
			return buf[:start], &fs.PathError{Op: "read", Path: name, Err: ErrFileTooLarge}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf[:start], &fs.PathError{Op: "read", Path: name, Err: err}
		}
	}
}

// validCgroupPath reports whether p is a cgroup path as this package
// writes them: "/" or "/a/b", clean, without "." or ".." elements.
func validCgroupPath(p string) bool {
	if p == "/" {
		return true
	}
	return len(p) > 1 && p[0] == '/' && path.Clean(p) == p && fs.ValidPath(p[1:])
}

// validFileName reports whether name can be a file in a cgroup directory.
func validFileName(name string) bool {
	return name != "" && name != "." && name != ".." && fs.ValidPath(name) && path.Base(name) == name
}

// relPath returns the fs path of a cgroup path within a controller
// directory ("." on cgroup v2).
func relPath(ctrlDir, cgroupPath string) string {
	p := cgroupPath[1:]
	switch {
	case p == "":
		return ctrlDir
	case ctrlDir == ".":
		return p
	}
	return ctrlDir + "/" + p
}
