package qos

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// TestEffectsOnCapturedRig reads the node the live-node effects test
// captured with its counters (internal/demo/data/3-effects: kubelet
// v1.37.2, containerd 1.6, runc 1.1.5, cgroup v1, 50 ms periods) and
// finds, since each cgroup started, the spin pod's container throttled
// at its 2500 us quota and the oom pod's dd killed at the pod's 32Mi,
// the sum of its container's limit, which the pause process's memory
// reaches first; the idle pod has nothing.
func TestEffectsOnCapturedRig(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(golden.RealNode(t), "..", "3-effects", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	s, err := cgroupfs.ReadSnapshot(bytes.NewReader(read("node.tar.gz")), cgroupfs.SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := ReadPods(bytes.NewReader(read("pods.json")), "pods.json")
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultProfile()
	if err := p.LoadKubeletConfiguration(read("configz.json")); err != nil {
		t.Fatal(err)
	}
	p.CgroupVersion = convert.CgroupV1
	for _, pod := range pods {
		if err := p.DefaultPod(pod); err != nil {
			t.Fatal(err)
		}
	}
	x, err := Expect(pods, p)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := s.FS()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	n, err := fsys.Node(cgroupfs.NodeOptions{Counters: true, Files: x.Files()})
	if err != nil {
		t.Fatal(err)
	}
	r := Effects(x, Sample{Node: n, At: s.Info.CapturedAt}, EffectsOptions{})
	got := map[string]*Effect{}
	for i := range r.Effects {
		e := &r.Effects[i]
		pod, _, _ := strings.Cut(strings.TrimPrefix(e.Pod, "default/"), "-")
		got[pod+"/"+string(e.Level)+"/"+string(e.Reason)] = e
		if pod == "idle" {
			t.Errorf("the idle pod has an effect: %s", e.Message)
		}
	}
	if e := got["spin/container/cpu-throttled"]; e == nil || e.Figures.ThrottledPercent <= 50 || e.Limit.Value != "2500" || e.Limit.Source != SourceContainerLimit || e.LimitOf != cgroupfs.LevelContainer {
		t.Errorf("spin: %+v", e)
	}
	if e := got["oom/container/oom-killed"]; e == nil || e.Figures.OOMKills < 1 || e.Figures.LimitBytes != 32<<20 || e.LimitOf != cgroupfs.LevelPod || e.Limit.Source != SourcePodSum {
		t.Errorf("oom: %+v", e)
	}
	// Single-container pods: the pod's quota and memory limit are the
	// container's (plus the pause process): each finding is reported
	// once, at the container, naming whose limit bit.
	for _, k := range []string{"spin/pod/cpu-throttled", "oom/pod/cpu-throttled", "oom/pod/oom-killed"} {
		if e := got[k]; e != nil {
			t.Errorf("%s reported at the pod too: %s", k, e.Message)
		}
	}
	if e := got["spin/container/cpu-throttled"]; e != nil && !strings.Contains(e.Message, "The pod's quota, the sum of its containers', was throttled with it") {
		t.Errorf("spin: the message does not say the pod's quota was throttled with it: %s", e.Message)
	}
	if len(r.Notes) != 0 {
		t.Errorf("notes: %+v", r.Notes)
	}
	checkEffectsGolden(t, "rig-effects.json", r)
}
