package qos_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
)

// TestCheckTreeMismatch: a setting given explicitly that the tree
// contradicts (a cgroup v1 tree with the cgroupfs driver under /) is an
// error naming the setting, the value and what the tree shows, not a
// report of hundreds of missing files.
func TestCheckTreeMismatch(t *testing.T) {
	snap, err := cgroupfs.ReadSnapshotFile(filepath.Join("..", "internal", "demo", "data", "1-real-node", "node.tar.gz"), cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		o              qos.CheckOptions
		setting, value string
		tree           string
	}{
		{"version override", qos.CheckOptions{Overrides: qos.Overrides{CgroupVersion: convert.CgroupV2}}, "cgroupVersion", "v2", "v1"},
		{"driver override", qos.CheckOptions{Overrides: qos.Overrides{Driver: cgroupfs.DriverSystemd}}, "cgroupDriver", "systemd", "cgroupfs"},
		{"driver for discovery", qos.CheckOptions{Node: cgroupfs.NodeOptions{Driver: cgroupfs.DriverSystemd}}, "cgroupDriver", "systemd", "cgroupfs"},
		{"cgroupRoot for discovery", qos.CheckOptions{Node: cgroupfs.NodeOptions{CgroupRoot: "/custom"}}, "cgroupRoot", "/custom", "/kubepods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.Snapshot = snap
			_, err := qos.Check(o)
			var tm *qos.TreeMismatchError
			if !errors.As(err, &tm) {
				t.Fatalf("got %v, want a TreeMismatchError", err)
			}
			if tm.Setting != tt.setting || tm.Value != tt.value || !strings.Contains(tm.Tree, tt.tree) {
				t.Errorf("got %+v, want %s %s, tree showing %s", tm, tt.setting, tt.value, tt.tree)
			}
		})
	}
	// What the tree shows, given explicitly, is no contradiction.
	if _, err := qos.Check(qos.CheckOptions{Snapshot: snap, Overrides: qos.Overrides{CgroupVersion: convert.CgroupV1, Driver: cgroupfs.DriverCgroupfs}, Node: cgroupfs.NodeOptions{Driver: cgroupfs.DriverCgroupfs, CgroupRoot: "/"}}); err != nil {
		t.Errorf("matching settings: %v", err)
	}
}
