package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// openPTY opens a pseudo-terminal and returns its terminal side.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	// Drain what the terminal is sent, so that a write to it never blocks.
	go io.Copy(io.Discard, ptmx)
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the terminal side: %v", err)
	}
	t.Cleanup(func() { pts.Close() })
	return pts
}

// TestSnapshotRefusesTerminal: snapshot -o - does not write gzip to a
// terminal; it says to redirect. A txtar (text) is written, and
// /dev/null (a character device, not a terminal) takes the gzip.
func TestSnapshotRefusesTerminal(t *testing.T) {
	pts := openPTY(t)
	var errb strings.Builder
	code := run(context.Background(), []string{"snapshot", "--snapshot", treeFile("v1-systemd"), "-o", "-"}, genericiooptions.IOStreams{In: strings.NewReader(""), Out: pts, ErrOut: &errb})
	if code != 2 || !strings.Contains(errb.String(), "terminal") || !strings.Contains(errb.String(), "redirect") {
		t.Errorf("gzip to a terminal: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	code = run(context.Background(), []string{"snapshot", "--snapshot", treeFile("v1-systemd"), "-o", "-", "--format", "txtar"}, genericiooptions.IOStreams{In: strings.NewReader(""), Out: pts, ErrOut: &errb})
	if code != 0 {
		t.Errorf("txtar to a terminal: exit %d: %s", code, errb.String())
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	errb.Reset()
	code = run(context.Background(), []string{"snapshot", "--snapshot", treeFile("v1-systemd"), "-o", "-"}, genericiooptions.IOStreams{In: strings.NewReader(""), Out: null, ErrOut: &errb})
	if code != 0 {
		t.Errorf("gzip to /dev/null: exit %d: %s", code, errb.String())
	}
}
