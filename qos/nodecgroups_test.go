package qos

import (
	"encoding/json"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
)

func TestNodeCgroupsDocument(t *testing.T) {
	n := &cgroupfs.Node{Mode: cgroupfs.ModeUnified, Driver: cgroupfs.DriverSystemd}
	b, err := json.Marshal(NewNodeCgroups(cgroupfs.Source{Kind: "live", Path: "/sys/fs/cgroup"}, n, nil))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	// The node's fields sit at the top level, next to apiVersion and kind.
	if doc["apiVersion"] != cgroupfs.APIVersion || doc["kind"] != "NodeCgroups" || doc["mode"] != "unified" || doc["driver"] != "systemd" {
		t.Errorf("document %s", b)
	}
	if _, ok := doc["effects"]; ok {
		t.Errorf("effects without a read: %s", b)
	}
	if src, _ := doc["source"].(map[string]any); src["kind"] != "live" || src["path"] != "/sys/fs/cgroup" {
		t.Errorf("source: %s", b)
	}
}
