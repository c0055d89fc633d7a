//go:build unix

package cgroupfs

import "syscall"

// openFlags are added to O_RDONLY for every live open: O_NONBLOCK, so
// that opening a FIFO that slipped past the Lstat check cannot block.
// (os.Root adds O_NOFOLLOW and O_CLOEXEC itself.)
const openFlags = syscall.O_NONBLOCK
