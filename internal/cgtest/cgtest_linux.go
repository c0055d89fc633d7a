//go:build linux

package cgtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Mount is where cgroup hierarchies are mounted on a standard host.
const Mount = "/sys/fs/cgroup"

// UniqueName returns a name no other test run uses: "kcg-test-" followed
// by the given tag and random hex.
func UniqueName(tb testing.TB, tag string) string {
	tb.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatalf("cgtest: random name: %v", err)
	}
	return "kcg-test-" + tag + "-" + hex.EncodeToString(b[:])
}

// V1Controller returns the mount directory of a cgroup v1 controller
// ("cpu", "memory", "pids", ...) on this host, or skips the test with the
// reason when there is none or it is not writable by this process.
func V1Controller(tb testing.TB, controller string) string {
	tb.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(Mount, &st); err != nil {
		tb.Skipf("cgtest: statfs %s: %v", Mount, err)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		tb.Skipf("cgtest: %s is a pure cgroup v2 mount; no v1 %s controller", Mount, controller)
	}
	dir := filepath.Join(Mount, controller)
	if err := unix.Statfs(dir, &st); err != nil || st.Type != unix.CGROUP_SUPER_MAGIC {
		tb.Skipf("cgtest: no cgroup v1 %q hierarchy at %s", controller, dir)
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		tb.Skipf("cgtest: %s is not writable (%v); run as root on a host with a writable cgroup v1 hierarchy", dir, err)
	}
	return dir
}

// Mkdir creates the cgroup dir (and missing parents) and registers a
// cleanup that removes every directory created here, deepest first. It
// skips the test when the kernel refuses the mkdir with a permission
// error.
func Mkdir(tb testing.TB, dir string) {
	tb.Helper()
	if !strings.Contains(dir, "kcg-test-") {
		tb.Fatalf("cgtest: refusing to create %s: not under a kcg-test- name", dir)
	}
	var created []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		created = append(created, d)
	}
	slices.Reverse(created)
	for _, d := range created {
		if err := os.Mkdir(d, 0o755); err != nil {
			if errors.Is(err, fs.ErrPermission) {
				tb.Skipf("cgtest: cannot create cgroup %s: %v", d, err)
			}
			tb.Fatalf("cgtest: mkdir %s: %v", d, err)
		}
	}
	tb.Cleanup(func() {
		for i := len(created) - 1; i >= 0; i-- {
			RemoveTree(tb, created[i])
		}
	})
}

// RemoveTree removes a cgroup directory and every cgroup below it, leaf
// first. cgroup directories cannot be removed with os.RemoveAll (their
// files cannot be unlinked), only with rmdir.
func RemoveTree(tb testing.TB, dir string) {
	tb.Helper()
	if err := RemoveAll(dir); err != nil {
		tb.Errorf("cgtest: %v", err)
	}
}

// RemoveAll is RemoveTree for code without a test at hand (a TestMain,
// a benchmark's cleanup): it removes a cgroup directory and every cgroup
// below it, leaf first, and returns the first failure. It refuses a
// directory that is not under a kcg-test- name (or its systemd rendering
// kcg_test_..., the slice a systemd-driven kubelet makes of a kcg-test-
// cgroupRoot).
func RemoveAll(dir string) error {
	if !strings.Contains(dir, "kcg-test-") && !strings.Contains(dir, "kcg_test_") {
		return fmt.Errorf("refusing to remove %s: not under a kcg-test- name", dir)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var first error
	for _, e := range entries {
		if e.IsDir() {
			if err := RemoveAll(filepath.Join(dir, e.Name())); err != nil && first == nil {
				first = err
			}
		}
	}
	var last error
	for range 50 {
		last = unix.Rmdir(dir)
		if last == nil || errors.Is(last, unix.ENOENT) {
			return first
		}
		time.Sleep(20 * time.Millisecond) // EBUSY while the kernel drains a cgroup
	}
	return fmt.Errorf("rmdir %s: %w", dir, last)
}

// Write writes value to a cgroup file, failing the test on error.
func Write(tb testing.TB, path, value string) {
	tb.Helper()
	if err := WriteErr(path, value); err != nil {
		tb.Fatalf("cgtest: write %q to %s: %v", value, path, err)
	}
}

// WriteErr writes value to a cgroup file and returns the kernel's error.
func WriteErr(path, value string) error {
	return os.WriteFile(path, []byte(value), 0)
}

// Read returns a cgroup file's content without the trailing newline.
func Read(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("cgtest: read %s: %v", path, err)
	}
	return strings.TrimSuffix(string(b), "\n")
}
