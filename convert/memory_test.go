package convert

import (
	"errors"
	"testing"
)

const (
	mi = int64(1) << 20
	gi = int64(1) << 30
)

func TestRoundDownToPage(t *testing.T) {
	tests := []struct {
		bytes, page, want int64
	}{
		{100000000, 4096, 99999744}, // 100M
		{1000000000, 4096, 999997440},
		{128 * mi, 4096, 128 * mi},
		{4095, 4096, 0},
		{4096, 4096, 4096},
		{4097, 4096, 4096},
		{8191, 4096, 4096},
		{100000000, 65536, 99942400},
		{0, 4096, 0},
		{-1, 4096, -1},
		{12345, 0, 12345},
	}
	for _, tt := range tests {
		if got := RoundDownToPage(tt.bytes, tt.page); got != tt.want {
			t.Errorf("RoundDownToPage(%d, %d) = %d, want %d", tt.bytes, tt.page, got, tt.want)
		}
	}
}

func TestV1Unlimited(t *testing.T) {
	if got := V1Unlimited(4096); got != 9223372036854771712 {
		t.Errorf("V1Unlimited(4096) = %d", got)
	}
	if got := V1Unlimited(65536); got != 9223372036854710272 {
		t.Errorf("V1Unlimited(65536) = %d", got)
	}
	if got := V1Unlimited(0); got != 9223372036854771712 {
		t.Errorf("V1Unlimited(0) = %d", got)
	}
	if !IsV1Unlimited(9223372036854771712, 4096) || IsV1Unlimited(9223372036854771712-4096, 4096) {
		t.Error("IsV1Unlimited is wrong")
	}
}

func TestFormatAndParseMemory(t *testing.T) {
	tests := []struct {
		bytes int64
		v     CgroupVersion
		want  string
	}{
		{-1, CgroupV2, "max"},
		{-1, CgroupV1, "9223372036854771712"},
		{100000000, CgroupV2, "99999744"},
		{100000000, CgroupV1, "99999744"},
		{0, CgroupV2, "0"},
	}
	for _, tt := range tests {
		if got := FormatMemory(tt.bytes, tt.v, 4096); got != tt.want {
			t.Errorf("FormatMemory(%d, %v) = %q, want %q", tt.bytes, tt.v, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in      string
		v       CgroupVersion
		want    int64
		wantErr error
	}{
		{"max\n", CgroupV2, -1, nil},
		{"134217728\n", CgroupV2, 134217728, nil},
		{"9223372036854771712\n", CgroupV1, 9223372036854771712, nil},
		{"0", CgroupV1, 0, nil},
		{"max", CgroupV1, 0, ErrSyntax},
		{"-1", CgroupV2, 0, ErrSyntax},
		{"9223372036854775808", CgroupV1, 0, ErrRange},
		{"99999999999999999999", CgroupV1, 0, ErrRange},
		{"1G", CgroupV2, 0, ErrSyntax},
		{"", CgroupV2, 0, ErrSyntax},
		{"12 ", CgroupV2, 0, ErrSyntax},
	} {
		got, err := ParseMemory(tt.in, tt.v)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("ParseMemory(%q, %v) error = %v, want %v", tt.in, tt.v, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseMemory(%q, %v) = %d, want %d", tt.in, tt.v, got, tt.want)
		}
	}
}

func TestMemoryHigh(t *testing.T) {
	// pkg/kubelet/kuberuntime/kuberuntime_container_linux.go:
	// generateLinuxContainerResources and its test
	// TestGenerateContainerConfigWithMemoryQoSEnforced, v1.37.2.
	tests := []struct {
		req, limit int64
		factor     float64
		want       int64
		written    bool
	}{
		{128 * mi, 256 * mi, 0.9, 255012864, true},
		{256 * mi, 512 * mi, 0.9, 510025728, true},
		{0, 32 * gi, 0.9, 30923763712, true},
		{128 * mi, 32 * gi, 0.9, 30937186304, true},
		{256 * mi, 512 * mi, 1.0, 536870912, true},
		{128 * mi, 512 * mi, 0.9, 496603136, true}, // the DRA case: limit inflated to 512Mi
		{256 * mi, 256 * mi, 0.9, 256 * mi, false}, // request = limit: not above the request
		{0, 0, 0.9, 0, false},                      // zero: not written
		{100, 4000, 0.5, 0, false},                 // rounds to 0
	}
	for _, tt := range tests {
		got, written := MemoryHigh(tt.req, tt.limit, tt.factor, 4096)
		if got != tt.want || written != tt.written {
			t.Errorf("MemoryHigh(%d, %d, %v) = %d, %v; want %d, %v", tt.req, tt.limit, tt.factor, got, written, tt.want, tt.written)
		}
	}
	// Pod with 64Mi overhead (TestApplyPodLevelMemoryHigh): 192Mi/320Mi.
	if got, _ := MemoryHigh(192*mi, 320*mi, 0.9, 0); got != 322121728 {
		t.Errorf("pod memory.high with overhead = %d, want 322121728", got)
	}
}

func TestSwapV2(t *testing.T) {
	// opencontainers/cgroups v0.0.7 ConvertMemorySwapToCgroupV2Value vectors
	// (utils_test.go: TestConvertMemorySwapToCgroupV2Value), as (memorySwap, memory).
	tests := []struct {
		swap, mem int64
		want      int64
		wantErr   error
	}{
		{0, 0, 0, nil},
		{-1, 0, -1, nil},
		{300, -1, 300, nil},
		{-1, -1, -1, nil},
		{0, -1, -1, nil},
		{-2, 0, 0, ErrRange},
		{-1, 1000, -1, nil},
		{1000, 1000, 0, nil},
		{500, 200, 300, nil},
		{300, 400, 0, ErrSwapBelowMemory},
		{300, 0, 0, ErrSwapWithoutMemoryLimit},
		{300, -5, 0, ErrRange},
	}
	for _, tt := range tests {
		got, err := SwapV2(tt.swap, tt.mem)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("SwapV2(%d, %d) error = %v, want %v", tt.swap, tt.mem, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("SwapV2(%d, %d) = %d, want %d", tt.swap, tt.mem, got, tt.want)
		}
	}
}

func TestLimitedSwap(t *testing.T) {
	// pkg/kubelet/kuberuntime/kuberuntime_container_linux.go:
	// calcSwapForBurstablePods, v1.37.2: 40 GiB memory, 5 GiB swap.
	for req, want := range map[int64]int64{1 * gi: 134217728, 2 * gi: 268435456, 0: 0, 40 * gi: 5 * gi} {
		got, err := LimitedSwap(req, 40*gi, 5*gi)
		if err != nil || got != want {
			t.Errorf("LimitedSwap(%d) = %d, %v; want %d", req, got, err, want)
		}
	}
	if _, err := LimitedSwap(41*gi, 40*gi, 5*gi); !errors.Is(err, ErrRange) {
		t.Errorf("request above capacity: %v", err)
	}
	if _, err := LimitedSwap(1, 0, 5*gi); !errors.Is(err, ErrRange) {
		t.Errorf("zero capacity: %v", err)
	}
}

func TestPids(t *testing.T) {
	if FormatPidsMax(-1) != "max" || FormatPidsMax(1024) != "1024" || FormatPidsMax(0) != "0" {
		t.Error("FormatPidsMax is wrong")
	}
	for in, want := range map[string]int64{"max\n": -1, "1024\n": 1024, "0": 0, "32768": 32768} {
		if got, err := ParsePidsMax(in); err != nil || got != want {
			t.Errorf("ParsePidsMax(%q) = %d, %v", in, got, err)
		}
	}
	for in, wantErr := range map[string]error{"-1": ErrSyntax, "Max": ErrSyntax, "": ErrSyntax, "99999999999999999999": ErrRange, "9223372036854775807": ErrRange} {
		if _, err := ParsePidsMax(in); !errors.Is(err, wantErr) {
			t.Errorf("ParsePidsMax(%q) = %v, want %v", in, err, wantErr)
		}
	}
	for in, want := range map[string]bool{"0\n": false, "1\n": true, "1": true} {
		if got, err := ParseFlag(in); err != nil || got != want {
			t.Errorf("ParseFlag(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"2", "", "true", "1 "} {
		if _, err := ParseFlag(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseFlag(%q) = %v", bad, err)
		}
	}
}

func TestCgroupVersion(t *testing.T) {
	for in, want := range map[string]CgroupVersion{"v1": CgroupV1, "1": CgroupV1, "v2": CgroupV2, "2": CgroupV2} {
		if got, err := ParseCgroupVersion(in); err != nil || got != want {
			t.Errorf("ParseCgroupVersion(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseCgroupVersion("v3"); !errors.Is(err, ErrSyntax) {
		t.Errorf("v3: %v", err)
	}
	if CgroupV1.String() != "v1" || CgroupV2.String() != "v2" || CgroupVersion(7).String() != "CgroupVersion(7)" {
		t.Error("CgroupVersion.String is wrong")
	}
}
