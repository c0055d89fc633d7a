//go:build linux

package runc14

import (
	"flag"
	"fmt"
	"testing"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/runtimediff"
)

var (
	cases = flag.Int("cases", 10000, "random cases per cgroup version")
	seed  = flag.Uint64("seed", 19, "seed of the random cases")
)

func TestRuntimeDiff(t *testing.T) {
	rt := Runtime()
	for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
		t.Run(v.String(), func(t *testing.T) {
			r := runtimediff.Run(rt, v, *seed, *cases, runtimediff.ScratchDir(t))
			fmt.Println(r.Summary(rt.Line, v))
			for _, f := range r.Failures {
				t.Error(f)
			}
			if r.Unexplained > 0 {
				t.Errorf("%d of %d cases unexplained (first %d above)", r.Unexplained, r.Cases, len(r.Failures))
			}
		})
	}
}
