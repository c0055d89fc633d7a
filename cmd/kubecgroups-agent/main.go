// Command kubecgroups-agent is the node agent alone: what
// "kubectl-cgroups agent" runs (package qos/agent's Serve, the same flags),
// without the CLI's other commands and what they pull in at start-up
// (cobra, cli-runtime, the printers). The agent's image (the Dockerfile)
// ships this binary.
//
//	kubecgroups-agent [agent] [flags]
//
// A leading "agent" argument is accepted and ignored, so that the
// DaemonSet of "kubectl-cgroups agent manifests" runs either binary.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kubecgroups/kubecgroups/internal/buildinfo"
	"github.com/kubecgroups/kubecgroups/qos/agent"
	"github.com/spf13/pflag"
)

// version is set at build time (-ldflags "-X main.version=v1.2.3").
var version string

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	o := agent.ServeOptions{Version: buildinfo.Read(version).Version}
	fl := pflag.NewFlagSet("kubecgroups-agent", pflag.ContinueOnError)
	o.AddFlags(fl)
	if len(args) > 0 && args[0] == "agent" {
		args = args[1:]
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "kubecgroups-agent: unexpected arguments %q\n", fl.Args())
		return 2
	}
	o.Logf = func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := agent.Serve(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "kubecgroups-agent: %v\n", err)
		return 1
	}
	return 0
}
