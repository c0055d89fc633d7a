package nodegen

import (
	"runtime"
	"testing"
)

// PerPod runs op b.N times and reports, besides time and allocations per
// operation, the CPU time per operation (steadier than wall time on a busy
// machine) and time, allocations and bytes per pod.
func PerPod(b *testing.B, pods int, op func()) {
	b.Helper()
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu := CPUTime()
	for b.Loop() {
		op()
	}
	cpu = CPUTime() - cpu
	runtime.ReadMemStats(&after)
	n := float64(b.N) * float64(pods)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/pod")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/pod")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "B/pod")
}
