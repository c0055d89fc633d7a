//go:build !unix

package cgroupfs

import "os"

// openFlags are added to O_RDONLY for every live open; none are needed
// where FIFOs cannot block an open.
const openFlags = 0

// openedRegular reports whether an open live file is a regular file.
func openedRegular(f *os.File) (bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	return fi.Mode().IsRegular(), nil
}
