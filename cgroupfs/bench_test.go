package cgroupfs_test

// Node-scale read benchmarks, measured against the raw-read floor.
//
// Every benchmark reads a generated node (internal/nodegen: 2 app
// containers, a sidecar and a sandbox per pod, Guaranteed/Burstable/
// BestEffort 2:6:2) of 110, 250 or 1000 pods, in each layout, from one
// of three sources:
//
//	mem    the tree in memory (a Snapshot): the reader's CPU cost alone
//	tmpfs  the tree written to a directory on a tmpfs (/dev/shm)
//	real   the tree created as throwaway cgroups on this kernel's cgroup v1
//	       hierarchy (v1 layouts only; created once per run, removed after)
//
// and reports, for each, these operations:
//
//	Floor     os.ReadFile of exactly the files Read reads, by precomputed
//	          absolute paths, in one goroutine (fs.ReadFile for mem)
//	Discover  FS.Node reading no file: finding kubepods, the tiers, the pods
//	          and the containers
//	Read      FS.Node with the default files (what `inspect` reads)
//
// go run ./internal/benchratio reports every operation as a ratio to the
// Floor of the same tree, measured in the same run.
//
// BenchmarkReadSnapshot/<layout>/<pods> loads the .tar.gz snapshot of a
// generated node.

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/nodegen"
)

// trees caches the generated nodes and trees of this run; TestMain removes
// them.
var trees nodegen.Trees

func TestMain(m *testing.M) { os.Exit(nodegen.Main(m, &trees)) }

var benchSizes = []int{110, 250, 1000}

// source is a generated tree opened for reading.
type source struct {
	n     *nodegen.Node
	fsys  *cgroupfs.FS
	opts  cgroupfs.NodeOptions
	snap  *cgroupfs.Snapshot // mem
	mount string             // tmpfs, real
	// paths are the files a default read opens: absolute for tmpfs and
	// real, relative to snap for mem.
	paths []string
}

// openSource opens the tree of a layout and size from a source ("mem",
// "tmpfs" or "real"), or skips the benchmark with the reason.
func openSource(b *testing.B, src string, l nodegen.Layout, pods int) *source {
	b.Helper()
	opts := nodegen.Options{Pods: pods, Layout: l}
	s := &source{}
	var err error
	switch src {
	case "mem":
		if s.n, err = trees.Node(opts); err != nil {
			b.Fatal(err)
		}
		if s.snap, err = s.n.Snapshot(); err != nil {
			b.Fatal(err)
		}
		s.fsys, err = s.snap.FS()
	case "tmpfs":
		if s.mount, s.n, err = trees.Dir(opts); err != nil {
			b.Fatal(err)
		}
		s.fsys, err = cgroupfs.NewFS(s.mount)
	case "real":
		if s.n, err = trees.Real(opts); err != nil {
			b.Skip(err)
		}
		s.mount = cgroupfs.DefaultMountPoint
		s.opts = cgroupfs.NodeOptions{CgroupRoot: s.n.Profile.Kubelet.CgroupRoot, Driver: cgroupfs.Driver(l.Driver)}
		s.fsys, err = cgroupfs.NewDefaultFS()
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.fsys.Close() })
	node, err := s.fsys.Node(s.opts)
	if err != nil {
		b.Fatal(err)
	}
	if len(node.Pods) != pods {
		b.Fatalf("read %d pods, want %d", len(node.Pods), pods)
	}
	if s.snap != nil {
		for _, p := range nodegen.FilePaths(s.fsys, "/", node) {
			s.paths = append(s.paths, strings.TrimPrefix(filepath.ToSlash(p), "/"))
		}
	} else {
		s.paths = nodegen.FilePaths(s.fsys, s.mount, node)
	}
	return s
}

// sources lists the sources and layouts benchmarked: every layout in memory
// and on tmpfs, the v1 layouts on the real hierarchy.
func sources() []struct {
	src    string
	layout nodegen.Layout
} {
	var out []struct {
		src    string
		layout nodegen.Layout
	}
	for _, src := range []string{"mem", "tmpfs", "real"} {
		for _, l := range nodegen.Layouts() {
			if src == "real" && l.Version != convert.CgroupV1 {
				continue
			}
			out = append(out, struct {
				src    string
				layout nodegen.Layout
			}{src, l})
		}
	}
	return out
}

// noFiles reads no file at any level: discovery alone.
var noFiles = map[cgroupfs.Level][]string{
	cgroupfs.LevelKubepods: {}, cgroupfs.LevelBurstable: {}, cgroupfs.LevelBestEffort: {},
	cgroupfs.LevelPod: {}, cgroupfs.LevelContainer: {},
}

// BenchmarkNode is the read benchmark described at the top of the file:
// BenchmarkNode/<source>/<layout>/<pods>/<Floor|Discover|Read>.
func BenchmarkNode(b *testing.B) {
	for _, sl := range sources() {
		for _, pods := range benchSizes {
			b.Run(fmt.Sprintf("%s/%s/%d", sl.src, sl.layout, pods), func(b *testing.B) {
				s := openSource(b, sl.src, sl.layout, pods)
				b.Run("Floor", func(b *testing.B) {
					if s.snap != nil {
						perPod(b, pods, len(s.paths), func() {
							for _, p := range s.paths {
								if _, err := fs.ReadFile(s.snap, p); err != nil {
									b.Fatal(err)
								}
							}
						})
						return
					}
					perPod(b, pods, len(s.paths), func() {
						for _, p := range s.paths {
							if _, err := os.ReadFile(p); err != nil {
								b.Fatal(err)
							}
						}
					})
				})
				b.Run("Discover", func(b *testing.B) {
					opts := s.opts
					opts.Files = noFiles
					perPod(b, pods, 0, func() {
						if n, err := s.fsys.Node(opts); err != nil || len(n.Pods) != pods {
							b.Fatalf("%v, %d pods", err, len(n.Pods))
						}
					})
				})
				b.Run("Read", func(b *testing.B) {
					perPod(b, pods, len(s.paths), func() {
						if n, err := s.fsys.Node(s.opts); err != nil || len(n.Pods) != pods {
							b.Fatalf("%v, %d pods", err, len(n.Pods))
						}
					})
				})
			})
		}
	}
}

// BenchmarkReadSnapshot loads a .tar.gz snapshot of a generated node, as
// `diff --snapshot` and `inspect --snapshot` do.
func BenchmarkReadSnapshot(b *testing.B) {
	for _, l := range []nodegen.Layout{nodegen.Layouts()[0], nodegen.Layouts()[3]} {
		for _, pods := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", l, pods), func(b *testing.B) {
				n, err := trees.Node(nodegen.Options{Pods: pods, Layout: l})
				if err != nil {
					b.Fatal(err)
				}
				tgz, err := n.TarGz()
				if err != nil {
					b.Fatal(err)
				}
				perPod(b, pods, 0, func() {
					if _, err := cgroupfs.ReadSnapshot(bytes.NewReader(tgz), cgroupfs.SnapshotLimits{}); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

// perPod is nodegen.PerPod, and reports the files read when files > 0.
func perPod(b *testing.B, pods, files int, op func()) {
	b.Helper()
	nodegen.PerPod(b, pods, op)
	if files > 0 {
		b.ReportMetric(float64(files), "files/op")
	}
}

// TestNodeBenchSmoke runs each benchmark operation once on a small tree
// of every layout in memory and on disk, so that the benchmarks keep
// working without running them in the normal test suite (the real
// hierarchy is only touched when -bench selects it).
func TestNodeBenchSmoke(t *testing.T) {
	for _, l := range nodegen.Layouts() {
		n := nodegen.MustGenerate(nodegen.Options{Pods: 5, Layout: l})
		dir := t.TempDir()
		if err := n.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
		fsys, err := cgroupfs.NewFS(dir)
		if err != nil {
			t.Fatal(err)
		}
		node, err := fsys.Node(cgroupfs.NodeOptions{})
		if err != nil || len(node.Pods) != 5 {
			t.Fatalf("%s: %v", l, err)
		}
		paths := nodegen.FilePaths(fsys, dir, node)
		for _, p := range paths {
			if _, err := os.ReadFile(p); err != nil {
				t.Errorf("%s: floor: %v", l, err)
			}
		}
		if d, err := fsys.Node(cgroupfs.NodeOptions{Files: noFiles}); err != nil || len(d.Pods) != 5 || len(d.Kubepods.Files) != 0 {
			t.Errorf("%s: discovery: %v", l, err)
		}
		fsys.Close()
	}
}

// TestReadScalesLinearly counts what a read does on the tree (opens,
// stats, listings and the entries they return, bytes) for N and 2N pods
// of every layout, and checks that the work per pod stays flat: nothing
// in discovery or reading grows faster than the node.
func TestReadScalesLinearly(t *testing.T) {
	const n = 60
	for _, l := range nodegen.Layouts() {
		perPod := func(pods int) map[string]float64 {
			s, err := nodegen.MustGenerate(nodegen.Options{Pods: pods, Layout: l}).Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			c := &nodegen.CountingFS{FS: s}
			fsys, err := cgroupfs.NewTreeFS(c, cgroupfs.TreeOptions{Mode: l.Mode(), PageSizeBytes: 4096})
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			c.Ops = nodegen.Ops{} // count the read, not the opening
			if node, err := fsys.Node(cgroupfs.NodeOptions{}); err != nil || len(node.Pods) != pods {
				t.Fatalf("%v, %d pods", err, len(node.Pods))
			}
			out := map[string]float64{}
			for k, v := range c.Ops.Snapshot() {
				out[k] = float64(v) / float64(pods)
			}
			return out
		}
		one, two := perPod(n), perPod(2*n)
		for k, v := range two {
			// Fixed costs (locating kubepods, the tiers) make the smaller
			// node slightly dearer per pod; growth would make it cheaper.
			if v > one[k]*1.02+0.01 {
				t.Errorf("%s: %s per pod grows with the node: %.2f at %d pods, %.2f at %d", l, k, one[k], n, v, 2*n)
			}
		}
		t.Logf("%s: per pod at %d pods %v", l, 2*n, two)
	}
}
