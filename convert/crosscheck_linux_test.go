//go:build linux

package convert_test

import (
	"testing"

	"github.com/containerd/cgroups/v3/cgroup2"
	"github.com/kubecgroups/kubecgroups/convert"
)

// containerd/cgroups v3 (≥ v3.1.0) ships its own copy of the quadratic
// shares-to-weight conversion, written independently of ours. Both must
// agree on every shares value a runtime can be given.
func TestQuadraticMatchesContainerdCgroups(t *testing.T) {
	for s := uint64(0); s <= 262145; s++ {
		if got, want := convert.SharesToWeightQuadratic(s), cgroup2.ConvertCPUSharesToCgroupV2Value(s); got != want {
			t.Fatalf("shares %d: convert %d, containerd/cgroups %d", s, got, want)
		}
	}
}

// containerd/cgroups renders cpu.max with NewCPUMax; for the quota values a
// runtime writes (positive, or "max") the text must be what CPUMax.String
// produces, and ParseCPUMax must read it back.
func TestCPUMaxMatchesContainerdCgroups(t *testing.T) {
	for _, tc := range []struct {
		quota  int64
		period uint64
	}{{1000, 100000}, {50000, 100000}, {16650, 50000}, {1000, 5000}, {2500000, 1000000}} {
		q, p := tc.quota, tc.period
		want := string(cgroup2.NewCPUMax(&q, &p))
		m := convert.CPUMax{QuotaMicros: q, PeriodMicros: p}
		if got := m.String(); got != want {
			t.Errorf("CPUMax%+v = %q, containerd/cgroups %q", tc, got, want)
		}
		back, err := convert.ParseCPUMax(want)
		if err != nil || back != m {
			t.Errorf("ParseCPUMax(%q) = %+v, %v", want, back, err)
		}
	}
	p := uint64(100000)
	want := string(cgroup2.NewCPUMax(nil, &p))
	if got := (convert.CPUMax{QuotaMicros: convert.UnlimitedQuota, PeriodMicros: p}).String(); got != want {
		t.Errorf("unlimited: %q, containerd/cgroups %q", got, want)
	}
}
