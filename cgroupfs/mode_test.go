package cgroupfs

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// This host's mountinfo lines for cgroups (hybrid), plus co-mounted and
// escaped ones.
const sampleMountinfo = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime shared:9 master:2 - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
41 30 0:38 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio
42 30 0:39 / /sys/fs/cgroup/hugetlb\040pages rw - cgroup cgroup rw,hugetlb
50 22 0:40 / /mnt/other/cgroup rw - cgroup cgroup rw,cpuset
51 30 0:28 / /sys/fs/cgroup/cpu,cpuacct-long rw - cgroup cgroup rw,cpu,cpuacct
`

func TestMountinfo(t *testing.T) {
	mounts, err := parseMountinfo(strings.NewReader(sampleMountinfo))
	if err != nil {
		t.Fatal(err)
	}
	if len(mounts) != 11 || mounts[4].FSType != "cgroup" || mounts[4].SuperOptions != "rw,pids" || mounts[8].MountPoint != "/sys/fs/cgroup/hugetlb pages" {
		t.Errorf("parsed: %+v", mounts)
	}
	got := v1LayoutFromMounts(v1Mounts(mounts, "/sys/fs/cgroup"))
	want := map[string]string{
		"cpu": "cpu", "cpuacct": "cpuacct", // shortest of cpu and cpu,cpuacct-long, as the kubelet picks
		"memory": "memory", "pids": "pids", "net_cls": "net_cls,net_prio", "net_prio": "net_cls,net_prio",
		"hugetlb": "hugetlb pages",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("controllers (-want +got):\n%s", diff)
	}
	if got := v1Mounts(mounts, "/sys/fs/cgroup/memory"); len(got) != 1 || got["."][0] != "memory" {
		t.Errorf("a v1 mount point itself: %v", got)
	}
	for _, bad := range []string{
		"30 22 0:27 / /sys/fs/cgroup rw,relatime tmpfs tmpfs rw\n", // no separator
		"1 2 3\n",
		"30 22 0:27 / relative rw - tmpfs tmpfs rw\n",
	} {
		if _, err := parseMountinfo(strings.NewReader(bad)); err == nil {
			t.Errorf("parseMountinfo(%q): no error", bad)
		}
	}
}

func TestV1LayoutFromDirs(t *testing.T) {
	got := v1LayoutFromDirs([]string{"cpu,cpuacct", "cpu", "memory", "net_cls,net_prio", "name=systemd", "cpuset,cpu"})
	want := map[string]string{"cpu": "cpu", "cpuacct": "cpu,cpuacct", "memory": "memory", "net_cls": "net_cls,net_prio", "net_prio": "net_cls,net_prio", "cpuset": "cpuset,cpu"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestInferLayout checks the layouts a tree is recognised by.
func TestInferLayout(t *testing.T) {
	tests := []struct {
		name  string
		files []string // files; names ending in / are directories
		mode  Mode
		ctrl  map[string]string
		err   string
	}{
		{"v2 root", []string{"cgroup.controllers=cpu memory pids", "kubepods/"}, ModeUnified, map[string]string{"cpu": ".", "memory": ".", "pids": "."}, ""},
		{"hybrid", []string{"cpu,cpuacct/", "memory/", "unified/"}, ModeHybrid, map[string]string{"cpu": "cpu,cpuacct", "cpuacct": "cpu,cpuacct", "memory": "memory"}, ""},
		{"legacy", []string{"cpu/", "pids/", "systemd/"}, ModeLegacy, map[string]string{"cpu": "cpu", "pids": "pids"}, ""},
		{"one v1 hierarchy", []string{"tasks=", "memory.limit_in_bytes=1", "kubepods/memory.limit_in_bytes=1"}, ModeLegacy, map[string]string{"memory": "."}, ""},
		{"v1 files deep", []string{"a/b/kubepods/cpu.shares=2", "a/b/kubepods/pids.max=max"}, ModeLegacy, map[string]string{"cpu": ".", "pids": "."}, ""},
		{"v2 files deep", []string{"kubepods.slice/cpu.weight=1"}, ModeUnified, map[string]string{"cpu": ".", "memory": ".", "pids": ".", "cpuset": ".", "hugetlb": "."}, ""},
		{"mixed", []string{"x/cpu.weight=1", "x/cpu.shares=2"}, "", nil, "cannot tell"},
		{"nothing", []string{"a/b"}, "", nil, "cannot tell"},
		{"no value controller", []string{"devices/", "freezer/"}, "", nil, "no cgroup v1 controller"},
	}
	for _, tt := range tests {
		m := newMemFS()
		for _, f := range tt.files {
			if d, ok := strings.CutSuffix(f, "/"); ok {
				m.addDir(d, true)
				continue
			}
			name, data, _ := strings.Cut(f, "=")
			m.addFile(name, []byte(data))
		}
		m.freeze()
		l, err := inferLayout(ioDir{m, "."})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if l.mode != tt.mode {
			t.Errorf("%s: mode %s, want %s", tt.name, l.mode, tt.mode)
		}
		if diff := cmp.Diff(tt.ctrl, l.ctrl); diff != "" {
			t.Errorf("%s: controllers (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestParseDriver(t *testing.T) {
	for _, d := range []Driver{DriverCgroupfs, DriverSystemd} {
		if got, err := ParseDriver(string(d)); err != nil || got != d {
			t.Errorf("ParseDriver(%s) = %q, %v", d, got, err)
		}
	}
	for _, s := range []string{"", "Systemd", "systemd "} {
		if _, err := ParseDriver(s); err == nil {
			t.Errorf("ParseDriver(%q) accepted", s)
		}
	}
}
