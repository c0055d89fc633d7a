package agent

import (
	"os"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/nodegen"
	"k8s.io/client-go/tools/record"
)

// benchPods is the node size of the performance target: 250 pods.
const benchPods = 250

// BenchmarkSteadyCycle is one agent check on a 250-pod node whose pods
// do not change: read the compared files, diff, update metrics and
// Events. expectations/op must be 0 (the cached expectation is reused);
// compare its time with BenchmarkRawRead, the floor of reading the same
// files, from the same run. cpu-ns/op is the process's CPU time per
// check (getrusage): on a loaded machine it tells more than ns/op.
func BenchmarkSteadyCycle(b *testing.B) {
	r := newRig(b, benchPods)
	a, _ := r.start(b, record.NewFakeRecorder(100))
	mustCheck(b, a) // the expectation, once
	before := a.Stats().Expectations
	b.ReportAllocs()
	cpu := nodegen.CPUTime()
	b.ResetTimer()
	for b.Loop() {
		mustCheck(b, a)
	}
	b.StopTimer()
	b.ReportMetric(float64(nodegen.CPUTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(a.Stats().Expectations-before)/float64(b.N), "expectations/op")
}

// BenchmarkRawRead reads, with os.ReadFile, every file a steady check
// reads (the compared files and the kernel's counters): the I/O floor of
// BenchmarkSteadyCycle.
func BenchmarkRawRead(b *testing.B) {
	r := newRig(b, benchPods)
	a, _ := r.start(b, record.NewFakeRecorder(100))
	mustCheck(b, a)
	read := a.profile.node
	read.Files = a.files
	read.Counters = true // as a check reads them
	node, err := r.tree.Node(read)
	if err != nil {
		b.Fatal(err)
	}
	paths := nodegen.FilePaths(r.tree, r.dir, node)
	b.ReportAllocs()
	cpu := nodegen.CPUTime()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range paths {
			os.ReadFile(p)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(nodegen.CPUTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(len(paths)), "files")
}
