//go:build unix

package cgroupfs

import (
	"os"
	"syscall"
)

// openFlags are added to O_RDONLY for every live open: O_NONBLOCK, so
// that opening a FIFO that slipped past the Lstat check cannot block.
// (os.Root adds O_NOFOLLOW and O_CLOEXEC itself.)
const openFlags = syscall.O_NONBLOCK

// openedRegular reports whether an open live file is a regular file. It
// fstats into a stack buffer: (*os.File).Stat allocates a FileInfo, once
// per file read on a node.
func openedRegular(f *os.File) (bool, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var st syscall.Stat_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fstat(int(fd), &st) }); err != nil {
		return false, err
	}
	if serr != nil {
		return false, &os.PathError{Op: "fstat", Path: f.Name(), Err: serr}
	}
	return st.Mode&syscall.S_IFMT == syscall.S_IFREG, nil
}
