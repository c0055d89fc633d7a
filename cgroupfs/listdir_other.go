//go:build !linux

package cgroupfs

import (
	"io/fs"
	"os"
)

// readDirEntries lists an open directory of root.
func readDirEntries(_ *os.Root, f *os.File) ([]fs.DirEntry, error) { return f.ReadDir(-1) }
