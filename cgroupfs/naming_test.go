package cgroupfs

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestPodUIDFromName(t *testing.T) {
	const uuid = "6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f"
	const uuid_ = "6f7e8d9c_0b1a_4c3d_8e5f_6a7b8c9d0e1f"
	tests := []struct {
		name string
		uid  string // "" means not a pod
	}{
		{"pod" + uuid, uuid},
		{"kubepods-pod" + uuid_ + ".slice", uuid},
		{"kubepods-burstable-pod" + uuid_ + ".slice", uuid},
		{"custom-kubepods-besteffort-pod" + uuid_ + ".slice", uuid},
		{"pod0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"}, // static pod: a hash
		{"podpod" + uuid, ""},                                                       // "pod" twice (IsPodCgroup: splitting must give two parts)
		{"pod", ""},                                                                 // no UID
		{"burstable", ""},                                                           // a tier
		{"kubepods-burstable.slice", ""},
		{"pod" + uuid_, ""}, // underscores only in the systemd form
		{"pod" + uuid + ".scope", ""},
		{"xpod" + uuid, ""},
		{"-.slice", ""},
		{".slice", ""},
		{"pod" + strings.Repeat("a", 129), ""},
	}
	for _, tt := range tests {
		uid, ok := podUIDFromName(tt.name)
		if ok != (tt.uid != "") || uid != tt.uid {
			t.Errorf("podUIDFromName(%q) = %q, %v; want %q", tt.name, uid, ok, tt.uid)
		}
	}
}

func TestContainerFromName(t *testing.T) {
	id := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name   string
		id     string
		naming Naming
		conmon bool
	}{
		{id, id, NamingBare, false},
		{"cri-containerd-" + id + ".scope", id, NamingContainerdScope, false},
		{"crio-" + id + ".scope", id, NamingCRIOScope, false},
		{"crio-" + id, id, NamingCRIO, false},
		{"docker-" + id + ".scope", id, NamingDockerScope, false},
		{"crio-conmon-" + id + ".scope", "", "", true},
		{"crio-conmon-" + id, "", "", true},
		{"cri-containerd-abc.scope", "abc", NamingContainerdScope, false}, // short IDs are fine with a prefix
		{id[:12], "", "", false},                                          // a bare name must be a full ID
		{strings.ToUpper(id), "", "", false},                              // IDs are lower-case hex
		{"cri-containerd-" + id, "", "", false},                           // the scope needs its suffix
		{"docker-" + id + "0.scope", "", "", false},                       // too long
		{"container", "", "", false},
		{"kubepods-burstable.slice", "", "", false},
		{"crio-.scope", "", "", false},
		{"system.slice", "", "", false},
	}
	for _, tt := range tests {
		gotID, naming, conmon := containerFromName(tt.name)
		if gotID != tt.id || naming != tt.naming || conmon != tt.conmon {
			t.Errorf("containerFromName(%q) = %q, %q, %v; want %q, %q, %v", tt.name, gotID, naming, conmon, tt.id, tt.naming, tt.conmon)
		}
		if gotID != "" && containerDirName(gotID, naming) != tt.name {
			t.Errorf("containerDirName(%q, %s) = %q, want %q", gotID, naming, containerDirName(gotID, naming), tt.name)
		}
	}
}

func TestSystemdNames(t *testing.T) {
	tests := []struct {
		root     string
		driver   Driver
		kubepods []string
	}{
		{"/", DriverCgroupfs, []string{"/kubepods"}},
		{"/", DriverSystemd, []string{"/kubepods.slice"}},
		{"/", "", []string{"/kubepods", "/kubepods.slice"}},
		{"/custom", DriverCgroupfs, []string{"/custom/kubepods"}},
		{"/custom", DriverSystemd, []string{"/custom.slice/custom-kubepods.slice", "/custom/kubepods.slice"}},
		{"/a/b-c", DriverSystemd, []string{"/a.slice/a-b_c.slice/a-b_c-kubepods.slice", "/a/b-c/kubepods.slice"}},
		{"/kubelet.slice", DriverSystemd, []string{"/kubelet.slice/kubelet-kubepods.slice", "/kubelet.slice/kubepods.slice"}},
		{"/system.slice/docker-1.scope/kubelet.slice", DriverSystemd, []string{
			"/kubelet.slice/kubelet-kubepods.slice",
			"/system.slice/docker-1.scope/kubelet.slice/kubepods.slice",
			"/system.slice/docker-1.scope/kubelet.slice/kubelet-kubepods.slice",
		}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.kubepods, kubepodsCandidates(tt.root, tt.driver)); diff != "" {
			t.Errorf("kubepodsCandidates(%q, %q) (-want +got):\n%s", tt.root, tt.driver, diff)
		}
	}
	h := newHierarchy("/custom.slice/custom-kubepods.slice", "")
	if h.cgroupRoot != "/custom" || h.driver != DriverSystemd ||
		h.tierPath(TierBurstable) != "/custom.slice/custom-kubepods.slice/custom-kubepods-burstable.slice" ||
		h.podName(TierBestEffort, "1-2") != "custom-kubepods-besteffort-pod1_2.slice" || h.podName(TierGuaranteed, "1-2") != "custom-kubepods-pod1_2.slice" {
		t.Errorf("systemd hierarchy: %+v", h)
	}
	h = newHierarchy("/x/y/kubepods", "")
	if h.cgroupRoot != "/x/y" || h.driver != DriverCgroupfs || h.tierPath(TierGuaranteed) != "/x/y/kubepods" || h.podName(TierBurstable, "1-2") != "pod1-2" {
		t.Errorf("cgroupfs hierarchy: %+v", h)
	}
	if got := systemdSlicePath(rootComponents("/")); got != "/" {
		t.Errorf("root slice path %q", got)
	}
}

func TestParsePath(t *testing.T) {
	const uid, uid_ = "6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f", "6f7e8d9c_0b1a_4c3d_8e5f_6a7b8c9d0e1f"
	id := strings.Repeat("ab", 32)
	tests := []struct {
		path string
		want PathInfo
		ok   bool
	}{
		{"/kubepods/burstable/pod" + uid + "/" + id, PathInfo{Driver: DriverCgroupfs, Kubepods: "/kubepods", Level: LevelContainer, Tier: TierBurstable, PodUID: uid, ContainerID: id, Naming: NamingBare}, true},
		{"/kubepods/pod" + uid, PathInfo{Driver: DriverCgroupfs, Kubepods: "/kubepods", Level: LevelPod, Tier: TierGuaranteed, PodUID: uid}, true},
		{"/kubepods/besteffort", PathInfo{Driver: DriverCgroupfs, Kubepods: "/kubepods", Level: LevelBestEffort}, true},
		{"/kubepods", PathInfo{Driver: DriverCgroupfs, Kubepods: "/kubepods", Level: LevelKubepods}, true},
		{"/custom/kubepods/pod" + uid + "/crio-" + id + "/container", PathInfo{Driver: DriverCgroupfs, Kubepods: "/custom/kubepods", Level: LevelContainer, Tier: TierGuaranteed, PodUID: uid, ContainerID: id, Naming: NamingCRIO}, true},
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid_ + ".slice/cri-containerd-" + id + ".scope",
			PathInfo{Driver: DriverSystemd, Kubepods: "/kubepods.slice", Level: LevelContainer, Tier: TierBurstable, PodUID: uid, ContainerID: id, Naming: NamingContainerdScope}, true},
		{"/system.slice/docker-1.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + uid_ + ".slice/docker-" + id + ".scope",
			PathInfo{Driver: DriverSystemd, Kubepods: "/system.slice/docker-1.scope/kubelet.slice/kubelet-kubepods.slice", Level: LevelContainer, Tier: TierBestEffort, PodUID: uid, ContainerID: id, Naming: NamingDockerScope}, true},
		{"/system.slice/containerd.service", PathInfo{}, false},
		{"kubepods/pod" + uid, PathInfo{}, false},
		{"/kubepods/weird", PathInfo{}, false},
		{"/kubepods/burstable/pod" + uid + "/debug", PathInfo{}, false},
		{"/kubepods//pod" + uid, PathInfo{}, false},
		{"/other-kubepods.slice", PathInfo{}, false}, // not inside other.slice
	}
	for _, tt := range tests {
		got, ok := ParsePath(tt.path)
		if ok != tt.ok {
			t.Errorf("ParsePath(%q) ok = %v", tt.path, ok)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParsePath(%q) (-want +got):\n%s", tt.path, diff)
		}
	}
}

// TestInterfaceFile checks the names a listing for child cgroups drops:
// the kernel's interface files, never a name the pod and container
// naming of any driver or runtime can produce.
func TestInterfaceFile(t *testing.T) {
	for _, n := range slices.Concat(DefaultFiles(1), DefaultFiles(2), []string{
		"cgroup.procs", "cgroup.controllers", "cpuacct.usage", "blkio.weight", "io.max", "tasks",
		"notify_on_release", "release_agent", "hugetlb.2MB.max", "memory.oom.group", "irq.pressure",
	}) {
		if !interfaceFile(n) || !interfaceFile([]byte(n)) {
			t.Errorf("interfaceFile(%q) = false, want true", n)
		}
	}
	for _, n := range []string{
		"pod0b5d3c9e-8f5a-4b6a-9a44-2f7b7c1c0a01", "kubepods-burstable-pod0b5d3c9e_8f5a_4b6a_9a44_2f7b7c1c0a01.slice",
		"kubepods", "kubepods.slice", "burstable", "kubepods-besteffort.slice",
		"cri-containerd-" + strings.Repeat("ab", 32) + ".scope", strings.Repeat("ab", 32),
		"crio-" + strings.Repeat("ab", 32) + ".scope", "crio-conmon-" + strings.Repeat("ab", 32) + ".scope",
		"docker-" + strings.Repeat("ab", 32) + ".scope", "container", "cpu", "tasks2", "memory", "",
	} {
		if interfaceFile(n) {
			t.Errorf("interfaceFile(%q) = true, want false", n)
		}
	}
}

// TestListChildrenFS checks the same filter on an fs.FS tree: regular
// interface files go, a directory named like one and any other file stay.
func TestListChildrenFS(t *testing.T) {
	fsys := fstest.MapFS{
		"k/cpu.max":      {Data: []byte("max 100000\n")},
		"k/tasks":        {},
		"k/pod2":         {},
		"k/cpu.dir/x":    {},
		"k/pod1/cpu.max": {},
	}
	for _, c := range []struct {
		mode listMode
		want []string
	}{
		{listAll, []string{"cpu.dir", "cpu.max", "pod1", "pod2", "tasks"}},
		{listChildren, []string{"cpu.dir", "pod1", "pod2"}},
	} {
		entries, err := ioDir{fsys, "k"}.list(c.mode)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("mode %d: %q, want %q", c.mode, got, c.want)
		}
	}
}
