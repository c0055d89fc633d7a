package cluster

import (
	"context"
	"strings"
	"testing"
)

func TestNoneCheckedAndSkipped(t *testing.T) {
	skipped := []NodeProblem{{NodeName: "win-1", Error: "not Linux"}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A cancelled context fails every planned node without reading it.
	list := (&Reader{}).CheckNodes(ctx, []NodePlan{{Name: "a"}, {Name: "b"}}, CheckOptions{Skipped: skipped})
	if list.Summary.Nodes != 3 || list.Summary.Failed != 2 || list.Summary.Skipped != 1 || len(list.Skipped) != 1 || list.Summary.Checked != 0 {
		t.Errorf("summary %+v, skipped %v", list.Summary, list.Skipped)
	}
	err := list.NoneChecked()
	if err == nil || !strings.HasPrefix(err.Error(), "no node could be checked:\n  node a: ") || !strings.Contains(err.Error(), "\n  node b: ") {
		t.Errorf("NoneChecked: %v", err)
	}
	one := &DiffReportList{Failed: list.Failed[:1]}
	if err := one.NoneChecked(); err == nil || err.Error() != list.Failed[0].Error {
		t.Errorf("NoneChecked of one: %v", err)
	}
	one.Summary.Checked = 1
	if err := one.NoneChecked(); err != nil {
		t.Errorf("NoneChecked with a node checked: %v", err)
	}
}
