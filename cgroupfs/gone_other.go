//go:build !unix

package cgroupfs

import (
	"errors"
	"io/fs"
)

// isGone reports an error that means the file's cgroup may have been
// removed.
func isGone(err error) bool { return errors.Is(err, fs.ErrNotExist) }
