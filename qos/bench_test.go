package qos_test

// Node-scale benchmarks of the expectation and the diff, measured against
// the raw-read floor.
//
// Nodes come from internal/nodegen (2 app containers, a sidecar and a
// sandbox per pod, Guaranteed/Burstable/BestEffort 2:6:2), of 110, 250
// and 1000 pods, in each layout; every generated node diffs clean.
//
//	BenchmarkExpect/<layout>/<pods>      qos.Expect for every pod
//	BenchmarkExpecterOnePod/<layout>/<pods>  qos.Expecter.Expect after
//	    one pod's request changed (what the agent computes per change)
//	BenchmarkDiff/<layout>/<pods>        qos.Diff alone (node already read)
//	BenchmarkReadPods/<pods>             qos.ReadPods of `kubectl get pods -o json`
//	BenchmarkFullDiff/<source>/<layout>/<pods>/<Floor|FullDiff>
//	    FullDiff: discovery + read + expectation + compare, as a fleet
//	    check runs it with the profile known: qos.Expect concurrently with
//	    FS.Node, then qos.Diff. Floor: os.ReadFile of exactly the files
//	    FullDiff reads, by precomputed paths, in one goroutine. Sources:
//	    tmpfs (the tree on /dev/shm) and real (throwaway cgroups on this
//	    kernel's v1 hierarchy, created once per run, removed after).
//	BenchmarkPeakHeap/<layout>/1000      the heap high-water mark of a
//	    1000-pod FullDiff (sampled), and what its report retains
//
// go run ./internal/benchratio reports FullDiff as a ratio to the Floor
// measured in the same run, with benchstat's confidence intervals.

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/nodegen"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// trees caches the generated nodes and trees of this run; TestMain removes
// them.
var trees nodegen.Trees

func TestMain(m *testing.M) { os.Exit(nodegen.Main(m, &trees)) }

var benchSizes = []int{110, 250, 1000}

func benchNode(b testing.TB, l nodegen.Layout, pods int) *nodegen.Node {
	b.Helper()
	n, err := trees.Node(nodegen.Options{Pods: pods, Layout: l})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// memNode reads a generated node from memory.
func memNode(b testing.TB, n *nodegen.Node) *cgroupfs.Node {
	b.Helper()
	fsys, err := n.FS()
	if err != nil {
		b.Fatal(err)
	}
	defer fsys.Close()
	node, err := fsys.Node(cgroupfs.NodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return node
}

var diffOpts = qos.DiffOptions{Now: nodegen.CapturedAt, CompletePodList: true}

// BenchmarkExpect computes the expectation of every pod of a node.
func BenchmarkExpect(b *testing.B) {
	for _, l := range nodegen.Layouts() {
		for _, pods := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", l, pods), func(b *testing.B) {
				n := benchNode(b, l, pods)
				nodegen.PerPod(b, pods, func() {
					if _, err := qos.Expect(n.Pods, n.Profile); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

// BenchmarkExpecterOnePod is an Expecter's expectation of a node after
// one pod's CPU request changed: that pod is computed again, the others
// keep their part, and the node levels are summed again. Against
// BenchmarkExpect of the same node, it is what per-pod caching saves a
// node agent at each pod change.
func BenchmarkExpecterOnePod(b *testing.B) {
	for _, l := range nodegen.Layouts() {
		for _, pods := range []int{250} {
			b.Run(fmt.Sprintf("%s/%d", l, pods), func(b *testing.B) {
				n := benchNode(b, l, pods)
				ex, err := qos.NewExpecter(n.Profile)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ex.Expect(n.Pods); err != nil {
					b.Fatal(err)
				}
				// Two versions of one pod, alternated.
				cur := slices.Clone(n.Pods)
				k := -1
				for i, p := range cur {
					if _, ok := p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]; ok {
						k = i
						break
					}
				}
				if k < 0 {
					b.Fatal("no pod with a CPU request")
				}
				other := cur[k].DeepCopy()
				q := other.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]
				q.Add(resource.MustParse("1m"))
				other.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = q
				if lim, ok := other.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU]; ok && lim.Cmp(q) < 0 {
					other.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU] = q
				}
				versions := [2]*corev1.Pod{cur[k], other}
				before := ex.Stats()
				i := 0
				for b.Loop() {
					i++
					cur[k] = versions[i%2]
					if _, err := ex.Expect(cur); err != nil {
						b.Fatal(err)
					}
				}
				s := ex.Stats()
				b.ReportMetric(float64(s.Computed-before.Computed)/float64(b.N), "pods-computed/op")
			})
		}
	}
}

// BenchmarkAggregate is component-helpers' PodRequests and PodLimits for
// every pod of a node: the share of Expect's time that belongs to the
// kubelet's own aggregation, which Expect calls rather than re-derives.
func BenchmarkAggregate(b *testing.B) {
	for _, pods := range benchSizes {
		b.Run(fmt.Sprint(pods), func(b *testing.B) {
			n := benchNode(b, nodegen.Layouts()[0], pods)
			nodegen.PerPod(b, pods, func() {
				var cpu int64
				for _, p := range n.Pods {
					req := resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})
					cpu += req.Cpu().MilliValue()
					resourcehelper.PodLimits(p, resourcehelper.PodResourcesOptions{})
				}
				if cpu == 0 {
					b.Fatal("no pod requests CPU")
				}
			})
		})
	}
}

// BenchmarkDiff compares an expectation with a node already read.
func BenchmarkDiff(b *testing.B) {
	for _, l := range nodegen.Layouts() {
		for _, pods := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", l, pods), func(b *testing.B) {
				n := benchNode(b, l, pods)
				node := memNode(b, n)
				nodegen.PerPod(b, pods, func() {
					if r := qos.Diff(n.Expectation, node, diffOpts); r.Summary.Unexplained() != 0 {
						b.Fatalf("%+v", r.Summary)
					}
				})
			})
		}
	}
}

// BenchmarkReadPods decodes the pods of a node as `kubectl get pods -o
// json` prints them (a List), as the CLI reads -f.
func BenchmarkReadPods(b *testing.B) {
	for _, pods := range benchSizes {
		b.Run(fmt.Sprint(pods), func(b *testing.B) {
			data, err := benchNode(b, nodegen.Layouts()[0], pods).PodsJSON()
			if err != nil {
				b.Fatal(err)
			}
			nodegen.PerPod(b, pods, func() {
				if got, err := qos.ReadPods(bytes.NewReader(data), "pods.json"); err != nil || len(got) != pods {
					b.Fatalf("%v, %d pods", err, len(got))
				}
			})
		})
	}
}

// fullDiff is the whole check of a node with its profile known, as the
// CLI runs it: the expectation, then a read of the files it compares
// (Expectation.Files: no file is read that nothing compares), then the
// comparison.
func fullDiff(fsys *cgroupfs.FS, opts cgroupfs.NodeOptions, n *nodegen.Node) (*qos.DiffReport, error) {
	x, err := qos.Expect(n.Pods, n.Profile)
	if err != nil {
		return nil, err
	}
	opts.Files = x.Files()
	node, err := fsys.Node(opts)
	if err != nil {
		return nil, err
	}
	return qos.Diff(x, node, diffOpts), nil
}

// diffSource is a generated tree opened for a full diff.
type diffSource struct {
	n     *nodegen.Node
	fsys  *cgroupfs.FS
	opts  cgroupfs.NodeOptions
	paths []string
}

func openDiffSource(b *testing.B, src string, l nodegen.Layout, pods int) *diffSource {
	b.Helper()
	opts := nodegen.Options{Pods: pods, Layout: l}
	s := &diffSource{}
	var mount string
	var err error
	switch src {
	case "tmpfs":
		if mount, s.n, err = trees.Dir(opts); err != nil {
			b.Fatal(err)
		}
		s.fsys, err = cgroupfs.NewFS(mount)
	case "real":
		if s.n, err = trees.Real(opts); err != nil {
			b.Skip(err)
		}
		mount = cgroupfs.DefaultMountPoint
		s.opts = cgroupfs.NodeOptions{CgroupRoot: s.n.Profile.Kubelet.CgroupRoot, Driver: cgroupfs.Driver(l.Driver)}
		s.fsys, err = cgroupfs.NewDefaultFS()
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.fsys.Close() })
	// The floor reads the files the full diff reads.
	fileOpts := s.opts
	fileOpts.Files = s.n.Expectation.Files()
	node, err := s.fsys.Node(fileOpts)
	if err != nil {
		b.Fatal(err)
	}
	s.paths = nodegen.FilePaths(s.fsys, mount, node)
	if r, err := fullDiff(s.fsys, s.opts, s.n); err != nil || r.Summary.Unexplained() != 0 {
		b.Fatalf("%v: %+v", err, r.Summary)
	}
	return s
}

// BenchmarkFullDiff is discovery + read + expectation + compare, against
// the floor of reading the same files.
func BenchmarkFullDiff(b *testing.B) {
	for _, src := range []string{"tmpfs", "real"} {
		for _, l := range nodegen.Layouts() {
			if src == "real" && l.Version != convert.CgroupV1 {
				continue
			}
			for _, pods := range benchSizes {
				b.Run(fmt.Sprintf("%s/%s/%d", src, l, pods), func(b *testing.B) {
					s := openDiffSource(b, src, l, pods)
					b.Run("Floor", func(b *testing.B) {
						nodegen.PerPod(b, pods, func() {
							for _, p := range s.paths {
								if _, err := os.ReadFile(p); err != nil {
									b.Fatal(err)
								}
							}
						})
						b.ReportMetric(float64(len(s.paths)), "files/op")
					})
					b.Run("FullDiff", func(b *testing.B) {
						nodegen.PerPod(b, pods, func() {
							if _, err := fullDiff(s.fsys, s.opts, s.n); err != nil {
								b.Fatal(err)
							}
						})
					})
				})
			}
		}
	}
}

// BenchmarkPeakHeap runs a 1000-pod full diff from a tmpfs tree while a
// goroutine samples the heap every 200µs, and reports:
//
//	peak-heap-MiB  the high-water mark of heap objects above the heap
//	               before it started: live objects and garbage not yet
//	               swept, so it depends on how often the GC runs
//	peak-live-MiB  the largest heap the GC found live after a cycle: what
//	               the diff needs, whatever the GC settings
//	retained-MiB   what the finished report keeps alive
//
// Run with the default GC settings, and with a 32 MiB memory limit
// (GOMEMLIMIT's debug.SetMemoryLimit), which makes the GC keep the whole
// heap under it at the cost of more GC cycles (compare the times).
func BenchmarkPeakHeap(b *testing.B) {
	for _, l := range nodegen.Layouts() {
		b.Run(fmt.Sprintf("%s/1000", l), func(b *testing.B) {
			s := openDiffSource(b, "tmpfs", l, 1000)
			for _, limit := range []int64{math.MaxInt64, 32 << 20} {
				name := "default"
				if limit != math.MaxInt64 {
					name = fmt.Sprintf("limit-%dMiB", limit>>20)
				}
				b.Run(name, func(b *testing.B) {
					old := debug.SetMemoryLimit(limit)
					defer debug.SetMemoryLimit(old)
					var h heapUse
					for b.Loop() {
						h = h.max(heapOf(func() any {
							rep, err := fullDiff(s.fsys, s.opts, s.n)
							if err != nil {
								b.Fatal(err)
							}
							return rep
						}))
					}
					b.ReportMetric(h.peak/(1<<20), "peak-heap-MiB")
					b.ReportMetric(h.live/(1<<20), "peak-live-MiB")
					b.ReportMetric(h.retained/(1<<20), "retained-MiB")
				})
			}
		})
	}
}

// heapUse is what heapOf measured, in bytes.
type heapUse struct{ peak, live, retained float64 }

func (h heapUse) max(o heapUse) heapUse {
	return heapUse{max(h.peak, o.peak), max(h.live, o.live), max(h.retained, o.retained)}
}

// heapOf runs op and returns, above the heap before op: the sampled
// high-water mark of heap objects (live and not yet swept), the largest
// live heap a GC cycle found during op, and the heap op's result keeps
// alive.
func heapOf(op func() any) heapUse {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	read := func() (objects, live float64) {
		metrics.Read(sample)
		return float64(sample[0].Value.Uint64()), float64(sample[1].Value.Uint64())
	}
	runtime.GC()
	debug.FreeOSMemory()
	base, baseLive := read()
	hi, hiLive := base, baseLive
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				o, l := read()
				hi, hiLive = max(hi, o), max(hiLive, l)
			}
		}
	})
	res := op()
	close(stop)
	wg.Wait()
	o, _ := read()
	hi = max(hi, o)
	// The live heap at op's end, result included.
	runtime.GC()
	_, l := read()
	hiLive = max(hiLive, l)
	runtime.KeepAlive(res)
	runtime.GC()
	after, _ := read()
	runtime.KeepAlive(res)
	return heapUse{peak: hi - base, live: hiLive - baseLive, retained: after - base}
}

// TestExpectAndDiffScaleLinearly counts the allocations of the expectation
// and of the comparison for N and 2N pods of every layout (a proxy for
// the work they do, stable where timings are not) and checks that the
// allocations per pod stay flat: neither grows faster than the node.
func TestExpectAndDiffScaleLinearly(t *testing.T) {
	const n = 60
	for _, l := range nodegen.Layouts() {
		perPod := func(pods int) (expect, diff float64) {
			g := nodegen.MustGenerate(nodegen.Options{Pods: pods, Layout: l})
			node := memNode(t, g)
			expect = testing.AllocsPerRun(3, func() {
				if _, err := qos.Expect(g.Pods, g.Profile); err != nil {
					t.Fatal(err)
				}
			}) / float64(pods)
			diff = testing.AllocsPerRun(3, func() {
				if r := qos.Diff(g.Expectation, node, diffOpts); r.Summary.Unexplained() != 0 {
					t.Fatalf("%+v", r.Summary)
				}
			}) / float64(pods)
			return expect, diff
		}
		e1, d1 := perPod(n)
		e2, d2 := perPod(2 * n)
		// Fixed costs make the smaller node slightly dearer per pod;
		// growth would make it cheaper.
		if e2 > e1*1.05+1 {
			t.Errorf("%s: Expect allocations per pod grow with the node: %.1f at %d pods, %.1f at %d", l, e1, n, e2, 2*n)
		}
		if d2 > d1*1.05+1 {
			t.Errorf("%s: Diff allocations per pod grow with the node: %.1f at %d pods, %.1f at %d", l, d1, n, d2, 2*n)
		}
		t.Logf("%s: allocations per pod at %d pods: Expect %.1f, Diff %.1f", l, 2*n, e2, d2)
	}
}

// TestBenchSmoke runs the full diff of the benchmarks once on a small
// tree of every layout on disk, and the heap measurement.
func TestBenchSmoke(t *testing.T) {
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
		h := heapOf(func() any {
			r, err := fullDiff(fsys, cgroupfs.NodeOptions{}, n)
			if err != nil || r.Summary.Unexplained() != 0 {
				t.Fatalf("%s: %v %+v", l, err, r.Summary)
			}
			return r
		})
		if h.peak <= 0 {
			t.Errorf("%s: no heap growth sampled: %+v", l, h)
		}
		fsys.Close()
	}
}
