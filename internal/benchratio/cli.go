package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/nodegen"
)

// timeCLI builds kubectl-cgroups (unless bin names one), writes a snapshot (.tar.gz, with the
// machine facts) and the pods (kubectl get pods -o json) of a generated
// node of each layout, checks that `diff` finds it clean (exit 0), and
// times the whole process: with hyperfine when it is on PATH, otherwise
// itself.
func timeCLI(dir, bin string, pods, runs int) {
	if bin == "" {
		bin = filepath.Join(dir, "kubectl-cgroups")
		fmt.Fprintf(os.Stderr, "benchratio: go build -o %s ./cmd/kubectl-cgroups\n", bin)
		build := exec.Command("go", "build", "-o", bin, "./cmd/kubectl-cgroups")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		check(build.Run())
	}
	hyperfine, _ := exec.LookPath("hyperfine")
	for _, l := range []nodegen.Layout{{Version: convert.CgroupV1, Driver: cgroupfs.DriverCgroupfs}, {Version: convert.CgroupV2, Driver: cgroupfs.DriverSystemd}} {
		n, err := nodegen.Generate(nodegen.Options{Pods: pods, Layout: l})
		check(err)
		snap := filepath.Join(dir, fmt.Sprintf("node-%s-%d.tar.gz", l, pods))
		podsFile := filepath.Join(dir, fmt.Sprintf("pods-%s-%d.json", l, pods))
		tgz, err := n.TarGz()
		check(err)
		check(os.WriteFile(snap, tgz, 0o644))
		pj, err := n.PodsJSON()
		check(err)
		check(os.WriteFile(podsFile, pj, 0o644))
		args := []string{"diff", "--snapshot", snap, "-f", podsFile, "-o", "json"}
		out, err := exec.Command(bin, args...).CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) || err != nil {
			fmt.Fprintf(os.Stderr, "%s\n", out[:min(len(out), 2000)])
			check(fmt.Errorf("%s %s: %v (a generated node should diff clean)", bin, strings.Join(args, " "), err))
		}
		cmdline := bin + " " + strings.Join(args, " ") + " >/dev/null"
		fmt.Printf("## kubectl-cgroups diff, %d pods, %s snapshot (%d KiB), %d-byte report\n", pods, l, len(tgz)>>10, len(out))
		if hyperfine != "" {
			h := exec.Command(hyperfine, "--warmup", "3", "--runs", fmt.Sprint(runs), "-N", "--export-markdown", filepath.Join(dir, fmt.Sprintf("cli-%s-%d.md", l, pods)), bin+" "+strings.Join(args, " "))
			h.Stdout, h.Stderr = os.Stdout, os.Stderr
			check(h.Run())
			continue
		}
		var times []time.Duration
		for range runs {
			c := exec.Command(bin, args...)
			t := time.Now()
			check(c.Run())
			times = append(times, time.Since(t))
		}
		slices.Sort(times)
		fmt.Printf("%s\n  median %v, min %v, max %v over %d runs\n", cmdline, times[len(times)/2], times[0], times[len(times)-1], runs)
	}
}
