//go:build !linux

package cgroupfs

import (
	"io/fs"
	"os"
	"slices"
)

// readDirEntries lists an open directory of root.
func readDirEntries(_ *os.Root, f *os.File, m listMode) ([]fs.DirEntry, error) {
	entries, err := f.ReadDir(-1)
	if m == listChildren {
		entries = slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return e.Type().IsRegular() && interfaceFile(e.Name()) })
	}
	return entries, err
}
