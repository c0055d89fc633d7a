//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// TestInterruptSignals: SIGINT, SIGTERM and SIGHUP each cancel the run's
// context (so cluster mode cleans up), sent to this very process.
func TestInterruptSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			// A second registration keeps the test process alive once
			// interruptContext has let go of the signal.
			keep, keepStop := signal.NotifyContext(context.Background(), sig)
			defer keepStop()
			ctx, stop := interruptContext(context.Background())
			defer stop()
			if err := syscall.Kill(syscall.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				t.Fatalf("%s did not cancel the run's context", sig)
			}
			<-keep.Done()
		})
	}
}

// TestSecondSignalKills: in a child process, the first SIGTERM cancels the
// run (the child reports it and starts a long cleanup); the second kills
// it by the signal's default action.
func TestSecondSignalKills(t *testing.T) {
	if os.Getenv("KCG_SIGNAL_CHILD") == "1" {
		ctx, stop := interruptContext(context.Background())
		defer stop()
		fmt.Println("ready")
		<-ctx.Done()
		fmt.Println("clean")
		time.Sleep(30 * time.Second) // the cleanup the second signal cuts short
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondSignalKills$")
	cmd.Env = append(os.Environ(), "KCG_SIGNAL_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("child: %q %v", buf, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if _, err := out.Read(buf); err != nil || string(buf) != "clean\n" {
		t.Fatalf("child after the first SIGTERM: %q %v", buf, err)
	}
	time.Sleep(50 * time.Millisecond) // the handler lets go right after cancelling
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok {
		t.Fatalf("child after the second SIGTERM: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("child ended with %v, want killed by SIGTERM", ee)
	}
}
