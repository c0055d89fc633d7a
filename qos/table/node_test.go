package table_test

import (
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/table"
)

// TestWriteNodeEffects: a finding is shown under its cgroup, the window
// in the summary, a note once; a hostile message is escaped.
func TestWriteNodeEffects(t *testing.T) {
	n := &cgroupfs.Node{Mode: cgroupfs.ModeUnified, Driver: cgroupfs.DriverCgroupfs, CgroupRoot: "/",
		Kubepods: &cgroupfs.Cgroup{Path: "/kubepods", Files: map[string]cgroupfs.File{}},
		Pods: []cgroupfs.Pod{{UID: "u1", Tier: cgroupfs.TierGuaranteed, Cgroup: cgroupfs.Cgroup{Path: "/kubepods/podu1", Files: map[string]cgroupfs.File{}},
			Containers: []cgroupfs.Container{{ID: "c1", Cgroup: cgroupfs.Cgroup{Path: "/kubepods/podu1/c1", Files: map[string]cgroupfs.File{}}}}}}}
	r := &qos.EffectReport{WindowSeconds: 5, Effects: []qos.Effect{{
		ResultCgroup: &qos.ResultCgroup{Level: cgroupfs.LevelContainer, Path: "/kubepods/podu1/c1"},
		Reason:       qos.EffectCPUThrottled, Message: "throttled in 96% of 50 periods over 5 s \x1b[2J"}},
		Notes: []qos.Note{{Reason: qos.ReasonCounterUnavailable, Message: "cpu.pressure, memory.pressure: unavailable in 3 cgroups"}}}
	var b strings.Builder
	if err := table.WriteNode(&b, n, cgroupfs.Source{Kind: "live", Path: "/sys/fs/cgroup"}, table.NodeOptions{Effects: r}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"  c1\n    ! CPU-THROTTLED: throttled in 96% of 50 periods over 5 s \\x1b[2J\n",
		"Effects (the kernel's counters, over 5 s): 1, shown under their cgroups (!).\n  - cpu.pressure, memory.pressure: unavailable in 3 cgroups\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("escape sequence not escaped:\n%q", out)
	}
}
