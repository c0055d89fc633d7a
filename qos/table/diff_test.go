package table

import (
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
)

// reportOf builds a report of one pod with one container whose files are
// given as name, actual, status, expected (space-separated alternatives
// joined by "|").
func reportOf(files ...[4]string) *qos.DiffReport {
	pod := &qos.ResultCgroup{Pod: "shop/web-7d4b9c", UID: "59de6a67-33f3-4837-8265-7cdec2aca431", Level: cgroupfs.LevelPod, Path: "/kubepods/pod59de6a67"}
	ctr := &qos.ResultCgroup{Pod: "shop/web-7d4b9c", UID: pod.UID, Level: cgroupfs.LevelContainer, Container: "app", ContainerType: qos.ContainerApp,
		ContainerID: "f5e9bf0fc03d0123456789", Path: "/kubepods/pod59de6a67/f5e9bf0fc03d0123456789"}
	r := &qos.DiffReport{Results: []qos.DiffResult{{ResultCgroup: pod, File: "pids.max", Actual: "max", Expected: []string{"max"}, Status: qos.StatusMatch}}}
	for _, f := range files {
		res := qos.DiffResult{ResultCgroup: ctr, File: f[0], Actual: f[1], Status: qos.Status(f[2])}
		if f[3] != "" {
			res.Expected = strings.Split(f[3], "|")
		}
		r.Results = append(r.Results, res)
	}
	return r
}

// TestWriteDiffContainerNamesPod: a container row names its pod, also
// with --only-drift where the pod's own row is left out.
func TestWriteDiffContainerNamesPod(t *testing.T) {
	r := reportOf([4]string{"memory.max", "536870912", "drift", "268435456"})
	for _, o := range []DiffOptions{{}, {OnlyDrift: true}, {Wide: true}} {
		var b strings.Builder
		if err := WriteDiff(&b, r, o); err != nil {
			t.Fatal(err)
		}
		var row string
		for line := range strings.SplitSeq(b.String(), "\n") {
			if strings.HasPrefix(line, "DRIFT") {
				row = line
			}
		}
		if !strings.Contains(row, "shop/web-7d4b9c") || !strings.Contains(row, "app") || !strings.Contains(row, "f5e9bf0fc03d") {
			t.Errorf("%+v: container row %q does not name pod, container and ID:\n%s", o, row, b.String())
		}
		if len([]rune(row)) > 80 {
			t.Errorf("%+v: row over 80 columns: %q", o, row)
		}
	}
}

// TestWriteDiffAmounts: CPU and memory amounts also show in pod-spec
// units (file lines are wrapped, so words are one space apart).
func TestWriteDiffAmounts(t *testing.T) {
	r := reportOf(
		[4]string{"memory.max", "536870912", "drift", "268435456"},
		[4]string{"cpu.max", "20000 100000", "match", "20000 100000"},
		[4]string{"cpu.cfs_quota_us", "150000", "match", "150000"},
		[4]string{"cpu.cfs_period_us", "100000", "match", "100000"},
		[4]string{"cpu.shares", "204", "match", "204"},
		[4]string{"memory.limit_in_bytes", "1073741824", "match", "1073741824"},
		[4]string{"memory.high", "max", "match", "max"},
	)
	var b strings.Builder
	if err := WriteDiff(&b, r, DiffOptions{Wide: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"expected 268435456 = 256Mi, found 536870912 = 512Mi",
		"cpu.max 20000 100000 = 200m limit",
		"cpu.cfs_quota_us 150000 = 1500m limit",
		"cpu.shares 204 = 200m request",
		"memory.limit_in_bytes 1073741824 = 1Gi",
		"memory.high max\n",
		"cpu.cfs_period_us 100000\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestWriteDiffWideKeepsNames: -o wide does not shorten a long pod name.
func TestWriteDiffWideKeepsNames(t *testing.T) {
	r := reportOf([4]string{"memory.max", "536870912", "drift", "268435456"})
	long := "shop/" + strings.Repeat("a-very-long-deployment-name-", 3) + "7d4b9c"
	for i := range r.Results {
		c := *r.Results[i].ResultCgroup
		c.Pod = long
		r.Results[i].ResultCgroup = &c
	}
	var table, wide strings.Builder
	if err := WriteDiff(&table, r, DiffOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteDiff(&wide, r, DiffOptions{Wide: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(table.String(), long+"  app") || !strings.Contains(wide.String(), long+"  app  f5e9bf0fc03d") {
		t.Errorf("table:\n%s\nwide:\n%s", table.String(), wide.String())
	}
}
