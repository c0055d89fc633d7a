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
	// list returns the directory's entries, sorted by name; with
	// listChildren, without the kernel's interface files (see
	// interfaceFile).
	list(m listMode) ([]fs.DirEntry, error)
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

func (d rootDir) list(m listMode) ([]fs.DirEntry, error) {
	f, err := d.r.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := readDirEntries(d.r, f, m)
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
	// Checked again on the open file: it may have been replaced since
	// the Lstat.
	regular, err := openedRegular(f)
	if err != nil {
		return buf, err
	}
	if !regular {
		return readOpened(f, name, buf) // refuses it, naming its type
	}
	return readAll(f, name, buf)
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

// listMode says what a listing returns.
type listMode uint8

const (
	// listAll returns every entry.
	listAll listMode = iota
	// listChildren leaves out regular files that are kernel interface
	// files: what a search for pod and container cgroups lists, where
	// such a file is never wanted.
	listChildren
)

// filter applies the mode to a listing made with every entry.
func (m listMode) filter(entries []fs.DirEntry) []fs.DirEntry {
	if m != listChildren {
		return entries
	}
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return e.Type().IsRegular() && interfaceFile(e.Name()) })
}

// interfaceFile reports whether a name is one of the kernel's cgroup
// interface files ("cpu.max", "memory.high", "tasks"...): a controller's
// prefix and a dot, or one of v1's few names without one. No pod or
// container cgroup is named so (the kubelet's names start with "pod" or
// "kubepods-", the runtimes' with a hex ID or the runtime's name), so a
// listing for child cgroups can drop these without looking further; on
// Linux, before it turns the name into a string.
func interfaceFile[S ~string | ~[]byte](name S) bool {
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			switch string(name[:i]) {
			case "cgroup", "cpu", "cpuacct", "cpuset", "memory", "io", "blkio", "pids", "hugetlb",
				"rdma", "misc", "net_cls", "net_prio", "devices", "freezer", "perf_event", "irq":
				return true
			}
			return false
		}
	}
	switch string(name) {
	case "tasks", "notify_on_release", "release_agent":
		return true
	}
	return false
}

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

func (d ioDir) list(m listMode) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(d.fsys, d.prefix)
	return m.filter(entries), err
}

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
	return readAll(f, name, buf)
}

// readAll reads an open regular file, at most MaxFileBytes, appending to
// buf.
func readAll(f io.Reader, name string, buf []byte) ([]byte, error) {
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
