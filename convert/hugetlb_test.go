package convert

import (
	"errors"
	"testing"
)

func TestHugePageSizeName(t *testing.T) {
	tests := []struct {
		size uint64
		want string
	}{
		{2097152, "2MB"},
		{1073741824, "1GB"},
		{65536, "64KB"},
		{4194304, "4MB"},
		{16 << 30, "16GB"},
		{512, "512B"},
		{1 << 50, "1PB"},
		{2048 << 50, "2048PB"},
	}
	for _, tt := range tests {
		got, err := HugePageSizeName(tt.size)
		if err != nil || got != tt.want {
			t.Errorf("HugePageSizeName(%d) = %q, %v; want %q", tt.size, got, err, tt.want)
		}
		back, err := ParseHugePageSizeName(got)
		if err != nil || back != tt.size {
			t.Errorf("ParseHugePageSizeName(%q) = %d, %v; want %d", got, back, err, tt.size)
		}
	}
	for _, bad := range []uint64{0, 1536, 3 << 20 / 2} {
		if _, err := HugePageSizeName(bad); !errors.Is(err, ErrRange) {
			t.Errorf("HugePageSizeName(%d) = %v, want ErrRange", bad, err)
		}
	}
	for _, bad := range []string{"", "MB", "2M", "2Mi", "+2MB", "-2MB", "0MB", "2 MB", "99999999999999999999PB", "20000000PB"} {
		if _, err := ParseHugePageSizeName(bad); err == nil {
			t.Errorf("ParseHugePageSizeName(%q) succeeded", bad)
		}
	}
}

func TestHugePageResourceName(t *testing.T) {
	for size, want := range map[uint64]string{2097152: "hugepages-2Mi", 1073741824: "hugepages-1Gi", 65536: "hugepages-64Ki", 1000: "hugepages-1000"} {
		if got := HugePageResourceName(size); got != want {
			t.Errorf("HugePageResourceName(%d) = %q, want %q", size, got, want)
		}
	}
	for name, want := range map[string]uint64{"hugepages-2Mi": 2097152, "hugepages-1Gi": 1073741824, "hugepages-2097152": 2097152, "hugepages-2M": 2000000, "hugepages-1k": 1000} {
		if got, err := ParseHugePageResourceName(name); err != nil || got != want {
			t.Errorf("ParseHugePageResourceName(%q) = %d, %v; want %d", name, got, err, want)
		}
	}
	for _, bad := range []string{"2Mi", "hugepages-", "hugepages-2MB", "hugepages-1GB", "hugepages-0", "hugepages-1.5Mi", "hugepages-+2Mi", "hugepages-99999Ei"} {
		if _, err := ParseHugePageResourceName(bad); err == nil {
			t.Errorf("ParseHugePageResourceName(%q) succeeded", bad)
		}
	}
}

func TestHugetlbFilesAndRounding(t *testing.T) {
	if got := HugetlbLimitFile("2MB", CgroupV1); got != "hugetlb.2MB.limit_in_bytes" {
		t.Error(got)
	}
	if got := HugetlbLimitFile("1GB", CgroupV2); got != "hugetlb.1GB.max" {
		t.Error(got)
	}
	if got := HugetlbRsvdLimitFile("2MB", CgroupV1); got != "hugetlb.2MB.rsvd.limit_in_bytes" {
		t.Error(got)
	}
	if got := HugetlbRsvdLimitFile("2MB", CgroupV2); got != "hugetlb.2MB.rsvd.max" {
		t.Error(got)
	}
	const twoMB, oneGB = 2097152, 1073741824
	tests := []struct {
		bytes int64
		size  uint64
		want  int64
	}{
		{4194304, twoMB, 4194304},
		{5000000, twoMB, 4194304},
		{2097151, twoMB, 0},
		{3 * gi / 2, oneGB, gi},
		{HugetlbUnlimitedTier, twoMB, HugetlbUnlimitedTier},
		{HugetlbUnlimitedTier, oneGB, HugetlbUnlimitedTier},
	}
	for _, tt := range tests {
		if got := RoundDownToHugePages(tt.bytes, tt.size, 4096); got != tt.want {
			t.Errorf("RoundDownToHugePages(%d, %d) = %d, want %d", tt.bytes, tt.size, got, tt.want)
		}
	}
	// v1 read-back when unlimited on x86_64: PAGE_COUNTER_MAX pages rounded
	// down to whole huge pages (mm/hugetlb_cgroup.c: hugetlb_cgroup_init),
	// read back in bytes (hugetlb_cgroup_read_u64).
	if got := HugetlbUnlimited(twoMB, CgroupV1, 4096); got != "9223372036852678656" {
		t.Errorf("2MB unlimited = %s", got)
	}
	if got := HugetlbUnlimited(oneGB, CgroupV1, 4096); got != "9223372035781033984" {
		t.Errorf("1GB unlimited = %s", got)
	}
	if got := HugetlbUnlimited(twoMB, CgroupV2, 4096); got != "max" {
		t.Errorf("v2 unlimited = %s", got)
	}
	if got := FormatHugetlb(HugetlbUnlimitedTier, twoMB, CgroupV2, 4096); got != "4611686018427387904" {
		t.Errorf("2^62 on v2 = %s", got)
	}
	if got := FormatHugetlb(-1, twoMB, CgroupV1, 0); got != "9223372036852678656" {
		t.Errorf("-1 on v1 = %s", got)
	}
	if got := FormatHugetlb(9223372036854775807, twoMB, CgroupV2, 4096); got != "max" {
		t.Errorf("huge on v2 = %s", got)
	}
	if got := FormatHugetlb(0, twoMB, CgroupV2, 4096); got != "0" {
		t.Errorf("0 on v2 = %s", got)
	}
}

func TestCPUSet(t *testing.T) {
	tests := []struct {
		in   string
		want string
		size int
	}{
		{"", "", 0},
		{"\n", "", 0},
		{"0-3\n", "0-3", 4},
		{"3,0-2", "0-3", 4},
		{"0,1,2,3", "0-3", 4},
		{"0-1,5,7-8", "0-1,5,7-8", 5},
		{"5-7,6-9", "5-9", 5},
		{"1", "1", 1},
		{"2-2", "2", 1},
	}
	for _, tt := range tests {
		got, err := ParseCPUSet(tt.in)
		if err != nil || got.String() != tt.want || got.Size() != tt.size {
			t.Errorf("ParseCPUSet(%q) = %q (size %d), %v; want %q (%d)", tt.in, got, got.Size(), err, tt.want, tt.size)
		}
	}
	a, _ := ParseCPUSet("0-3")
	b, _ := ParseCPUSet("3,2,1,0")
	c, _ := ParseCPUSet("0-2")
	if !a.Equal(b) || a.Equal(c) {
		t.Error("Equal is wrong")
	}
	for _, bad := range []string{"a", "1-", "-1", "3-1", "1,,2", "0-99999999", "1 ", " 1", "1\r\n", "+1"} {
		if _, err := ParseCPUSet(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseCPUSet(%q) = %v, want ErrSyntax", bad, err)
		}
	}
}
