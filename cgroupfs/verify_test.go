package cgroupfs

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerifyArchiveAndRecapture(t *testing.T) {
	in := loadTree(t, "kind")
	in.Info.Hostname, in.Info.Description = "node-1", "from the test"
	n := readNode(t, openTree(t, "kind"), NodeOptions{})
	if len(n.Pods) < 2 {
		t.Fatalf("the kind tree has %d pods", len(n.Pods))
	}
	uid := n.Pods[0].UID

	// A whole recapture keeps every pod and the original metadata; the
	// capture time stays unknown, as in the hand-written tree.
	whole, err := Recapture(in, CaptureOptions{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if !whole.Info.CapturedAt.IsZero() || whole.Info.Hostname != "node-1" || whole.Info.Description != "from the test" || whole.Info.ToolVersion != "test" {
		t.Errorf("recaptured metadata: %+v", whole.Info)
	}
	var buf bytes.Buffer
	if err := whole.WriteTxtar(&buf); err != nil {
		t.Fatal(err)
	}
	sum, err := VerifyArchive(buf.Bytes(), NodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if one, err := VerifyArchive(buf.Bytes(), NodeOptions{PodUID: uid}); err != nil || one.Pods != 1 {
		t.Errorf("pod %s of the whole archive: %+v, %v", uid, one, err)
	}
	containers := 0
	for _, p := range n.Pods {
		containers += len(p.Containers)
	}
	if sum.Pods != len(n.Pods) || sum.Containers != containers || sum.Mode != ModeUnified || sum.Driver != DriverSystemd || sum.Kubepods != n.Kubepods.Path || sum.Files == 0 {
		t.Errorf("summary %+v, want %d pods, %d containers of %s", sum, len(n.Pods), containers, n.Kubepods.Path)
	}
	if s := sum.String(); !strings.HasPrefix(s, "unified mode, systemd driver, kubepods "+n.Kubepods.Path+", ") {
		t.Errorf("summary line %q", s)
	}

	// Narrowed to one pod, with a description of its own and a recorded
	// capture time that is kept.
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	in.Info.CapturedAt = at
	one, err := Recapture(in, CaptureOptions{Node: NodeOptions{PodUID: uid}, Description: "one pod"})
	if err != nil {
		t.Fatal(err)
	}
	if !one.Info.CapturedAt.Equal(at) || one.Info.Description != "one pod" {
		t.Errorf("narrowed metadata: %+v", one.Info)
	}
	buf.Reset()
	if err := one.WriteTarGz(&buf); err != nil {
		t.Fatal(err)
	}
	if sum, err := VerifyArchive(buf.Bytes(), NodeOptions{PodUID: uid}); err != nil || sum.Pods != 1 {
		t.Errorf("narrowed: %+v, %v", sum, err)
	}
	// Another pod is not in it: a *MissingPodError naming kubepods.
	_, err = VerifyArchive(buf.Bytes(), NodeOptions{PodUID: n.Pods[1].UID})
	var missing *MissingPodError
	if !errors.As(err, &missing) || missing.UID != n.Pods[1].UID || missing.Vanished || !strings.Contains(err.Error(), "no pod cgroup under "+n.Kubepods.Path) {
		t.Errorf("VerifyArchive of a pod not captured: %v", err)
	}
	// Garbage does not read back.
	if _, err := VerifyArchive([]byte("not an archive"), NodeOptions{}); err == nil || !strings.Contains(err.Error(), "does not read back") {
		t.Errorf("VerifyArchive(garbage) = %v", err)
	}
}

func TestRequirePod(t *testing.T) {
	n := &Node{Kubepods: &Cgroup{Path: "/kubepods"}, Pods: []Pod{{UID: "a"}}}
	if err := n.RequirePod(""); err != nil {
		t.Errorf("no pod asked for: %v", err)
	}
	if err := n.RequirePod("a"); err != nil {
		t.Errorf("pod a: %v", err)
	}
	if err := n.RequirePod("b"); err == nil || err.Error() != "pod b: no pod cgroup under /kubepods in any QoS tier" {
		t.Errorf("pod b: %v", err)
	}
	n.Gone = []Entry{{Level: LevelPod, PodUID: "b"}}
	if err := n.RequirePod("b"); err == nil || err.Error() != "pod b vanished while it was read" {
		t.Errorf("pod b, gone: %v", err)
	}
}

func TestSnapshotSource(t *testing.T) {
	s := loadTree(t, "kind")
	src := s.Source("snapshot", "x.txtar")
	if src.Kind != "snapshot" || src.Path != "x.txtar" || src.CapturedAt != nil || src.ToolVersion != "hand-written" {
		t.Errorf("Source: %+v", src)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Info.CapturedAt, s.Info.Hostname = at, "h"
	src = s.Source("cluster", "node/n")
	if src.CapturedAt == nil || !src.CapturedAt.Equal(at) || src.Hostname != "h" || src.Path != "node/n" {
		t.Errorf("Source: %+v", src)
	}
}
