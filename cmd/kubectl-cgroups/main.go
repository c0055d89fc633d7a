// Command kubectl-cgroups predicts the cgroup values the kubelet and the
// container runtime write for pods, reads what a node's cgroups really
// hold, and explains every difference. Installed on PATH it is also the
// kubectl plugin "kubectl cgroups".
//
// Exit status: 0 when everything matches or is explained, 1 when a diff
// finds unexplained drift, 2 on error.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kubecgroups/kubecgroups/internal/safetext"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func main() {
	ctx, stop := interruptContext(context.Background())
	code := run(ctx, os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	stop()
	os.Exit(code)
}

// interruptSignals end a run cleanly: Ctrl-C (SIGINT), SIGTERM (kill,
// a CI job's timeout, a container stopping) and SIGHUP (the terminal
// closed) all cancel the run's context, so that cluster mode deletes its
// snapshot pods and waits until they are gone.
var interruptSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// interruptContext returns a context that the first of the
// interruptSignals cancels. After it, the signals get their default
// action again: a second one interrupts the cleanup the usual way.
func interruptContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(parent, interruptSignals...)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

// exitError carries an exit status other than 2 (for example 1 for drift)
// out of a command without printing anything more.
type exitError struct {
	code int
}

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run executes the command line and returns the process exit status.
func run(ctx context.Context, args []string, s genericiooptions.IOStreams) int {
	return runWith(ctx, args, s, nil)
}

// runWith is run with the cluster connection of cluster mode given (nil:
// the kubeconfig's); tests pass fakes.
func runWith(ctx context.Context, args []string, s genericiooptions.IOStreams, connect clusterConnector) int {
	cmd := newRootCmdWith(s, connect)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(s.ErrOut, "error: %s\n", safetext.EscapeLines(err.Error()))
	return 2
}
