//go:build linux

package cgroupfs

import (
	"encoding/binary"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

// readDirEntries lists an open directory of root with getdents64 and
// takes each entry's type from the record. (*os.File).ReadDir on a
// directory opened through an os.Root calls lstat for every entry, and a
// cgroup directory holds dozens of interface files: on a node that is
// most of the system calls of a read. Entries whose type the file system
// does not report (DT_UNKNOWN) are lstat'ed through root, so no name is
// ever resolved outside it.
func readDirEntries(root *os.Root, f *os.File, m listMode) ([]fs.DirEntry, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	buf := *bp
	var entries []fs.DirEntry
	for {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.ReadDirent(int(fd), buf)
			return true // a directory is never waited on
		}); err != nil {
			return entries, &fs.PathError{Op: "readdirent", Path: f.Name(), Err: err}
		}
		if rerr != nil {
			return entries, &fs.PathError{Op: "readdirent", Path: f.Name(), Err: rerr}
		}
		if n <= 0 {
			return entries, nil
		}
		if entries, err = parseDirents(buf[:n], root, m, entries); err != nil {
			return entries, err
		}
	}
}

var direntBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

// The offsets of struct linux_dirent64: d_ino u64, d_off s64,
// d_reclen u16, d_type u8, then the NUL-terminated name.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

// parseDirents appends the entries of getdents64 records to entries;
// with listChildren, the interface files are skipped before their names
// are copied (a cgroup directory holds dozens).
func parseDirents(b []byte, root *os.Root, m listMode, entries []fs.DirEntry) ([]fs.DirEntry, error) {
	for len(b) > 0 {
		if len(b) < direntName {
			return entries, &fs.PathError{Op: "readdirent", Path: ".", Err: syscall.EINVAL}
		}
		reclen := int(binary.NativeEndian.Uint16(b[direntReclen:]))
		if reclen < direntName || reclen > len(b) {
			return entries, &fs.PathError{Op: "readdirent", Path: ".", Err: syscall.EINVAL}
		}
		rec := b[:reclen]
		b = b[reclen:]
		name := rec[direntName:]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		if m == listChildren && rec[direntType] == syscall.DT_REG && interfaceFile(name) {
			continue
		}
		e := &dirent{name: string(name), root: root}
		switch rec[direntType] {
		case syscall.DT_REG:
			e.typ = 0
		case syscall.DT_DIR:
			e.typ = fs.ModeDir
		case syscall.DT_LNK:
			e.typ = fs.ModeSymlink
		case syscall.DT_FIFO:
			e.typ = fs.ModeNamedPipe
		case syscall.DT_SOCK:
			e.typ = fs.ModeSocket
		case syscall.DT_CHR:
			e.typ = fs.ModeDevice | fs.ModeCharDevice
		case syscall.DT_BLK:
			e.typ = fs.ModeDevice
		default: // DT_UNKNOWN: ask the file system
			fi, err := root.Lstat(e.name)
			if err != nil {
				continue // gone since the listing
			}
			e.typ, e.info = fi.Mode().Type(), fi
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// dirent is a directory entry whose type came from the listing.
type dirent struct {
	name string
	typ  fs.FileMode
	root *os.Root
	info fs.FileInfo
}

func (e *dirent) Name() string      { return e.name }
func (e *dirent) IsDir() bool       { return e.typ.IsDir() }
func (e *dirent) Type() fs.FileMode { return e.typ }
func (e *dirent) String() string    { return fs.FormatDirEntry(e) }

// Info lstats the entry through the root it was listed from (which must
// still be open).
func (e *dirent) Info() (fs.FileInfo, error) {
	if e.info != nil {
		return e.info, nil
	}
	return e.root.Lstat(e.name)
}
