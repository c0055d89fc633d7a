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

// ReadEffectsOptions are the inputs of ReadEffects.
type ReadEffectsOptions struct {
	// Tree is the node's tree.
	Tree *cgroupfs.FS
	// Snapshot says Tree is a snapshot's: its counters were read once,
	// when it was taken, so a Window is refused (ErrWindowOfSnapshot).
	Snapshot bool
	// Read selects the cgroups and the files to read (Counters is set).
	Read cgroupfs.NodeOptions
	// Expectation is what the pods should have produced; nil judges the
	// counters without it.
	Expectation *Expectation
	// At is the time of a single read (a snapshot's capture time); zero
	// is the time of the read.
	At time.Time
	// Effects are the options of the judgement (Window, Wait).
	Effects EffectsOptions
}

// ReadEffects reads a node with its counters and judges what the limits
// do (Effects, against o.Expectation). Without o.Effects.Window it reads
// once, at o.At. With a Window the tree must be live: it reads, waits
// the Window (o.Effects.Wait), reads again and judges the counters over
// the time between the two reads. The node returned is the last read.
func ReadEffects(o ReadEffectsOptions) (*cgroupfs.Node, *EffectReport, error) {
	tree, read, x, at, opts := o.Tree, o.Read, o.Expectation, o.At, o.Effects
	read.Counters = true
	clock := opts.clock
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
	if o.Snapshot {
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
