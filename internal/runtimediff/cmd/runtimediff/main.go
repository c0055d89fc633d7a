// Command runtimediff runs the runtime differential test against a
// runtime line whose code runs in a driver process (see package
// runtimediff): the runc11 module's test starts it with its own test
// binary as the driver. It prints one line per cgroup version,
// "runc 1.1 v1: N cases, M unexplained", and exits 1 when M > 0 for any.
//
//	go run ./internal/runtimediff/cmd/runtimediff -driver PATH -oci runc-1.1.15 [-cases N] [-seed S]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/runtimediff"
)

func main() {
	os.Exit(run())
}

func run() int {
	driver := flag.String("driver", "", "driver executable (required)")
	oci := flag.String("oci", "", "OCI runtime of the prediction's profile, such as runc-1.1.15 (default: the driver's)")
	cases := flag.Int("cases", 10000, "random cases per cgroup version and mode")
	seed := flag.Uint64("seed", 19, "seed of the random cases")
	scratch := flag.String("scratch", "", "directory for the simulated cgroups (default: a new one under /dev/shm or the temp dir)")
	flag.Parse()
	if *driver == "" {
		fmt.Fprintln(os.Stderr, "runtimediff: -driver is required")
		return 2
	}
	d, err := runtimediff.StartDriver(*driver, runtimediff.DriverEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "runtimediff:", err)
		return 2
	}
	defer func() { _ = d.Close() }()
	if *oci == "" {
		*oci = d.Hello.OCI
	}
	dir := *scratch
	if dir == "" {
		if dir, err = runtimediff.MkScratch(); err != nil {
			fmt.Fprintln(os.Stderr, "runtimediff:", err)
			return 2
		}
		defer func() { _ = os.RemoveAll(dir) }()
	}
	status := 0
	for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
		rt, err := d.Runtime(*oci)
		if err != nil {
			fmt.Fprintln(os.Stderr, "runtimediff:", err)
			return 2
		}
		r := runtimediff.Run(rt, v, *seed, *cases, dir)
		fmt.Println(r.Summary(rt.Line, v))
		for _, f := range r.Failures {
			fmt.Println("  " + f)
		}
		if r.Unexplained > 0 {
			status = 1
		}
	}
	return status
}
