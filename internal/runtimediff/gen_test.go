package runtimediff

import (
	"reflect"
	"testing"

	"github.com/kubecgroups/kubecgroups/convert"
)

func TestGeneratorReproducible(t *testing.T) {
	a, b := NewGenerator(7), NewGenerator(7)
	for i := range 200 {
		x, y := a.Next(convert.CgroupV2, nil), b.Next(convert.CgroupV2, nil)
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("case %d differs for one seed:\n%v\n%v", i, x, y)
		}
	}
	if reflect.DeepEqual(NewGenerator(7).Next(convert.CgroupV1, nil), NewGenerator(8).Next(convert.CgroupV1, nil)) {
		t.Error("seeds 7 and 8 draw the same first case")
	}
}

// TestGeneratorCoverage checks that 10,000 cases hold every kind of input
// issue 19 asks for.
func TestGeneratorCoverage(t *testing.T) {
	for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
		g := NewGenerator(19)
		seen := map[string]bool{}
		for range 10000 {
			c := g.Next(v, nil)
			r := c.CRI
			mark := func(cond bool, what string) {
				if cond {
					seen[what] = true
				}
			}
			mark(r.CPUShares == 2, "shares 2")
			mark(r.CPUShares == 262144, "shares 262144")
			mark(r.CPUShares > 2 && r.CPUShares < 262144, "shares between")
			mark(r.CPUPeriod == 0 && r.CPUQuota == 0, "no quota or period")
			mark(r.CPUPeriod != 0 && r.CPUQuota == 0, "period alone")
			mark(r.CPUQuota == -1, "quota -1")
			mark(r.CPUQuota >= 1000 && r.CPUPeriod == 100000, "quota per 100 ms")
			mark(r.CPUQuota >= 1000 && r.CPUPeriod != 100000 && r.CPUPeriod != 0, "quota per other period")
			mark(r.MemoryLimit > 0 && r.MemoryLimit%4096 != 0, "odd memory")
			mark(r.MemoryLimit > 0 && r.MemoryLimit%4096 == 0, "page-aligned memory")
			mark(r.CPUSetCPUs != "", "cpuset")
			mark(r.HugepageLimits[Huge2M] > 0, "2MB hugepages")
			mark(r.HugepageLimits[Huge1G] > 0, "1GB hugepages")
			mark(c.Sandbox, "sandbox")
			mark(!c.HugetlbRsvd, "no rsvd files")
			mark(!c.SwapAccounting, "no swap accounting")
			if v == convert.CgroupV1 {
				mark(r.MemorySwapLimit == r.MemoryLimit && r.MemoryLimit > 0, "memory+swap = memory")
				mark(r.MemorySwapLimit > r.MemoryLimit, "memory+swap > memory")
			}
			for _, k := range []string{"memory.min", "memory.low", "memory.high", "memory.oom.group", "memory.swap.max"} {
				mark(r.Unified[k] != "", "unified "+k)
			}
			mark(r.Unified["memory.high"] == "max", "unified memory.high max")
		}
		want := []string{"shares 2", "shares 262144", "shares between", "no quota or period", "period alone", "quota -1",
			"quota per 100 ms", "quota per other period", "odd memory", "page-aligned memory", "cpuset", "2MB hugepages",
			"1GB hugepages", "sandbox", "no rsvd files", "no swap accounting"}
		if v == convert.CgroupV1 {
			want = append(want, "memory+swap = memory", "memory+swap > memory")
		} else {
			want = append(want, "unified memory.min", "unified memory.low", "unified memory.high", "unified memory.oom.group",
				"unified memory.swap.max", "unified memory.high max")
		}
		for _, w := range want {
			if !seen[w] {
				t.Errorf("%v: no case with %s in 10,000", v, w)
			}
		}
		if v == convert.CgroupV1 && seen["unified memory.oom.group"] {
			t.Error("v1: a case with unified keys, which the kubelet sends only on v2")
		}
	}
}
