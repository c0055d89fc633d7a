package qos_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
)

// Effects tells what the limits do, from two reads of a node's counters
// 10 s apart: here a container with a 500m limit was throttled in 42 of
// its 100 periods and used 0.49 CPU.
func ExampleEffects() {
	read := func(periods, throttled, usage int) *cgroupfs.Node {
		const c = "kubepods/burstable/pod1234/" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		tree := fmt.Sprintf(`kubecgroups-snapshot: {"apiVersion":"kubecgroups.io/v1alpha1","kind":"CgroupSnapshot","mode":"unified"}
-- cgroup.controllers --
cpu memory pids
-- kubepods/burstable/ --
-- %s/cpu.max --
50000 100000
-- %s/cpu.stat --
usage_usec %d
nr_periods %d
nr_throttled %d
throttled_usec %d
`, c, c, usage, periods, throttled, throttled*20000)
		s, err := cgroupfs.ReadSnapshot(strings.NewReader(tree), cgroupfs.SnapshotLimits{})
		if err != nil {
			panic(err)
		}
		fsys, err := s.FS()
		if err != nil {
			panic(err)
		}
		defer fsys.Close()
		n, err := fsys.Node(cgroupfs.NodeOptions{Counters: true})
		if err != nil {
			panic(err)
		}
		return n
	}
	t0 := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	before := qos.Sample{Node: read(1000, 100, 60_000_000), At: t0}
	now := qos.Sample{Node: read(1100, 142, 64_900_000), At: t0.Add(10 * time.Second)}
	r := qos.Effects(nil, now, qos.EffectsOptions{Before: &before})
	for _, e := range r.Effects {
		fmt.Println(e.Reason, e.Figures.ThrottledPercent, e.Figures.UsageCPUs)
		fmt.Println(e.Message)
	}
	// Output:
	// cpu-throttled 42 0.49
	// limit 500m = 50000 us per 100000 us period; throttled in 42% of 100 periods over 10 s (0.8 s throttled, summed over CPUs); usage 0.49 CPU is at the limit. Raise or remove the CPU limit that sets this quota.
}
