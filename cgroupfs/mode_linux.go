//go:build linux

package cgroupfs

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// detectLive decides the layout of a live mount point from the kernel:
// statfs tells a cgroup2 mount (unified) and a cgroup v1 mount (one
// hierarchy); below any other mount point (the tmpfs of a v1 host),
// /proc/self/mountinfo tells which controllers each v1 mount holds, and
// a cgroup2 unified/ makes the mode hybrid. It returns ok false when no
// cgroup file system is mounted there at all (a copied tree on disk,
// even on a tmpfs), which is then read by its layout.
func detectLive(mountPoint string, root dir) (l layout, ok bool, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(mountPoint, &st); err != nil {
		return layout{}, false, fmt.Errorf("statfs %s: %w", mountPoint, err)
	}
	l = layout{mode: ModeLegacy}
	mounts, mountsErr := liveV1Mounts(mountPoint)
	switch st.Type {
	case unix.CGROUP2_SUPER_MAGIC:
		ctrl, err := readV2Controllers(root)
		if err != nil {
			return layout{}, false, err
		}
		l = layout{mode: ModeUnified, ctrl: ctrl}
		return l, true, l.finish()
	case unix.CGROUP_SUPER_MAGIC:
		// One v1 hierarchy mounted right here.
	default:
		// The tmpfs holding the v1 mounts, or (when no cgroup file system
		// is mounted below it) a copied tree on any file system.
		var u unix.Statfs_t
		hybrid := unix.Statfs(filepath.Join(mountPoint, "unified"), &u) == nil && u.Type == unix.CGROUP2_SUPER_MAGIC
		if len(mounts) == 0 && !hybrid {
			return layout{}, false, nil
		}
		if hybrid {
			l.mode = ModeHybrid
		}
	}
	if len(mounts) > 0 {
		l.ctrl = v1LayoutFromMounts(mounts)
	} else {
		// No mountinfo (or no cgroup mount under the mount point in it, as
		// in some containers): fall back to the directory names.
		inferred, ierr := inferLayout(root)
		if ierr != nil {
			return layout{}, false, ierr
		}
		l.ctrl = inferred.ctrl
		if mountsErr != nil {
			l.notes = append(l.notes, fmt.Sprintf("controller directories taken from their names: %v", mountsErr))
		}
	}
	return l, true, l.finish()
}

func liveV1Mounts(mountPoint string) (map[string][]string, error) {
	abs, err := filepath.Abs(mountPoint)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mounts, err := parseMountinfo(f)
	if err != nil {
		return nil, err
	}
	return v1Mounts(mounts, filepath.ToSlash(abs)), nil
}
