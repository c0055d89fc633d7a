package qos

import (
	"strconv"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
)

// TestAllocatableCPURoundTrip: for every allocatable CPU the kubelet may
// write, the milli-CPU inferred from kubepods cpu.shares (v1) or
// cpu.weight (v2) gives the same file back, and whole CPUs come back
// whole.
func TestAllocatableCPURoundTrip(t *testing.T) {
	for milli := int64(3); milli <= 256000; milli += 7 {
		shares := convert.MilliCPUToShares(milli)
		for _, v1 := range []bool{true, false} {
			name, value := "cpu.weight", convert.SharesToWeightLinear(shares)
			if v1 {
				name, value = "cpu.shares", shares
			}
			got, _ := allocatableCPU(map[string]cgroupfs.File{name: {Raw: strconv.FormatUint(value, 10)}}, v1)
			if got == 0 {
				// Only the minimum (2 shares, weight 1) tells nothing.
				if v1 && value > convert.MinShares || !v1 && value > 1 {
					t.Fatalf("%dm: %s %d gives nothing", milli, name, value)
				}
				continue
			}
			back := convert.MilliCPUToShares(got)
			if !v1 {
				back = convert.SharesToWeightLinear(back)
			}
			if back != value {
				t.Fatalf("%dm: %s %d gives %dm, which writes %d", milli, name, value, got, back)
			}
			if milli%1000 == 0 && got != milli {
				t.Fatalf("%d CPUs: %s %d gives %dm", milli/1000, name, value, got)
			}
		}
	}
}

// FuzzInferCapacity: whatever the kubepods files hold, inferring from
// them does not panic, and a CPU count, memory or pids it infers is
// positive.
func FuzzInferCapacity(f *testing.F) {
	f.Add("0-3,8", "17179869184", "32768", "1024", true)
	f.Add("", "max", "max", "157", false)
	f.Add("7-0", "-1", "9223372036854771712", "18446744073709551615", true)
	f.Fuzz(func(t *testing.T, cpuset, mem, pids, cpu string, v1 bool) {
		mode, memFile, cpuFile := cgroupfs.ModeUnified, "memory.max", "cpu.weight"
		if v1 {
			mode, memFile, cpuFile = cgroupfs.ModeLegacy, "memory.limit_in_bytes", "cpu.shares"
		}
		node := &cgroupfs.Node{Mode: mode, Kubepods: &cgroupfs.Cgroup{Files: map[string]cgroupfs.File{
			"cpuset.cpus": {Raw: cpuset}, memFile: {Raw: mem}, "pids.max": {Raw: pids}, cpuFile: {Raw: cpu}}}}
		inf := infer(node, Facts{}, Overrides{})
		for name, q := range inf.capacity {
			if q.Sign() <= 0 {
				t.Fatalf("%s inferred as %s", name, q.String())
			}
		}
	})
}
