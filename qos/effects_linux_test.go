//go:build linux

package qos

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/cgtest"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
)

// TestRealKernelEffects writes what the kubelet and runc write for a
// Guaranteed pod with a 50m CPU and 32Mi memory limit into throwaway v1
// cgroups, runs a spinning loop and a 64 MiB dd in the container, and
// requires Effects, reading the kernel's counters twice 2 s apart, to
// find the container cpu-throttled in most periods of the window at its
// 5000 us quota (its own limit) and oom-killed at 32Mi (the container's
// limit or the pod's equal sum).
func TestRealKernelEffects(t *testing.T) {
	for _, tool := range []string{"/bin/sh", "/bin/dd"} {
		if _, err := os.Stat(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	mounts := map[string]string{}
	for _, c := range []string{"cpu", "cpuacct", "memory", "pids"} {
		mounts[c] = cgtest.V1Controller(t, c)
	}
	x := expectFor(t, v1Profile, mkPod("web", []corev1.Container{podtest.Container("app", "", "", "cpu=50m,memory=32Mi")}, running(idWeb)))
	pe := x.Pod("uid-web")
	root := "/" + cgtest.UniqueName(t, "effects")
	pod := root + "/kubepods/poduid-web"
	ctrPath := pod + "/" + idWeb
	for _, cg := range []string{root + "/kubepods", root + "/kubepods/burstable", root + "/kubepods/besteffort", pod, ctrPath} {
		for _, mnt := range mounts {
			cgtest.Mkdir(t, filepath.Join(mnt, cg))
		}
	}
	// The values the expectation computes, written where they belong.
	for cg, ec := range map[string]*ExpectedCgroup{pod: pe.Cgroup(cgroupfs.LevelPod, "", ""), ctrPath: pe.Cgroup(cgroupfs.LevelContainer, ContainerApp, "app")} {
		for _, file := range []string{"cpu.cfs_period_us", "cpu.cfs_quota_us", "memory.limit_in_bytes"} {
			ctrl := "cpu"
			if file == "memory.limit_in_bytes" {
				ctrl = "memory"
			}
			cgtest.Write(t, filepath.Join(mounts[ctrl], cg, file), ec.Files[file].Accept[0])
		}
	}

	cgtest.StartIn(t, mounts, ctrPath, "read x; while :; do :; done")
	_, dd := cgtest.StartIn(t, mounts, ctrPath, "read x; exec /bin/dd if=/dev/zero of=/dev/null bs=64M count=1")
	select {
	case <-dd:
	case <-time.After(10 * time.Second):
		t.Fatal("dd still runs after 10 s under a 32 MiB limit")
	}

	fsys, err := cgroupfs.NewDefaultFS()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	read := func() Sample {
		n, err := fsys.Node(cgroupfs.NodeOptions{CgroupRoot: root, Counters: true, Files: x.Files()})
		if err != nil {
			t.Fatal(err)
		}
		return Sample{Node: n, At: time.Now()}
	}
	var thr, oom *Effect
	// A window in which the spinner hardly ran (other tests' processes
	// holding both CPUs) counts few periods: such a window proves
	// nothing, and is taken again, up to three times.
	for try := 1; try <= 3; try++ {
		before := read()
		time.Sleep(2 * time.Second)
		r := Effects(x, read(), EffectsOptions{Before: &before})
		thr, oom = nil, nil
		for i := range r.Effects {
			e := &r.Effects[i]
			t.Logf("window %d: %s %s %s: %s", try, e.Reason, e.Level, e.Container, e.Message)
			if e.Level == cgroupfs.LevelContainer && e.Reason == EffectCPUThrottled {
				thr = e
			}
			if e.Level == cgroupfs.LevelContainer && e.Reason == EffectOOMKilled {
				oom = e
			}
		}
		if thr != nil && thr.Figures.Periods >= 10 {
			break
		}
	}
	// 2 s of 100 ms periods: about 20, nearly all throttled; usage stays
	// near 0.05 CPU.
	if thr == nil || thr.Figures.Since != "window" || thr.Figures.Periods < 10 || thr.Figures.ThrottledPercent <= 50 ||
		thr.LimitOf != cgroupfs.LevelContainer || thr.Limit.Value != "5000" || thr.Limit.Source != SourceContainerLimit || thr.Figures.UsageCPUs > 0.1 {
		t.Errorf("cpu-throttled: %+v", thr)
	}
	// The kill happened before the window: since start only.
	if oom != nil {
		t.Errorf("an OOM kill inside the window: %+v", oom)
	}
	r := Effects(x, read(), EffectsOptions{})
	for i := range r.Effects {
		if e := &r.Effects[i]; e.Level == cgroupfs.LevelContainer && e.Reason == EffectOOMKilled {
			oom = e
		}
	}
	// The pod's limit is the same 32Mi: the kernel charges the container
	// first, then the pod (mm/page_counter.c), and either may be the one
	// that refuses, depending on what else the pod's counter holds (the
	// per-CPU charge stock, pages charged before the processes moved).
	if oom == nil || oom.Figures.OOMKills < 1 || oom.Figures.LimitBytes != 32<<20 ||
		!(oom.LimitOf == cgroupfs.LevelContainer && oom.Limit.Source == SourceContainerLimit) && !(oom.LimitOf == cgroupfs.LevelPod && oom.Limit.Source == SourcePodSum) {
		t.Errorf("oom-killed: %+v", oom)
	} else {
		t.Logf("oom-killed: %s", oom.Message)
	}
}
