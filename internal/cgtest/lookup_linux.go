//go:build linux

package cgtest

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// LookupV1Controller is V1Controller without skipping: it returns the
// mount directory of a writable cgroup v1 controller, or "" and the reason
// there is none, for tests where the controller is optional.
func LookupV1Controller(controller string) (dir, reason string) {
	var st unix.Statfs_t
	if err := unix.Statfs(Mount, &st); err != nil {
		return "", fmt.Sprintf("statfs %s: %v", Mount, err)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "", fmt.Sprintf("%s is a pure cgroup v2 mount; no v1 %s controller", Mount, controller)
	}
	dir = filepath.Join(Mount, controller)
	if err := unix.Statfs(dir, &st); err != nil || st.Type != unix.CGROUP_SUPER_MAGIC {
		return "", fmt.Sprintf("no cgroup v1 %q hierarchy at %s", controller, dir)
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return "", fmt.Sprintf("%s is not writable (%v)", dir, err)
	}
	return dir, ""
}
