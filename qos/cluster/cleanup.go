package cluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// CleanupOptions configure Cleanup.
type CleanupOptions struct {
	// RunID, when set, deletes only that run's snapshot pods.
	RunID string
	// Warn receives warnings (a deletion that could not be confirmed);
	// nil drops them.
	Warn func(msg string)
	// Deleted, when set, is called with each pod once it is gone.
	Deleted func(p *corev1.Pod)
}

// Cleanup deletes the snapshot pods that runs left behind in the
// reader's namespace (all of them, or o.RunID's), each gracefully,
// waiting until it is gone, and returns how many it found. The error
// says how many could not be deleted, or that ctx ended first.
func (r *Reader) Cleanup(ctx context.Context, o CleanupOptions) (int, error) {
	pods, err := r.SnapshotPods(ctx, o.RunID)
	if err != nil {
		return 0, err
	}
	failed := 0
	for i := range pods {
		p := &pods[i]
		if ctx.Err() != nil {
			return len(pods), fmt.Errorf("interrupted: %w", ctx.Err())
		}
		if !r.DeleteSnapshotPod(ctx, p, o.Warn) {
			failed++
			continue
		}
		if o.Deleted != nil {
			o.Deleted(p)
		}
	}
	if failed > 0 {
		return len(pods), fmt.Errorf("%d of %d snapshot pods could not be deleted", failed, len(pods))
	}
	return len(pods), nil
}
