package qos

import (
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	corev1 "k8s.io/api/core/v1"
)

// TestCgroupNames ports the naming vectors of
// pkg/kubelet/cm/cgroup_manager_linux_test.go (v1.37.2):
// TestCgroupNameToSystemd, TestCgroupNameToCgroupfs and friends.
func TestCgroupNames(t *testing.T) {
	tests := []struct {
		name              cgroupName
		systemd, cgroupfs string
	}{
		{nil, "/", "/"},
		{cgroupName{"Burstable"}, "/Burstable.slice", "/Burstable"},
		{cgroupName{"Burstable", "pod-123"}, "/Burstable.slice/Burstable-pod_123.slice", "/Burstable/pod-123"},
		{cgroupName{"kubepods"}, "/kubepods.slice", "/kubepods"},
		{cgroupName{"test", "a", "b"}, "/test.slice/test-a.slice/test-a-b.slice", "/test/a/b"},
	}
	for _, tt := range tests {
		if got := tt.name.render(cgroupfs.DriverSystemd); got != tt.systemd {
			t.Errorf("%v systemd: %s, want %s", tt.name, got, tt.systemd)
		}
		if got := tt.name.render(cgroupfs.DriverCgroupfs); got != tt.cgroupfs {
			t.Errorf("%v cgroupfs: %s, want %s", tt.name, got, tt.cgroupfs)
		}
	}
}

// TestPodAndContainerPaths covers the kubelet's driver rendering
// (CgroupName.ToSystemd/ToCgroupfs in pkg/kubelet/cm/cgroup_manager_linux.go,
// v1.37.2) and the runtimes' container naming (containerd getCgroupsPath,
// CRI-O internal/config/cgmgr, cri-dockerd GenerateExpectedCgroupParent)
// for both drivers, a custom cgroupRoot and the three runtimes.
func TestPodAndContainerPaths(t *testing.T) {
	const uid = "6c1a4e95-6bb6-11e6-bc26-28d2444e470d"
	tests := []struct {
		driver cgroupfs.Driver
		root   string
		cri    CRIRuntime
		class  corev1.PodQOSClass
		pod    string
		ctr    string
	}{
		{cgroupfs.DriverCgroupfs, "/", CRIContainerd, corev1.PodQOSGuaranteed, "/kubepods/pod" + uid, "/kubepods/pod" + uid + "/abc"},
		{cgroupfs.DriverCgroupfs, "/", CRIContainerd, corev1.PodQOSBurstable, "/kubepods/burstable/pod" + uid, "/kubepods/burstable/pod" + uid + "/abc"},
		{cgroupfs.DriverCgroupfs, "/", CRICRIO, corev1.PodQOSBestEffort, "/kubepods/besteffort/pod" + uid, "/kubepods/besteffort/pod" + uid + "/crio-abc"},
		{cgroupfs.DriverCgroupfs, "/custom", CRIDockerd, corev1.PodQOSBurstable, "/custom/kubepods/burstable/pod" + uid, "/custom/kubepods/burstable/pod" + uid + "/abc"},
		{cgroupfs.DriverSystemd, "/", CRIContainerd, corev1.PodQOSBurstable, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6c1a4e95_6bb6_11e6_bc26_28d2444e470d.slice", "/cri-containerd-abc.scope"},
		{cgroupfs.DriverSystemd, "/", CRICRIO, corev1.PodQOSGuaranteed, "/kubepods.slice/kubepods-pod6c1a4e95_6bb6_11e6_bc26_28d2444e470d.slice", "/crio-abc.scope"},
		{cgroupfs.DriverSystemd, "/custom", CRIDockerd, corev1.PodQOSBestEffort, "/custom.slice/custom-kubepods.slice/custom-kubepods-besteffort.slice/custom-kubepods-besteffort-pod6c1a4e95_6bb6_11e6_bc26_28d2444e470d.slice", "/docker-abc.scope"},
	}
	for _, tt := range tests {
		e := testEnv(t, func(p *Profile) {
			p.Kubelet.CgroupDriver, p.Kubelet.CgroupRoot, p.Runtime.CRI = tt.driver, tt.root, tt.cri
		})
		pod := e.podPath(tt.class, uid)
		if pod != tt.pod {
			t.Errorf("%s %s %s: pod %s, want %s", tt.driver, tt.root, tt.class, pod, tt.pod)
		}
		want := tt.ctr
		if tt.driver == cgroupfs.DriverSystemd {
			want = tt.pod + tt.ctr
		}
		if got := e.containerPath(pod, "abc"); got != want {
			t.Errorf("%s %s: container %s, want %s", tt.driver, tt.cri, got, want)
		}
	}
	if got := bareContainerID("containerd://0123abc"); got != "0123abc" {
		t.Errorf("bareContainerID: %s", got)
	}
}
