package qos_test

import (
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestKubeletFacts(t *testing.T) {
	for _, tc := range []struct{ in, want, note string }{
		{"v1.37.2", "1.37", ""},
		{"v1.30.0-eks-1234", "1.30", ""},
		{"v1.38.0", "1.37", "nearest version modelled, 1.37"},
		{"v1.28.9", "1.30", "nearest version modelled, 1.30"},
		{"", "", "is not a version"},
	} {
		got, note := qos.KubeletMinor(tc.in)
		if got != tc.want || (note == nil) != (tc.note == "") || (note != nil && !strings.Contains(note.Message, tc.note)) {
			t.Errorf("KubeletMinor(%q) = %q, %+v; want %q, %q", tc.in, got, note, tc.want, tc.note)
		}
	}
	for in, want := range map[string]qos.CRIRuntime{"containerd://1.6.20": qos.CRIContainerd, "cri-o://1.30.1": qos.CRICRIO, "docker://24.0.7": qos.CRIDockerd, "remote://x": "", "": ""} {
		if got := qos.CRIFromRuntimeVersion(in); got != want {
			t.Errorf("CRIFromRuntimeVersion(%q) = %q, want %q", in, got, want)
		}
	}
	swap := int64(1 << 30)
	n := &corev1.Node{Status: corev1.NodeStatus{
		Capacity: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("2"),
			corev1.ResourceMemory: *resource.NewQuantity(25276026880, resource.BinarySI),
			"hugepages-2Mi":       resource.MustParse("0"),
			"hugepages-1Gi":       resource.MustParse("2Gi"),
			corev1.ResourcePods:   resource.MustParse("110"),
		},
		NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", ContainerRuntimeVersion: "containerd://2.1.0", Swap: &corev1.NodeSwapStatus{Capacity: &swap}},
	}}
	m := qos.MachineFromNode(n, &cgroupfs.MachineInfo{PIDMax: 4194304, ThreadsMax: 192729}, 0)
	if m.CPUs != 2 || m.MemoryBytes != 25276026880 || m.SwapBytes != 1<<30 || len(m.HugePageSizes) != 2 || m.HugePageSizes[0] != 2<<20 || m.PIDMax != 4194304 || m.ThreadsMax != 192729 {
		t.Errorf("machine %+v", m)
	}
	if m := qos.MachineFromNode(n, &cgroupfs.MachineInfo{PIDMax: 4194304, ThreadsMax: 192729}, 32768); m.PIDMax != 32768 || m.ThreadsMax != 192729 {
		t.Errorf("machine with maxpid %+v", m)
	}
	if m := qos.MachineFromNode(n, &cgroupfs.MachineInfo{PIDMax: 4194304, ThreadsMax: 1000}, 1000); m.PIDMax != 1000 || m.ThreadsMax != 1000 {
		t.Errorf("machine with maxpid = threads-max %+v", m)
	}
}
