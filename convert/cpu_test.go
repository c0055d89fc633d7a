package convert

import (
	"errors"
	"testing"
)

// Vectors from the kubelet tests of v1.37.2: TestMilliCPUToQuota
// (pkg/kubelet/cm/helpers_linux_test.go), TestSharesToMilliCPU and
// TestQuotaToMilliCPU (pkg/kubelet/kuberuntime/helpers_linux_test.go).

func TestMilliCPUToShares(t *testing.T) {
	tests := []struct {
		milli int64
		want  uint64
	}{
		{-5, 2}, {0, 2}, {1, 2}, {2, 2}, {3, 3}, {4, 4}, {32, 32}, {50, 51}, {64, 65},
		{100, 102}, {200, 204}, {250, 256}, {300, 307}, {333, 340}, {500, 512},
		{1000, 1024}, {1500, 1536}, {2000, 2048}, {1800, 1843}, {7000, 7168},
		{255999, 262142}, {256000, 262144}, {256001, 262144}, {1 << 40, 262144},
		{9223372036854775807, 262144},
	}
	for _, tt := range tests {
		if got := MilliCPUToShares(tt.milli); got != tt.want {
			t.Errorf("MilliCPUToShares(%d) = %d, want %d", tt.milli, got, tt.want)
		}
	}
}

func TestSharesToMilliCPURoundTrip(t *testing.T) {
	// The kubelet's own test sweeps 0…2000; the inverse is exact wherever
	// the shares are not clamped.
	for m := int64(2); m <= 255999; m++ {
		if got := SharesToMilliCPU(MilliCPUToShares(m)); got != m {
			t.Fatalf("SharesToMilliCPU(MilliCPUToShares(%d)) = %d", m, got)
		}
	}
	for _, m := range []int64{0, 1} {
		if got := SharesToMilliCPU(MilliCPUToShares(m)); got != 2 {
			t.Errorf("round trip of %dm = %d, want 2", m, got)
		}
	}
	if got := SharesToMilliCPU(1); got != 0 {
		t.Errorf("SharesToMilliCPU(1) = %d, want 0", got)
	}
	if got := SharesToMilliCPU(0); got != 0 {
		t.Errorf("SharesToMilliCPU(0) = %d, want 0", got)
	}
}

func TestMilliCPUToSharesMonotonic(t *testing.T) {
	prev := MilliCPUToShares(0)
	for m := int64(1); m <= 300000; m++ {
		s := MilliCPUToShares(m)
		if s < prev {
			t.Fatalf("shares decrease at %dm: %d < %d", m, s, prev)
		}
		prev = s
	}
}

func TestMilliCPUToQuota(t *testing.T) {
	tests := []struct {
		milli  int64
		period uint64
		want   int64
	}{
		{0, 0, 0},
		{0, 100000, 0},
		{-1, 100000, 0},
		{1, 100000, 1000},
		{5, 100000, 1000},
		{9, 100000, 1000},
		{10, 100000, 1000},
		{15, 100000, 1500},
		{200, 100000, 20000},
		{333, 100000, 33300},
		{500, 100000, 50000},
		{1000, 100000, 100000},
		{1500, 100000, 150000},
		{15, 0, 1500}, // period 0 means the default
		// Tuned period of 5 ms (the kubelet's own tests).
		{100, 5000, 1000},
		{200, 5000, 1000},
		{300, 5000, 1500},
		// 50 ms period.
		{10, 50000, 1000},
		{15, 50000, 1000},
		{25, 50000, 1250},
		{333, 50000, 16650},
		{1000, 50000, 50000},
		// 1 s period.
		{1, 1000000, 1000},
		{15, 1000000, 15000},
		{2500, 1000000, 2500000},
		// Absurd inputs saturate instead of overflowing.
		{9223372036854775807, 1000000, 9223372036854775807},
	}
	for _, tt := range tests {
		if got := MilliCPUToQuota(tt.milli, tt.period); got != tt.want {
			t.Errorf("MilliCPUToQuota(%d, %d) = %d, want %d", tt.milli, tt.period, got, tt.want)
		}
	}
}

func TestQuotaToMilliCPU(t *testing.T) {
	tests := []struct {
		quota  int64
		period uint64
		want   int64
	}{
		{-1, 100000, 0},
		{5000, 100000, 50},
		{75000, 100000, 750},
		{100000, 100000, 1000},
		{150000, 100000, 1500},
		{1000, 100000, 10},
		{1000, 5000, 200},
		{16650, 50000, 333},
		{1, 0, 0},
	}
	for _, tt := range tests {
		if got := QuotaToMilliCPU(tt.quota, tt.period); got != tt.want {
			t.Errorf("QuotaToMilliCPU(%d, %d) = %d, want %d", tt.quota, tt.period, got, tt.want)
		}
	}
	// Round trip for every limit that is not raised to the 1 ms floor.
	for m := int64(10); m <= 64000; m++ {
		if got := QuotaToMilliCPU(MilliCPUToQuota(m, DefaultPeriodMicros), DefaultPeriodMicros); got != m {
			t.Fatalf("quota round trip of %dm = %d", m, got)
		}
	}
}

func TestSystemdQuota(t *testing.T) {
	tests := []struct {
		quota  int64
		period uint64
		want   int64
	}{
		{-1, 100000, -1},
		{0, 100000, 0},
		{1000, 100000, 1000},     // 10 ms/s is already a multiple
		{1500, 100000, 2000},     // 15 ms/s → 20 ms/s
		{2000, 100000, 2000},     // exact
		{20001, 100000, 21000},   // 200010 µs/s → 210000
		{409600, 100000, 410000}, // runc#4982
		{33300, 100000, 34000},
		{1000, 50000, 1000},     // 20000 µs/s
		{1250, 50000, 1500},     // 25000 → 30000 µs/s
		{16650, 50000, 17000},   // 333000 → 340000 µs/s
		{1000, 5000, 1000},      // 200000 µs/s
		{1500, 0, 2000},         // period 0 = default
		{15000, 1000000, 20000}, // 15000 → 20000 µs/s
	}
	for _, tt := range tests {
		if got := SystemdQuota(tt.quota, tt.period); got != tt.want {
			t.Errorf("SystemdQuota(%d, %d) = %d, want %d", tt.quota, tt.period, got, tt.want)
		}
	}
	// Rounding never lowers a quota and is idempotent.
	for q := int64(1000); q <= 200000; q += 7 {
		r := SystemdQuota(q, DefaultPeriodMicros)
		if r < q || SystemdQuota(r, DefaultPeriodMicros) != r {
			t.Fatalf("SystemdQuota(%d) = %d: lowers or is not idempotent", q, r)
		}
	}
}

func TestCPUMaxString(t *testing.T) {
	tests := []struct {
		in   CPUMax
		want string
	}{
		{CPUMax{-1, 100000}, "max 100000"},
		{CPUMax{-5, 50000}, "max 50000"},
		{CPUMax{50000, 100000}, "50000 100000"},
		{CPUMax{1000, 5000}, "1000 5000"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseCPUMax(t *testing.T) {
	tests := []struct {
		in      string
		want    CPUMax
		wantErr error
	}{
		{"max 100000\n", CPUMax{-1, 100000}, nil},
		{"max 100000", CPUMax{-1, 100000}, nil},
		{"50000 100000\n", CPUMax{50000, 100000}, nil},
		{"1000 1000\n", CPUMax{1000, 1000}, nil},
		{"2000000 1000000", CPUMax{2000000, 1000000}, nil},
		{"", CPUMax{}, ErrSyntax},
		{"\n", CPUMax{}, ErrSyntax},
		{"max\n", CPUMax{}, ErrSyntax},
		{"max  100000", CPUMax{}, ErrSyntax},
		{"max 100000\r\n", CPUMax{}, ErrSyntax},
		{"max 100000\n\n", CPUMax{}, ErrSyntax},
		{"max 100000 7", CPUMax{}, ErrSyntax},
		{"-1 100000", CPUMax{}, ErrSyntax},
		{"+5000 100000", CPUMax{}, ErrSyntax},
		{"5000 +100000", CPUMax{}, ErrSyntax},
		{"abc 100000", CPUMax{}, ErrSyntax},
		{"max 100000\x00", CPUMax{}, ErrSyntax},
		{"999 100000", CPUMax{}, ErrRange},
		{"0 100000", CPUMax{}, ErrRange},
		{"max 999", CPUMax{}, ErrRange},
		{"max 1000001", CPUMax{}, ErrRange},
		{"9223372036854775808 100000", CPUMax{}, ErrRange}, // quota overflows int64
		{"max 18446744073709551616", CPUMax{}, ErrRange},   // period overflows uint64
		{"max 99999999999999999999", CPUMax{}, ErrRange},
		{"99999999999999999999 100000", CPUMax{}, ErrRange},
	}
	for _, tt := range tests {
		got, err := ParseCPUMax(tt.in)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("ParseCPUMax(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) || ve.What != "cpu.max" || ve.Value != tt.in {
				t.Errorf("ParseCPUMax(%q) error %v does not name the file and input", tt.in, err)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("ParseCPUMax(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if tt.in[len(tt.in)-1] != '\n' && got.String() != tt.in {
			t.Errorf("ParseCPUMax(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestCPUMaxMilliCPU(t *testing.T) {
	if got := (CPUMax{-1, 100000}).MilliCPU(); got != 0 {
		t.Errorf("unlimited MilliCPU = %d", got)
	}
	if got := (CPUMax{16650, 50000}).MilliCPU(); got != 333 {
		t.Errorf("MilliCPU = %d, want 333", got)
	}
	if !(CPUMax{-1, 100000}).Unlimited() || (CPUMax{1000, 100000}).Unlimited() {
		t.Error("Unlimited is wrong")
	}
}

func TestParseCFSQuota(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr error
	}{
		{"-1\n", -1, nil},
		{"50000\n", 50000, nil},
		{"1000", 1000, nil},
		{"999", 0, ErrRange},
		{"0", 0, ErrRange},
		{"-2", 0, ErrRange},
		{"9223372036854775808", 0, ErrRange},  // overflows int64
		{"-9223372036854775809", 0, ErrRange}, // and below it
		{"max", 0, ErrSyntax},
		{"", 0, ErrSyntax},
		{"+1000", 0, ErrSyntax},
		{"1000 ", 0, ErrSyntax},
	}
	for _, tt := range tests {
		got, err := ParseCFSQuota(tt.in)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("ParseCFSQuota(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseCFSQuota(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
	if got := FormatCFSQuota(-7); got != "-1" {
		t.Errorf("FormatCFSQuota(-7) = %q", got)
	}
	if got := FormatCFSQuota(1500); got != "1500" {
		t.Errorf("FormatCFSQuota(1500) = %q", got)
	}
}

func TestParseCFSPeriodAndShares(t *testing.T) {
	if p, err := ParseCFSPeriod("100000\n"); err != nil || p != 100000 {
		t.Errorf("ParseCFSPeriod = %d, %v", p, err)
	}
	for _, bad := range []string{"999", "1000001", "-1", "x", "18446744073709551616"} {
		if _, err := ParseCFSPeriod(bad); err == nil {
			t.Errorf("ParseCFSPeriod(%q) succeeded", bad)
		}
	}
	if _, err := ParseCFSPeriod("18446744073709551616"); !errors.Is(err, ErrRange) {
		t.Errorf("overflowing period: %v, want ErrRange", err)
	}
	for in, want := range map[string]uint64{"2\n": 2, "1024\n": 1024, "262144": 262144} {
		if got, err := ParseShares(in); err != nil || got != want {
			t.Errorf("ParseShares(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"1", "0", "262145", "", " 2", "2 "} {
		if _, err := ParseShares(bad); err == nil {
			t.Errorf("ParseShares(%q) succeeded", bad)
		}
	}
}
