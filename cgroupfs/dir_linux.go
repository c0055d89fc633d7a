//go:build linux

package cgroupfs

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// fdDir is a live directory on Linux, read with raw system calls on
// directory file descriptors: every path is resolved by openat2 with
// RESOLVE_BENEATH (no "..", absolute path or symbolic link leads outside
// the tree, as with os.Root) and files are read without the os.File
// machinery (no poller registration, no extra fcntl or fstat calls).
//
// On a cgroup file system (cgroup or cgroup2 mounts) it goes further:
// such a file system holds only directories and regular files, so paths
// are resolved with RESOLVE_NO_XDEV as well (they cannot reach another
// mount), the type checks before and after opening are skipped, and a file
// is read with one open, one read and one close: cgroup files are
// seq_files, whose read returns everything that fits, so a short read is
// the end of the file.
//
// Elsewhere (a copied tree on disk) each file is checked with fstatat
// before it is opened, so FIFOs, sockets and devices are never opened,
// and with fstat after, and read to EOF.
//
// Only the tree's root and the controller directories are opened (open);
// a cgroup directory is a path below its controller's descriptor (sub),
// so reading its files costs no system call for the directory itself.
type fdDir struct {
	// fd is an open directory (O_PATH), owned when prefix is empty.
	fd int
	// prefix is the path of this directory below fd ("" for fd itself);
	// only on cgroup file systems, where sub directories are not opened.
	prefix string
	// cgroup reports that fd is on a cgroup file system.
	cgroup bool
}

const (
	resolveBeneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS
	// resolveCgroup also stays on the cgroup file system.
	resolveCgroup = resolveBeneath | unix.RESOLVE_NO_XDEV
)

// noOpenat2 makes openLiveRoot use os.Root, as without openat2 (tests).
var noOpenat2 = false

// openLiveRoot opens a live tree's mount point: as an fdDir, or through
// os.Root when openat2 is not available (Linux before 5.6, or a sandbox
// that refuses it).
func openLiveRoot(mountPoint string) (dir, error) {
	fd, err := openat2(unix.AT_FDCWD, mountPoint, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil && !noOpenat2 {
		// Probe openat2 with the resolve flags every later call uses.
		probe, perr := openat2(fd, ".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, resolveBeneath)
		if perr == nil {
			unix.Close(probe)
			return &fdDir{fd: fd, cgroup: isCgroupFS(fd)}, nil
		}
		unix.Close(fd)
	}
	return openRootDir(mountPoint)
}

func isCgroupFS(fd int) bool {
	var st unix.Statfs_t
	if err := ignoringEINTR(func() error { return unix.Fstatfs(fd, &st) }); err != nil {
		return false
	}
	return st.Type == unix.CGROUP_SUPER_MAGIC || st.Type == unix.CGROUP2_SUPER_MAGIC
}

func openat2(dirfd int, path string, flags uint64, resolve uint64) (int, error) {
	how := unix.OpenHow{Flags: flags, Resolve: resolve}
	for try := 0; ; try++ {
		fd, err := unix.Openat2(dirfd, path, &how)
		// EAGAIN: a RESOLVE_BENEATH walk raced with a rename or mount
		// and asks to be retried.
		if err == unix.EINTR || err == unix.EAGAIN && try < 8 {
			continue
		}
		return fd, err
	}
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != unix.EINTR {
			return err
		}
	}
}

// join returns the path of name below d.fd.
func (d *fdDir) join(name string) string {
	switch {
	case d.prefix == "":
		return name
	case name == ".":
		return d.prefix
	}
	return d.prefix + "/" + name
}

// sub returns a directory below d without opening it: reads resolve the
// whole path from d's descriptor in one call, and a missing directory
// shows when it is read or listed.
func (d *fdDir) sub(name string) (dir, error) {
	return &fdDir{fd: d.fd, prefix: d.join(name), cgroup: d.cgroup}, nil
}

// open opens a directory below d for good, for one that is read many
// times (a controller directory), and finds out whether it is on a cgroup
// file system (the controller mounts below a v1 host's tmpfs are).
func (d *fdDir) open(name string) (dir, error) {
	fd, err := openat2(d.fd, d.join(name), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, resolveBeneath)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: d.join(name), Err: err}
	}
	return &fdDir{fd: fd, cgroup: isCgroupFS(fd)}, nil
}

func (d *fdDir) resolve() uint64 {
	if d.cgroup {
		return resolveCgroup
	}
	return resolveBeneath
}

func (d *fdDir) list() ([]fs.DirEntry, error) {
	p := d.join(".")
	fd, err := openat2(d.fd, p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, d.resolve())
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	// The raw entries of every getdents call, then one string holding
	// every name, and one allocation for all the entries.
	buf := make([]byte, 8192)
	var raw []byte
	for {
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Getdents(fd, buf)
			return err
		})
		if err != nil {
			return nil, &fs.PathError{Op: "readdirent", Path: p, Err: err}
		}
		if n <= 0 {
			break
		}
		raw = append(raw, buf[:n]...)
		// A cgroup file system fills the buffer while entries fit: when
		// room for the longest entry is left, the directory has ended
		// (elsewhere, ask until getdents says so).
		if d.cgroup && len(buf)-n >= maxDirentLen {
			break
		}
	}
	var names []byte
	type span struct {
		start, end int
		typ        fs.FileMode
	}
	var spans []span
	for b := raw; len(b) >= 19; {
		reclen := int(b[16]) | int(b[17])<<8
		if reclen < 19 || reclen > len(b) {
			break
		}
		name := b[19:reclen]
		if i := slices.Index(name, 0); i >= 0 {
			name = name[:i]
		}
		if s := string(name); s != "." && s != ".." {
			spans = append(spans, span{len(names), len(names) + len(name), direntType(b[18])})
			names = append(names, name...)
		}
		b = b[reclen:]
	}
	all := string(names)
	entries := make([]fdEntry, len(spans))
	out := make([]fs.DirEntry, len(spans))
	for i, sp := range spans {
		entries[i] = fdEntry{dir: d, name: all[sp.start:sp.end], typ: sp.typ}
		if sp.typ == unknownType {
			// The file system does not report the type: look it up.
			if fi, err := entries[i].Info(); err == nil {
				entries[i].typ = fi.Mode().Type()
			}
		}
		out[i] = &entries[i]
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// maxDirentLen is the longest linux_dirent64: the header, a 255-byte name
// and its NUL, rounded up to 8 bytes.
const maxDirentLen = (19 + 256 + 7) &^ 7

// unknownType marks an entry whose d_type is DT_UNKNOWN.
const unknownType = fs.ModeIrregular | fs.ModeTemporary

func direntType(t byte) fs.FileMode {
	switch t {
	case unix.DT_REG:
		return 0
	case unix.DT_DIR:
		return fs.ModeDir
	case unix.DT_LNK:
		return fs.ModeSymlink
	case unix.DT_FIFO:
		return fs.ModeNamedPipe
	case unix.DT_SOCK:
		return fs.ModeSocket
	case unix.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.DT_BLK:
		return fs.ModeDevice
	}
	return unknownType
}

// fdEntry is a directory entry read with getdents.
type fdEntry struct {
	dir  *fdDir
	name string
	typ  fs.FileMode
}

func (e *fdEntry) Name() string      { return e.name }
func (e *fdEntry) IsDir() bool       { return e.typ.IsDir() }
func (e *fdEntry) Type() fs.FileMode { return e.typ }
func (e *fdEntry) Info() (fs.FileInfo, error) {
	st, err := e.dir.lstat(e.dir.join(e.name))
	if err != nil {
		return nil, err
	}
	return fileInfo(e.name, st), nil
}

// lstat stats a path below d.fd without following a final symbolic link.
// fstatat does not confine the walk to the tree as openat2 does, but it
// only tells what a path is (so that a special file is refused before it
// is opened); every open is confined.
func (d *fdDir) lstat(p string) (*unix.Stat_t, error) {
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstatat(d.fd, p, &st, unix.AT_SYMLINK_NOFOLLOW) }); err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: p, Err: err}
	}
	return &st, nil
}

func (d *fdDir) isDir(name string) (bool, error) {
	st, err := d.lstat(d.join(name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
}

func (d *fdDir) read(name string, buf []byte) ([]byte, error) {
	p := d.join(name)
	const flags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK
	if d.cgroup {
		fd, err := openat2(d.fd, p, flags, resolveCgroup)
		if err == unix.EXDEV {
			// Something is mounted on the way: read it as any tree.
			return (&fdDir{fd: d.fd}).read(p, buf)
		}
		if err != nil {
			return buf, &fs.PathError{Op: "open", Path: p, Err: err}
		}
		defer unix.Close(fd)
		return readFD(fd, p, buf, true)
	}
	// Refuse FIFOs, sockets and devices before opening them.
	st, err := d.lstat(p)
	if err != nil {
		return buf, err
	}
	if m := fileMode(st); !m.IsRegular() {
		return buf, notRegular(p, m)
	}
	fd, err := openat2(d.fd, p, flags, resolveBeneath)
	if err != nil {
		return buf, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	// And check again what was opened, in case the file was swapped.
	if err := ignoringEINTR(func() error { return unix.Fstat(fd, st) }); err != nil {
		return buf, &fs.PathError{Op: "stat", Path: p, Err: err}
	}
	if m := fileMode(st); !m.IsRegular() {
		return buf, notRegular(p, m)
	}
	return readFD(fd, p, buf, false)
}

// readFD reads an open file to EOF (or, with shortIsEOF, to the first
// short read), never more than MaxFileBytes, appending to buf.
func readFD(fd int, name string, buf []byte, shortIsEOF bool) ([]byte, error) {
	start := len(buf)
	if cap(buf)-len(buf) < 512 {
		buf = slices.Grow(buf, 512)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
		space := buf[len(buf):cap(buf)]
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Read(fd, space)
			return err
		})
		if err == unix.EISDIR {
			return buf[:start], notRegular(name, fs.ModeDir)
		}
		if err != nil {
			return buf[:start], &fs.PathError{Op: "read", Path: name, Err: err}
		}
		buf = buf[:len(buf)+n]
		if len(buf)-start > MaxFileBytes {
			return buf[:start], &fs.PathError{Op: "read", Path: name, Err: ErrFileTooLarge}
		}
		if n == 0 || shortIsEOF && n < len(space) {
			return buf, nil
		}
	}
}

func (d *fdDir) close() error {
	if d.prefix != "" {
		return nil
	}
	return unix.Close(d.fd)
}

func fileMode(st *unix.Stat_t) fs.FileMode {
	m := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	}
	return m
}

// fileInfo is an fs.FileInfo from a stat.
func fileInfo(name string, st *unix.Stat_t) fs.FileInfo {
	return &statInfo{name: name, st: *st}
}

type statInfo struct {
	name string
	st   unix.Stat_t
}

func (s *statInfo) Name() string       { return s.name }
func (s *statInfo) Size() int64        { return s.st.Size }
func (s *statInfo) Mode() fs.FileMode  { return fileMode(&s.st) }
func (s *statInfo) ModTime() time.Time { return time.Unix(s.st.Mtim.Unix()) }
func (s *statInfo) IsDir() bool        { return s.Mode().IsDir() }
func (s *statInfo) Sys() any           { return &s.st }
