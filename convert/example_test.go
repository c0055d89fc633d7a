package convert_test

import (
	"fmt"

	"github.com/kubecgroups/kubecgroups/convert"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A 250m CPU request becomes 256 cpu.shares; on cgroup v2 the kubelet's pod
// cgroup shows the linear weight, while the container shows whatever its
// runtime computes.
func ExampleMilliCPUToShares() {
	shares := convert.MilliCPUToShares(250)
	fmt.Println("shares:", shares)
	fmt.Println("pod cgroup weight (kubelet, linear):", convert.SharesToWeightLinear(shares))
	fmt.Println("container weight on runc >= 1.3.2:", convert.SharesToWeightQuadratic(shares))
	// Output:
	// shares: 256
	// pod cgroup weight (kubelet, linear): 10
	// container weight on runc >= 1.3.2: 35
}

func ExampleMilliCPUToQuota() {
	// A 15m limit at the default period is 1500 µs; the systemd driver
	// rounds it up to 10 ms per second.
	q := convert.MilliCPUToQuota(15, convert.DefaultPeriodMicros)
	fmt.Println(convert.CPUMax{QuotaMicros: q, PeriodMicros: convert.DefaultPeriodMicros})
	fmt.Println(convert.CPUMax{QuotaMicros: convert.SystemdQuota(q, convert.DefaultPeriodMicros), PeriodMicros: convert.DefaultPeriodMicros})
	// Output:
	// 1500 100000
	// 2000 100000
}

func ExampleInferWeightFormula() {
	// (cpu.shares asked for, cpu.weight found) for three containers.
	seen := []convert.SharesWeight{{Shares: 2, Weight: 1}, {Shares: 1024, Weight: 100}, {Shares: 256, Weight: 35}}
	v := convert.InferWeightFormula(seen)
	fmt.Println(v, v.Formula())
	fmt.Println("weight 39 comes from shares", convert.WeightLinear.SharesForWeight(39))
	// Output:
	// quadratic quadratic
	// weight 39 comes from shares 999-1024
}

func ExampleParseCPUMax() {
	m, err := convert.ParseCPUMax("max 100000\n")
	fmt.Println(m.Unlimited(), m.PeriodMicros, err)
	_, err = convert.ParseCPUMax("500 100000\n")
	fmt.Println(err)
	// Output:
	// true 100000 <nil>
	// cpu.max: "500 100000\n": value out of range: quota below 1000 µs
}

func ExampleOCIFiles() {
	limit := int64(100000000) // 100M, not page aligned
	shares := uint64(256)
	res := &specs.LinuxResources{
		CPU:     &specs.LinuxCPU{Shares: &shares},
		Memory:  &specs.LinuxMemory{Limit: &limit, Swap: &limit},
		Unified: map[string]string{"memory.oom.group": "1"},
	}
	files, err := convert.OCIFiles(res, convert.OCIOptions{Version: convert.CgroupV2, Formula: convert.WeightQuadratic})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Printf("%-17s %-9s %s\n", f.Name, f.Value, f.Derivation)
	}
	// Output:
	// cpu.weight        35        cpu.weight = quadratic(shares 256) = 35
	// memory.max        99999744  memory.max = 100000000 rounded down to 4096-byte pages = 99999744
	// memory.oom.group  1         memory.oom.group = unified["memory.oom.group"] = "1", written last
	// memory.swap.max   0         memory.swap.max = 0: memory+swap equals memory, so no swap
}
