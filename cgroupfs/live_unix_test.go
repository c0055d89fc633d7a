//go:build unix

package cgroupfs

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestLiveRefusesSpecialFiles puts a FIFO and a socket where cgroup files
// should be: both are refused without blocking and without being read.
func TestLiveRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	fifo := filepath.Join(dir, "memory", "kubepods", "memory.limit_in_bytes")
	os.Remove(fifo)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sock := filepath.Join(dir, "cpu", "kubepods", "cpu.cfs_period_us")
	os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix socket: %v", err)
	}
	defer l.Close()

	live := openLive(t, dir)
	for _, file := range []string{"memory.limit_in_bytes", "cpu.cfs_period_us"} {
		f := live.ReadFile("/kubepods", file)
		if !errors.Is(f.Err, ErrNotRegularFile) || f.Status() != "refused" {
			t.Errorf("%s: %v, want ErrNotRegularFile", file, f.Err)
		}
	}
	n := readNode(t, live, NodeOptions{})
	if s := n.Kubepods.Files["memory.limit_in_bytes"].Status(); s != "refused" {
		t.Errorf("Node: FIFO status %s", s)
	}
}
