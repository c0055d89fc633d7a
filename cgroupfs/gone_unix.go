//go:build unix

package cgroupfs

import (
	"errors"
	"io/fs"
	"syscall"
)

// isGone reports an error that means the file's cgroup may have been
// removed: ENOENT, or ENODEV from reading a file of a removed cgroup.
func isGone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENODEV)
}
