package table_test

import (
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	"github.com/kubecgroups/kubecgroups/qos/table"
)

// TestWriteDiffUnverified: an unverified file marks its cgroup, is
// counted apart from drift, and is listed only in wide output (the notes
// group the causes); the verdict says no difference is unexplained.
func TestWriteDiffUnverified(t *testing.T) {
	cg := &qos.ResultCgroup{Level: cgroupfs.LevelKubepods, Path: "/kubepods"}
	r := &qos.DiffReport{
		Results: []qos.DiffResult{{ResultCgroup: cg, File: "memory.max", Expected: []string{"34359738368"}, Actual: "8589934592",
			Status: qos.StatusUnverified, Reason: qos.ReasonCapacityUnknown, Input: qos.InputMemoryCapacity}},
		Notes:   []qos.Note{{Reason: qos.ReasonCapacityUnknown, Message: "unverified: the kubepods memory.max reads ..."}},
		Summary: qos.DiffSummary{Cgroups: 1, Files: 1, Unverified: 1},
	}
	for _, wide := range []bool{false, true} {
		var b strings.Builder
		if err := table.WriteDiff(&b, r, table.DiffOptions{Wide: wide}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"unverified kubepods   /kubepods", "1 unverified", "No unexplained difference"} {
			if !strings.Contains(out, want) {
				t.Errorf("wide=%v: no %q in\n%s", wide, want, out)
			}
		}
		if lists := strings.Contains(out, "memory.max expected 34359738368 = 32Gi, found 8589934592 = 8Gi (unverified:"); lists != wide {
			t.Errorf("wide=%v: file listed %v:\n%s", wide, lists, out)
		}
	}
}

// TestWriteDiffListUnverified: the summary line of several nodes does not
// call unverified values matches.
func TestWriteDiffListUnverified(t *testing.T) {
	list := &cluster.DiffReportList{Summary: cluster.ListSummary{Nodes: 2, Checked: 2, DiffSummary: qos.DiffSummary{Files: 4, Match: 3, Unverified: 1}}}
	var b strings.Builder
	if err := table.WriteDiffList(&b, list, table.DiffOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "no unexplained difference, 1 unverified value(s)") || strings.Contains(out, "matches or is explained") {
		t.Errorf("summary:\n%s", out)
	}
}
