package qos

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// mapTree is a mutable tree of files (paths below the root).
func mapTree(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, text := range files {
		m[name] = &fstest.MapFile{Data: []byte(text + "\n")}
	}
	return m
}

// TestReadEffectsWindow reads a tree twice, 5 s apart on a fake clock,
// while the web container's counters advance between the reads (the
// wait rewrites them): the findings are over the window, as
// TestEffectsCPUThrottledWindow computes them from two samples.
func TestReadEffectsWindow(t *testing.T) {
	x := expectFor(t, v1Profile, v1Pods()...)
	tree := mapTree(v1Files("nr_periods 1000\nnr_throttled 950\nthrottled_time 90000000000", 5_000_000_000, 0, 0))
	fsys, err := cgroupfs.NewTreeFS(tree, cgroupfs.TreeOptions{Mode: cgroupfs.ModeLegacy, PageSizeBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	clock := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	var waited time.Duration
	opts := EffectsOptions{
		Window: 5 * time.Second,
		clock:  func() time.Time { return clock },
		Wait: func(d time.Duration) error {
			waited = d
			for name, text := range v1Files("nr_periods 1050\nnr_throttled 998\nthrottled_time 94600000000", 5_250_000_000, 37, 1) {
				tree[name] = &fstest.MapFile{Data: []byte(text + "\n")}
			}
			clock = clock.Add(d)
			return nil
		},
	}
	read := cgroupfs.NodeOptions{Files: x.Files()}
	node, r, err := ReadEffects(ReadEffectsOptions{Tree: fsys, Read: read, Expectation: x, Effects: opts})
	if err != nil {
		t.Fatal(err)
	}
	if waited != 5*time.Second || r.WindowSeconds != 5 || !r.At.Equal(clock) || node == nil {
		t.Fatalf("waited %v, window %v, at %v", waited, r.WindowSeconds, r.At)
	}
	want := EffectFigures{Since: "window", Periods: 50, ThrottledPeriods: 48, ThrottledPercent: 96, ThrottledSeconds: 4.6, UsageCPUs: 0.05, LimitCPUs: 0.05}
	if len(r.Effects) != 2 || r.Effects[0].Figures != want || !strings.Contains(r.Effects[0].Message, "throttled in 96% of 50 periods over 5 s") {
		t.Errorf("effects %+v", r.Effects)
	}

	// Without a window: one read, since each cgroup started.
	_, r, err = ReadEffects(ReadEffectsOptions{Tree: fsys, Snapshot: true, Read: read, Expectation: x, At: clock})
	if err != nil || r.WindowSeconds != 0 || len(r.Effects) != 2 || r.Effects[0].Figures.Since != "start" {
		t.Errorf("one read: %v %+v", err, r)
	}
	// A snapshot cannot be sampled; a cancelled wait abandons the read.
	if _, _, err := ReadEffects(ReadEffectsOptions{Tree: fsys, Snapshot: true, Read: read, Expectation: x, At: clock, Effects: EffectsOptions{Window: time.Second}}); !errors.Is(err, ErrWindowOfSnapshot) {
		t.Errorf("window of a snapshot: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := ReadEffects(ReadEffectsOptions{Tree: fsys, Read: read, Expectation: x, At: clock, Effects: EffectsOptions{Window: time.Hour, Wait: WaitContext(ctx)}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
	if err := WaitContext(context.Background())(time.Millisecond); err != nil {
		t.Errorf("wait: %v", err)
	}
}

// TestCheckWindowOfSnapshot: Check refuses a window on a snapshot.
func TestCheckWindowOfSnapshot(t *testing.T) {
	f, err := os.Open(golden.Path(t, "trees", "v2-systemd.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := cgroupfs.ReadSnapshot(f, cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(CheckOptions{Snapshot: s, Effects: &EffectsOptions{Window: time.Second}}); !errors.Is(err, ErrWindowOfSnapshot) {
		t.Errorf("got %v, want ErrWindowOfSnapshot", err)
	}
	if _, err := Check(CheckOptions{Snapshot: s, Effects: &EffectsOptions{}}); err != nil {
		t.Errorf("without a window: %v", err)
	}
}
