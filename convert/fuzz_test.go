package convert

import (
	"strconv"
	"strings"
	"testing"
)

// Each parser is fuzzed for panics and for the canonical round trip: when
// a text parses, formatting the value gives the text back (minus the one
// trailing newline the kernel prints). Seed corpora live in
// testdata/fuzz/<FuzzName>/ in addition to the seeds added here.

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
}

var garbage = []string{"", "\n", " ", "\x00", "-", "+1", "1\r\n", "1 \n", "max\x00", "18446744073709551616", "-9223372036854775809"}

func FuzzParseCPUMax(f *testing.F) {
	addSeeds(f, "max 100000\n", "50000 100000\n", "1000 1000", "max 1000000", "max", "100000", "999 100000")
	addSeeds(f, garbage...)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseCPUMax(s)
		if err != nil {
			return
		}
		if got := m.String(); got != strings.TrimSuffix(s, "\n") {
			t.Fatalf("ParseCPUMax(%q).String() = %q", s, got)
		}
		if m.PeriodMicros < MinPeriodMicros || m.PeriodMicros > MaxPeriodMicros || (m.QuotaMicros >= 0 && m.QuotaMicros < MinQuotaMicros) {
			t.Fatalf("ParseCPUMax(%q) = %+v outside the kernel's ranges", s, m)
		}
	})
}

func FuzzParseCFSQuota(f *testing.F) {
	addSeeds(f, "-1\n", "50000\n", "1000", "999", "-2")
	addSeeds(f, garbage...)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseCFSQuota(s)
		if err != nil {
			return
		}
		if got := FormatCFSQuota(q); got != strings.TrimSuffix(s, "\n") {
			t.Fatalf("ParseCFSQuota(%q) = %d, formats as %q", s, q, got)
		}
	})
}

func FuzzParseUintFiles(f *testing.F) {
	addSeeds(f, "100000\n", "1024\n", "2", "262144", "10000", "1", "0")
	addSeeds(f, garbage...)
	f.Fuzz(func(t *testing.T, s string) {
		for name, parse := range map[string]func(string) (uint64, error){
			"cpu.cfs_period_us": ParseCFSPeriod, "cpu.shares": ParseShares, "cpu.weight": ParseWeight,
		} {
			v, err := parse(s)
			if err != nil {
				continue
			}
			if got := strconv.FormatUint(v, 10); got != strings.TrimSuffix(s, "\n") {
				t.Fatalf("%s: parse(%q) = %d", name, s, v)
			}
		}
	})
}

func FuzzParseMemory(f *testing.F) {
	addSeeds(f, "max\n", "134217728\n", "9223372036854771712\n", "0", "1G", "-1")
	addSeeds(f, garbage...)
	f.Fuzz(func(t *testing.T, s string) {
		for _, v := range []CgroupVersion{CgroupV1, CgroupV2} {
			n, err := ParseMemory(s, v)
			if err != nil {
				continue
			}
			want := strings.TrimSuffix(s, "\n")
			got := strconv.FormatInt(n, 10)
			if n == MemoryUnlimited {
				got = "max"
				if v == CgroupV1 {
					t.Fatalf("v1 ParseMemory(%q) = max", s)
				}
			}
			if got != want || n < MemoryUnlimited {
				t.Fatalf("%v ParseMemory(%q) = %d", v, s, n)
			}
		}
	})
}

func FuzzParsePidsMax(f *testing.F) {
	addSeeds(f, "max\n", "1024\n", "0", "-1", "32768")
	addSeeds(f, garbage...)
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParsePidsMax(s)
		if err != nil {
			return
		}
		if got := FormatPidsMax(n); got != strings.TrimSuffix(s, "\n") {
			t.Fatalf("ParsePidsMax(%q) = %d, formats as %q", s, n, got)
		}
	})
}

func FuzzParseFlag(f *testing.F) {
	addSeeds(f, "0\n", "1\n", "2", "true")
	addSeeds(f, garbage...)
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseFlag(s)
		if err != nil {
			return
		}
		want := "0"
		if b {
			want = "1"
		}
		if strings.TrimSuffix(s, "\n") != want {
			t.Fatalf("ParseFlag(%q) = %v", s, b)
		}
	})
}

func FuzzParseCPUSet(f *testing.F) {
	addSeeds(f, "0-3\n", "3,0-2", "0-1,5,7-8", "", "5-7,6-9", "3-1", "0-1048577")
	addSeeds(f, garbage...)
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseCPUSet(s)
		if err != nil {
			return
		}
		again, err := ParseCPUSet(set.String())
		if err != nil || !again.Equal(set) || again.String() != set.String() {
			t.Fatalf("ParseCPUSet(%q) = %q does not round-trip: %q, %v", s, set, again, err)
		}
		for i, r := range set {
			if r.Last < r.First || (i > 0 && r.First <= set[i-1].Last+1) {
				t.Fatalf("ParseCPUSet(%q) = %v is not normalised", s, set)
			}
		}
	})
}

func FuzzParseHugePageNames(f *testing.F) {
	addSeeds(f, "2MB", "1GB", "64KB", "2048KB", "hugepages-2Mi", "hugepages-1Gi", "hugepages-2097152", "hugepages-2MB", "20000000PB")
	addSeeds(f, garbage...)
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseHugePageSizeName(s); err == nil {
			if n == 0 {
				t.Fatalf("ParseHugePageSizeName(%q) = 0", s)
			}
			if name, err := HugePageSizeName(n); err == nil {
				if back, err := ParseHugePageSizeName(name); err != nil || back != n {
					t.Fatalf("%q → %d → %q → %d, %v", s, n, name, back, err)
				}
			}
		}
		if n, err := ParseHugePageResourceName(s); err == nil {
			if n == 0 {
				t.Fatalf("ParseHugePageResourceName(%q) = 0", s)
			}
			if back, err := ParseHugePageResourceName(HugePageResourceName(n)); err != nil || back != n {
				t.Fatalf("%q → %d → %q → %d, %v", s, n, HugePageResourceName(n), back, err)
			}
		}
	})
}

func FuzzWeightInverse(f *testing.F) {
	for _, s := range []uint64{0, 1, 2, 3, 1024, 262143, 262144, 262145, 1 << 63} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, shares uint64) {
		for _, fm := range []WeightFormula{WeightLinear, WeightQuadratic} {
			w := fm.Weight(shares)
			if shares == 0 {
				if w != 0 {
					t.Fatalf("%v(0) = %d", fm, w)
				}
				continue
			}
			if !fm.SharesForWeight(w).Contains(ClampShares(shares)) {
				t.Fatalf("%v: SharesForWeight(%d) = %v misses %d", fm, w, fm.SharesForWeight(w), shares)
			}
		}
	})
}

func FuzzParseInference(f *testing.F) {
	for _, s := range []string{"both", "linear", "quadratic", "neither", "", "Linear"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, err := ParseInference(s)
		if err != nil {
			return
		}
		if i.String() != s {
			t.Fatalf("ParseInference(%q) = %v", s, i)
		}
	})
}
