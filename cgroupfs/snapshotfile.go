package cgroupfs

import (
	"fmt"
	"os"
)

// ReadSnapshotFile reads a snapshot archive from a file (.tar.gz, a plain
// tar.gz of a copied /sys/fs/cgroup, or .txtar) within limits; errors
// name the file. The tree is Snapshot.FS.
func ReadSnapshotFile(name string, limits SnapshotLimits) (*Snapshot, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	snap, err := ReadSnapshot(f, limits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return snap, nil
}
