package convert

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func ptr[T any](v T) *T { return &v }

// filesOf drops derivations so tables stay readable; derivations are
// checked separately.
func filesOf(fv []FileValue) map[string]string {
	m := map[string]string{}
	for _, f := range fv {
		m[f.Name] = f.Value
	}
	return m
}

// kubeletContainer returns what a v1.37.2 kubelet sends through containerd
// for a container with cpu 250m/1 and memory 256Mi/512Mi (swap = limit is
// containerd's default when the kubelet sends none).
func kubeletContainer(unified map[string]string) *specs.LinuxResources {
	return &specs.LinuxResources{
		CPU:            &specs.LinuxCPU{Shares: ptr[uint64](256), Quota: ptr[int64](100000), Period: ptr[uint64](100000)},
		Memory:         &specs.LinuxMemory{Limit: ptr[int64](512 * mi), Swap: ptr[int64](512 * mi)},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 0}},
		Unified:        unified,
	}
}

func TestOCIFiles(t *testing.T) {
	kubeletUnified := map[string]string{"memory.oom.group": "1", "memory.min": "0", "memory.low": "0", "memory.swap.max": "0"}
	tests := []struct {
		name string
		res  *specs.LinuxResources
		opts OCIOptions
		want map[string]string
	}{
		{
			name: "v1 runc kubelet container",
			res:  kubeletContainer(nil),
			opts: OCIOptions{Version: CgroupV1},
			want: map[string]string{
				"cpu.shares": "256", "cpu.cfs_quota_us": "100000", "cpu.cfs_period_us": "100000",
				"memory.limit_in_bytes": "536870912", "memory.memsw.limit_in_bytes": "536870912",
				"hugetlb.2MB.limit_in_bytes": "0",
			},
		},
		{
			name: "v2 quadratic kubelet container with default unified keys",
			res:  kubeletContainer(kubeletUnified),
			opts: OCIOptions{Version: CgroupV2, Formula: WeightQuadratic, HugetlbRsvd: true},
			want: map[string]string{
				"cpu.weight": "35", "cpu.max": "100000 100000", "memory.max": "536870912",
				"memory.swap.max": "0", "memory.oom.group": "1", "memory.min": "0", "memory.low": "0",
				"hugetlb.2MB.max": "0", "hugetlb.2MB.rsvd.max": "0",
			},
		},
		{
			name: "v2 linear",
			res:  kubeletContainer(nil),
			opts: OCIOptions{Version: CgroupV2, Formula: WeightLinear, Runtime: RuntimeCrun, HugetlbRsvd: true},
			want: map[string]string{
				"cpu.weight": "10", "cpu.max": "100000 100000", "memory.max": "536870912",
				"memory.swap.max": "0", "hugetlb.2MB.max": "0",
			},
		},
		{
			name: "v2 no limits: shares 2, period only",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: ptr[uint64](2), Period: ptr[uint64](100000)}},
			opts: OCIOptions{Version: CgroupV2, Formula: WeightQuadratic},
			want: map[string]string{"cpu.weight": "1", "cpu.max": "max 100000"},
		},
		{
			name: "v1 quota -1 with a custom period",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: ptr[uint64](1024), Quota: ptr[int64](-1), Period: ptr[uint64](50000)}},
			opts: OCIOptions{Version: CgroupV1},
			want: map[string]string{"cpu.shares": "1024", "cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "50000"},
		},
		{
			name: "v2 quota -1",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: ptr[int64](-1), Period: ptr[uint64](50000)}},
			opts: OCIOptions{Version: CgroupV2},
			want: map[string]string{"cpu.max": "max 50000"},
		},
		{
			name: "v2 quota without a period",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: ptr[int64](1500)}},
			opts: OCIOptions{Version: CgroupV2},
			want: map[string]string{"cpu.max": "1500 100000"},
		},
		{
			name: "v1 shares clamped by the kernel",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: ptr[uint64](300000)}},
			opts: OCIOptions{Version: CgroupV1},
			want: map[string]string{"cpu.shares": "262144"},
		},
		{
			name: "memory not page aligned (100M)",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](100000000), Swap: ptr[int64](100000000)}},
			opts: OCIOptions{Version: CgroupV1},
			want: map[string]string{"memory.limit_in_bytes": "99999744", "memory.memsw.limit_in_bytes": "99999744"},
		},
		{
			name: "64 KiB pages",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](100000000)}},
			opts: OCIOptions{Version: CgroupV2, PageSize: 65536},
			want: map[string]string{"memory.max": "99942400"},
		},
		{
			name: "v1 unlimited memory without swap",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-1)}},
			opts: OCIOptions{Version: CgroupV1},
			want: map[string]string{"memory.limit_in_bytes": "9223372036854771712", "memory.memsw.limit_in_bytes": "9223372036854771712"},
		},
		{
			name: "v2 unlimited memory without swap",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-1)}},
			opts: OCIOptions{Version: CgroupV2},
			want: map[string]string{"memory.max": "max", "memory.swap.max": "max"},
		},
		{
			name: "v1 without swap accounting",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](128 * mi), Swap: ptr[int64](128 * mi)}},
			opts: OCIOptions{Version: CgroupV1, NoSwapAccounting: true},
			want: map[string]string{"memory.limit_in_bytes": "134217728"},
		},
		{
			name: "v2 swap above memory",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](128 * mi), Swap: ptr[int64](192 * mi), Reservation: ptr[int64](64 * mi)}},
			opts: OCIOptions{Version: CgroupV2},
			want: map[string]string{"memory.max": "134217728", "memory.swap.max": "67108864", "memory.low": "67108864"},
		},
		{
			name: "runc leaves an explicit swap 0 alone",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](128 * mi), Swap: ptr[int64](0)}},
			opts: OCIOptions{Version: CgroupV2},
			want: map[string]string{"memory.max": "134217728"},
		},
		{
			name: "crun writes an explicit swap 0",
			res:  &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](128 * mi), Swap: ptr[int64](0)}},
			opts: OCIOptions{Version: CgroupV2, Runtime: RuntimeCrun},
			want: map[string]string{"memory.max": "134217728", "memory.swap.max": "0"},
		},
		{
			name: "runc pids 0 becomes 1",
			res:  &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](0)}},
			opts: OCIOptions{Version: CgroupV2},
			want: map[string]string{"pids.max": "1"},
		},
		{
			name: "crun skips pids 0",
			res:  &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](0)}},
			opts: OCIOptions{Version: CgroupV2, Runtime: RuntimeCrun},
			want: map[string]string{},
		},
		{
			name: "pids -1 and 1024",
			res:  &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](-1)}},
			opts: OCIOptions{Version: CgroupV1},
			want: map[string]string{"pids.max": "max"},
		},
		{
			name: "hugetlb rounding and rsvd on v1",
			res:  &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 5000000}, {Pagesize: "1GB", Limit: 1 << 30}}},
			opts: OCIOptions{Version: CgroupV1, HugetlbRsvd: true},
			want: map[string]string{
				"hugetlb.2MB.limit_in_bytes": "4194304", "hugetlb.2MB.rsvd.limit_in_bytes": "4194304",
				"hugetlb.1GB.limit_in_bytes": "1073741824", "hugetlb.1GB.rsvd.limit_in_bytes": "1073741824",
			},
		},
		{
			name: "cpusets are normalised",
			res:  &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "3,0-2", Mems: "0"}},
			opts: OCIOptions{Version: CgroupV2},
			want: map[string]string{"cpuset.cpus": "0-3", "cpuset.mems": "0"},
		},
		{
			name: "unified overrides and is normalised",
			res: &specs.LinuxResources{
				CPU:     &specs.LinuxCPU{Shares: ptr[uint64](1024), Quota: ptr[int64](100000), Period: ptr[uint64](50000)},
				Memory:  &specs.LinuxMemory{Limit: ptr[int64](gi)},
				Unified: map[string]string{"cpu.max": "25000", "memory.high": "1000000000\n", "cpu.weight": "7", "memory.max": "max"},
			},
			opts: OCIOptions{Version: CgroupV2, Formula: WeightLinear},
			want: map[string]string{"cpu.weight": "7", "cpu.max": "25000 50000", "memory.max": "max", "memory.high": "999997440"},
		},
		{
			name: "nil resources",
			res:  nil,
			opts: OCIOptions{Version: CgroupV2},
			want: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OCIFiles(tt.res, tt.opts)
			if err != nil {
				t.Fatalf("OCIFiles: %v", err)
			}
			if diff := cmp.Diff(tt.want, filesOf(got)); diff != "" {
				t.Errorf("OCIFiles mismatch (-want +got):\n%s", diff)
			}
			for i, f := range got {
				if f.Derivation == "" {
					t.Errorf("%s has no derivation", f.Name)
				}
				if i > 0 && got[i-1].Name >= f.Name {
					t.Errorf("files not sorted: %s before %s", got[i-1].Name, f.Name)
				}
			}
		})
	}
}

func TestOCIFilesDerivations(t *testing.T) {
	got, err := OCIFiles(kubeletContainer(nil), OCIOptions{Version: CgroupV2, Formula: WeightQuadratic})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"cpu.weight": "cpu.weight = quadratic(shares 256) = 35",
		"cpu.max":    "cpu.max = quota 100000 µs per period 100000 µs",
		"memory.max": "memory.max = 536870912",
	}
	for _, f := range got {
		if w, ok := want[f.Name]; ok && f.Derivation != w {
			t.Errorf("%s derivation = %q, want %q", f.Name, f.Derivation, w)
		}
	}
	got, err = OCIFiles(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](100000000)}}, OCIOptions{Version: CgroupV1})
	if err != nil {
		t.Fatal(err)
	}
	if d := got[0].Derivation; d != "memory.limit_in_bytes = 100000000 rounded down to 4096-byte pages = 99999744" {
		t.Errorf("derivation = %q", d)
	}
}

func TestOCIFilesErrors(t *testing.T) {
	tests := []struct {
		name    string
		res     *specs.LinuxResources
		opts    OCIOptions
		wantErr error
	}{
		{"unknown formula", kubeletContainer(nil), OCIOptions{Version: CgroupV2}, ErrUnknownFormula},
		{"unified on v1", kubeletContainer(map[string]string{"memory.min": "0"}), OCIOptions{Version: CgroupV1}, ErrUnifiedOnV1},
		{"no version", kubeletContainer(nil), OCIOptions{}, ErrRange},
		{"quota below 1 ms", &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: ptr[int64](500)}}, OCIOptions{Version: CgroupV2}, ErrRange},
		{"period too short", &specs.LinuxResources{CPU: &specs.LinuxCPU{Period: ptr[uint64](500)}}, OCIOptions{Version: CgroupV1}, ErrRange},
		{"period too long", &specs.LinuxResources{CPU: &specs.LinuxCPU{Period: ptr[uint64](2000000)}}, OCIOptions{Version: CgroupV2}, ErrRange},
		{"v1 swap below memory", &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](200), Swap: ptr[int64](100)}}, OCIOptions{Version: CgroupV1}, ErrSwapBelowMemory},
		{"v2 swap below memory", &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](200), Swap: ptr[int64](100)}}, OCIOptions{Version: CgroupV2}, ErrSwapBelowMemory},
		{"v2 swap without memory", &specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: ptr[int64](100)}}, OCIOptions{Version: CgroupV2}, ErrSwapWithoutMemoryLimit},
		{"negative memory", &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-2)}}, OCIOptions{Version: CgroupV2}, ErrRange},
		{"bad hugepage size", &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2Mi"}}}, OCIOptions{Version: CgroupV2}, ErrSyntax},
		{"bad cpuset", &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "3-1"}}, OCIOptions{Version: CgroupV2}, ErrSyntax},
		{"unified key with slash", &specs.LinuxResources{Unified: map[string]string{"../memory.max": "1"}}, OCIOptions{Version: CgroupV2}, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OCIFiles(tt.res, tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("OCIFiles error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestOCIRuntimeString(t *testing.T) {
	if RuntimeRunc.String() != "runc" || RuntimeCrun.String() != "crun" || OCIRuntime(9).String() != "OCIRuntime(9)" {
		t.Error("OCIRuntime.String is wrong")
	}
}
