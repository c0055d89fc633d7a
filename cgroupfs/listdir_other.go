//go:build !linux

package cgroupfs

import (
	"io/fs"
	"os"
)

// readDirEntries lists an open directory of root.
func readDirEntries(_ *os.Root, f *os.File, m listMode) ([]fs.DirEntry, error) {
	entries, err := f.ReadDir(-1)
	return m.filter(entries), err
}
