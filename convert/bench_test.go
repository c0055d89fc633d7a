package convert

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var sinkU64 uint64

func BenchmarkMilliCPUToShares(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sinkU64 += MilliCPUToShares(int64(i % 300000))
	}
}

func BenchmarkSharesToWeightLinear(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sinkU64 += SharesToWeightLinear(uint64(i%262144) + 2)
	}
}

func BenchmarkSharesToWeightQuadratic(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sinkU64 += SharesToWeightQuadratic(uint64(i%262144) + 2)
	}
}

func BenchmarkSharesForWeight(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		sinkU64 += WeightQuadratic.SharesForWeight(uint64(i%10000) + 1).Max
	}
}

func BenchmarkInferWeightFormula(b *testing.B) {
	pairs := make([]SharesWeight, 330) // 110 pods × 3 containers
	for i := range pairs {
		s := uint64(2 + i*97)
		pairs[i] = SharesWeight{s, SharesToWeightQuadratic(s)}
	}
	for b.Loop() {
		if InferWeightFormula(pairs) != InferQuadratic {
			b.Fatal("wrong verdict")
		}
	}
}

func BenchmarkParseCPUMax(b *testing.B) {
	for b.Loop() {
		m, err := ParseCPUMax("50000 100000\n")
		if err != nil {
			b.Fatal(err)
		}
		sinkU64 += m.PeriodMicros
	}
}

func BenchmarkParseMemory(b *testing.B) {
	for b.Loop() {
		n, err := ParseMemory("9223372036854771712\n", CgroupV1)
		if err != nil {
			b.Fatal(err)
		}
		sinkU64 += uint64(n)
	}
}

func BenchmarkOCIFilesV2(b *testing.B) {
	res := &specs.LinuxResources{
		CPU:            &specs.LinuxCPU{Shares: ptr[uint64](256), Quota: ptr[int64](100000), Period: ptr[uint64](100000)},
		Memory:         &specs.LinuxMemory{Limit: ptr[int64](512 << 20), Swap: ptr[int64](512 << 20)},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB"}},
		Unified:        map[string]string{"memory.oom.group": "1", "memory.min": "0", "memory.low": "0", "memory.swap.max": "0"},
	}
	opts := OCIOptions{Version: CgroupV2, Formula: WeightQuadratic}
	for b.Loop() {
		if _, err := OCIFiles(res, opts); err != nil {
			b.Fatal(err)
		}
	}
}
