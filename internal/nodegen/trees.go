package nodegen

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Trees caches generated nodes, and the trees written from them, for one
// run of a test binary: benchmarks ask for the same node many times (once
// per sub-benchmark and -count), and writing a 1000-pod tree takes
// seconds. Close removes every directory and real cgroup it made; Main
// makes sure it runs.
type Trees struct {
	mu       sync.Mutex
	nodes    map[Options]*Node
	dirs     map[Options]string
	real     map[Options]*Node
	base     string
	removers []func() error
}

// Node generates the node for opts once.
func (t *Trees) Node(opts Options) (*Node, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.node(opts)
}

func (t *Trees) node(opts Options) (*Node, error) {
	if n, ok := t.nodes[opts]; ok {
		return n, nil
	}
	n, err := Generate(opts)
	if err != nil {
		return nil, err
	}
	if t.nodes == nil {
		t.nodes = map[Options]*Node{}
	}
	t.nodes[opts] = n
	return n, nil
}

// TempBase is where Trees writes directories: /dev/shm when it is a tmpfs
// (so that the disk stays out of measurements), otherwise os.TempDir().
func TempBase() string {
	if isTmpfs("/dev/shm") {
		return "/dev/shm"
	}
	return os.TempDir()
}

// Dir writes the node for opts into a directory once and returns it,
// with the node. The directory is laid out as /sys/fs/cgroup
// (cgroupfs.NewFS reads it) under TempBase.
func (t *Trees) Dir(opts Options) (string, *Node, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, err := t.node(opts)
	if err != nil {
		return "", nil, err
	}
	if d, ok := t.dirs[opts]; ok {
		return d, n, nil
	}
	if t.base == "" {
		base, err := os.MkdirTemp(TempBase(), "kcg-bench-")
		if err != nil {
			return "", nil, err
		}
		t.base = base
		t.removers = append(t.removers, func() error { return os.RemoveAll(base) })
	}
	d, err := os.MkdirTemp(t.base, fmt.Sprintf("%s-%d-", opts.Layout, opts.Pods))
	if err != nil {
		return "", nil, err
	}
	if err := n.WriteDir(d); err != nil {
		return "", nil, fmt.Errorf("nodegen: writing %s: %w", d, err)
	}
	if t.dirs == nil {
		t.dirs = map[Options]string{}
	}
	t.dirs[opts] = d
	return d, n, nil
}

// Close removes every directory and cgroup the cache made.
func (t *Trees) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for i := len(t.removers) - 1; i >= 0; i-- {
		errs = append(errs, t.removers[i]())
	}
	t.removers, t.dirs, t.real, t.base = nil, nil, nil, ""
	return errors.Join(errs...)
}

// Main runs a test binary's tests and benchmarks (m is the *testing.M of
// TestMain) and closes t afterwards, also when the run is interrupted by
// SIGINT or SIGTERM. It returns the exit code for os.Exit. A run killed
// outright (SIGKILL, or a -timeout panic) leaves its real cgroups behind;
// the next run removes them (see Trees.Real).
func Main(m interface{ Run() int }, t *Trees) int {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			if err := t.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "nodegen: cleanup:", err)
			}
			fmt.Fprintf(os.Stderr, "nodegen: %v: removed the generated trees\n", s)
			os.Exit(2)
		case <-done:
		}
	}()
	code := m.Run()
	close(done)
	signal.Stop(sig)
	if err := t.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "nodegen: cleanup:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
