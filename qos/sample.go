package qos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
)

// ErrWindowOfSnapshot is the error of ReadEffects when a Window is asked
// of a snapshot: its counters were read once, when it was taken.
var ErrWindowOfSnapshot = errors.New("a counter window needs two reads of a live tree; a snapshot holds one read")

// ReadEffects reads a node with its counters (read, with Counters set)
// and judges what the limits do (Effects, against the expectation x,
// which may be nil). Without opts.Window it reads once and at is the
// time of that read (a snapshot's capture time; zero: opts.Clock). With
// a Window the tree must be live (live true; else ErrWindowOfSnapshot):
// it reads, waits the Window (opts.Wait), reads again and judges the
// counters over the time between the two reads. The node returned is
// the last read.
func ReadEffects(tree *cgroupfs.FS, live bool, read cgroupfs.NodeOptions, x *Expectation, at time.Time, opts EffectsOptions) (*cgroupfs.Node, *EffectReport, error) {
	read.Counters = true
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	if opts.Window <= 0 {
		node, err := tree.Node(read)
		if err != nil {
			return nil, nil, err
		}
		if at.IsZero() {
			at = clock()
		}
		return node, Effects(x, Sample{Node: node, At: at}, opts), nil
	}
	if !live {
		return nil, nil, ErrWindowOfSnapshot
	}
	wait := opts.Wait
	if wait == nil {
		wait = func(d time.Duration) error { time.Sleep(d); return nil }
	}
	t0 := clock()
	before, err := tree.Node(read)
	if err != nil {
		return nil, nil, err
	}
	if err := wait(opts.Window); err != nil {
		return nil, nil, fmt.Errorf("waiting %s between the two counter reads: %w", opts.Window, err)
	}
	t1 := clock()
	node, err := tree.Node(read)
	if err != nil {
		return nil, nil, err
	}
	opts.Before = &Sample{Node: before, At: t0}
	return node, Effects(x, Sample{Node: node, At: t1}, opts), nil
}

// WaitContext returns an EffectsOptions.Wait that sleeps, or returns
// ctx's error when ctx is done first.
func WaitContext(ctx context.Context) func(time.Duration) error {
	return func(d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
