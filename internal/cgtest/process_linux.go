//go:build linux

package cgtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// ProcessName returns a unique cgroup name for cgroups that live as long
// as the test process rather than one test (a benchmark's tree, made once
// per run): "kcg-test-<tag>-p<pid>-<random hex>". The process ID lets
// RemoveOrphans recognise what a killed run left behind.
func ProcessName(tag string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("cgtest: random name: %v", err))
	}
	return fmt.Sprintf("kcg-test-%s-p%d-%s", tag, os.Getpid(), hex.EncodeToString(b[:]))
}

// RemoveOrphans removes, from the top of each given v1 controller mount,
// the cgroups named by ProcessName(tag) (or the systemd slice of that
// name, "kcg_test_<tag>_p<pid>_<hex>.slice") whose process no longer
// exists: what a run killed before its cleanup (a timeout, a signal) left
// behind. Cgroups of live processes and every other name are left alone.
// It returns the paths removed.
func RemoveOrphans(tag string, mounts []string) ([]string, error) {
	prefix := "kcg-test-" + tag + "-p"
	var removed []string
	var first error
	for _, m := range mounts {
		entries, err := os.ReadDir(m)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, "kcg_test_") {
				name = strings.ReplaceAll(strings.TrimSuffix(name, ".slice"), "_", "-")
			}
			rest, ok := strings.CutPrefix(name, prefix)
			if !ok || !e.IsDir() {
				continue
			}
			pidText, _, ok := strings.Cut(rest, "-")
			pid, err := strconv.Atoi(pidText)
			if !ok || err != nil || pid <= 0 || pid == os.Getpid() {
				continue
			}
			if err := unix.Kill(pid, 0); !errors.Is(err, unix.ESRCH) {
				continue // alive (or not ours to judge)
			}
			dir := filepath.Join(m, e.Name())
			if err := RemoveAll(dir); err != nil && first == nil {
				first = err
			}
			removed = append(removed, dir)
		}
	}
	return removed, first
}

// V1Mounts returns the mount directories of the given cgroup v1
// controllers, or "" and the reason the first one is missing or not
// writable.
func V1Mounts(controllers ...string) (map[string]string, string) {
	out := map[string]string{}
	for _, c := range controllers {
		dir, reason := LookupV1Controller(c)
		if dir == "" {
			return nil, reason
		}
		out[c] = dir
	}
	return out, ""
}

// StartIn starts a process, moves it into the container cgroup of every
// mount, then lets it go on by writing a line to its stdin (the scripts
// begin with "read x"), so that everything it does is charged there. The
// process is killed and reaped when the test ends, before the cgroups are
// removed.
func StartIn(t testing.TB, mounts map[string]string, cg, script string) (cmd *exec.Cmd, done <-chan struct{}) {
	t.Helper()
	cmd = exec.Command("/bin/sh", "-c", script)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot run /bin/sh: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	for _, mnt := range mounts {
		Write(t, filepath.Join(mnt, cg, "cgroup.procs"), strconv.Itoa(cmd.Process.Pid))
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	return cmd, exited
}
