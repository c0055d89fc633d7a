//go:build !linux

package cgroupfs

// openLiveRoot opens a live tree's mount point through os.Root.
func openLiveRoot(mountPoint string) (dir, error) { return openRootDir(mountPoint) }
