//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
)

// TestLiveNodeEffects runs the node rig (containerd 1.6, kubelet config
// a: CFS quota on, 50 ms periods) with the pods of rig/pods-effects and
// reads what the kernel counts through the library: the pod spinning
// under a 50m limit must be cpu-throttled in more than half of its
// periods over a 5 s window, the pod allocating past its 32Mi limit must
// be oom-killed with that limit and its source, and the idle pod must
// have no effect at all. With -update it also captures the node, with
// its counters, into internal/demo/data/3-effects.
func TestLiveNodeEffects(t *testing.T) {
	dir, down := prepareRig(t, "rig")
	tearDownAtCleanup(t, down)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	env := []string{"KCG_E2E_PODS_DIR=" + filepath.Join(dir, "pods-effects")}
	if err := runScript(t, ctx, env, filepath.Join(dir, "up.sh"), "containerd1", "a"); err != nil {
		t.Fatalf("e2e: rig up: %v", err)
	}
	t.Logf("e2e: rig up in %s", time.Since(start).Round(100*time.Millisecond))
	renv, err := readEnvFile(filepath.Join(workDir(), "rig.env"))
	if err != nil {
		t.Fatal(err)
	}
	r := &nodeRig{env: renv}

	pods := r.kubeletPods(t)
	ids := map[string]string{} // pod name prefix -> container ID
	var podPtrs []*corev1.Pod
	for i := range pods {
		p := &pods[i]
		podPtrs = append(podPtrs, p)
		for _, cs := range p.Status.ContainerStatuses {
			_, id, _ := strings.Cut(cs.ContainerID, "://")
			ids[strings.SplitN(p.Name, "-", 2)[0]] = id
		}
	}
	for _, name := range []string{"spin", "oom", "idle"} {
		if ids[name] == "" {
			t.Fatalf("e2e: no container ID for pod %s in /pods", name)
		}
	}
	configz := fetch(t, r.env["KUBELET_CONFIGZ_URL"])

	fsys, err := cgroupfs.NewDefaultFS()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	p := qos.DefaultProfile()
	if err := p.LoadKubeletConfiguration(configz); err != nil {
		t.Fatal(err)
	}
	p.CgroupVersion = fsys.Mode().Version()
	if p.Runtime.OCI, err = qos.ParseOCIRuntime("runc-" + strings.SplitN(r.env["RUNC_VERSION"], "+", 2)[0]); err != nil {
		t.Fatal(err)
	}
	for _, pod := range podPtrs {
		if err := p.DefaultPod(pod); err != nil {
			t.Fatal(err)
		}
	}
	x, err := qos.Expect(podPtrs, p)
	if err != nil {
		t.Fatal(err)
	}
	opts := cgroupfs.NodeOptions{Counters: true, Files: x.Files()}
	read := func() qos.Sample {
		t.Helper()
		n, err := fsys.Node(opts)
		if err != nil {
			t.Fatal(err)
		}
		return qos.Sample{Node: n, At: time.Now()}
	}

	// The first dd runs as the container starts; wait for its kill.
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, c := read().Node.Container(ids["oom"])
		if c != nil {
			if k, ok := c.Counters().OOMKills(); ok && k > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("e2e: no OOM kill counted in the oom pod's container after 60 s")
		}
		time.Sleep(time.Second)
	}

	// A 5 s sample, as "diff --sample 5s" takes it: two reads of the
	// live counters, 5 s apart (qos.ReadEffects).
	nowNode, window, err := qos.ReadEffects(qos.ReadEffectsOptions{Tree: fsys, Read: opts, Expectation: x, Effects: qos.EffectsOptions{Window: 5 * time.Second, Wait: qos.WaitContext(ctx)}})
	if err != nil {
		t.Fatal(err)
	}
	now := qos.Sample{Node: nowNode, At: window.At}
	sinceStart := qos.Effects(x, now, qos.EffectsOptions{})
	for _, rep := range []*qos.EffectReport{window, sinceStart} {
		for _, e := range rep.Effects {
			t.Logf("e2e: %s %s %s: %s", e.Reason, e.Pod, e.Container, e.Message)
		}
		for _, n := range rep.Notes {
			t.Logf("e2e: note %s: %s", n.Reason, n.Message)
		}
	}

	find := func(rep *qos.EffectReport, pod string, reason qos.Reason) *qos.Effect {
		for i := range rep.Effects {
			e := &rep.Effects[i]
			if strings.HasPrefix(e.Pod, "default/"+pod+"-") && e.Level == cgroupfs.LevelContainer && e.Reason == reason {
				return e
			}
		}
		return nil
	}

	// Spin: 50m = 2500 us per 50000 us period; a spinning loop uses its
	// quota early in every period.
	thr := find(window, "spin", qos.EffectCPUThrottled)
	switch {
	case thr == nil:
		t.Error("e2e: the spin pod is not cpu-throttled over the window")
	case thr.Figures.Since != "window" || thr.Figures.ThrottledPercent <= 50 || thr.Figures.Periods < 50 || window.WindowSeconds < 5 ||
		!strings.Contains(thr.Message, " periods over 5"):
		t.Errorf("e2e: spin: %+v, want more than half of at least 50 periods (5 s of 50 ms) throttled", thr.Figures)
	case thr.LimitOf != cgroupfs.LevelContainer || thr.Limit == nil || thr.Limit.Value != "2500" || thr.Limit.Source != qos.SourceContainerLimit || thr.Figures.LimitCPUs != 0.05:
		t.Errorf("e2e: spin limit: %s %+v, want the container's 2500 us quota", thr.LimitOf, thr.Limit)
	default:
		t.Logf("e2e: spin throttled in %.1f%% of %d periods over %.2f s, %.2f s throttled, usage %.3f CPU",
			thr.Figures.ThrottledPercent, thr.Figures.Periods, window.WindowSeconds, thr.Figures.ThrottledSeconds, thr.Figures.UsageCPUs)
		if thr.Figures.UsageCPUs > 0.08 {
			t.Errorf("e2e: spin used %.3f CPU under a 50m limit", thr.Figures.UsageCPUs)
		}
	}
	// The counters are the kernel's: its own cpu.stat, read after, is
	// never below what the library read.
	if _, c := now.Node.Container(ids["spin"]); c != nil {
		raw, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", fsys.Controllers()["cpu"], c.Path, "cpu.stat"))
		if err != nil {
			t.Fatal(err)
		}
		later, err := cgroupfs.ParseCPUStat(string(raw), fsys.Mode().Version())
		if err != nil || later.ThrottledPeriods < c.Counters().CPU.ThrottledPeriods {
			t.Errorf("e2e: the kernel's cpu.stat %+v (%v) is behind the library's", later, err)
		}
	}

	// OOM: the kill, the 32Mi limit and where it comes from. The pod's
	// limit is the same 32Mi and also counts the pause process, so
	// either may be the one that refused the charge.
	oom := find(sinceStart, "oom", qos.EffectOOMKilled)
	switch {
	case oom == nil:
		t.Error("e2e: the oom pod is not oom-killed")
	case oom.Figures.OOMKills < 1 || oom.Figures.LimitBytes != 32<<20 || oom.Limit == nil:
		t.Errorf("e2e: oom: %+v %+v, want a kill at the 33554432-byte limit", oom.Figures, oom.Limit)
	case !(oom.LimitOf == cgroupfs.LevelContainer && oom.Limit.Source == qos.SourceContainerLimit) && !(oom.LimitOf == cgroupfs.LevelPod && oom.Limit.Source == qos.SourcePodSum):
		t.Errorf("e2e: oom: limit of %s from %s, want the container's own or the pod's sum", oom.LimitOf, oom.Limit.Source)
	default:
		t.Logf("e2e: oom: %d kills; the %s's limit %s (%s) was hit %d times; peak %d bytes",
			oom.Figures.OOMKills, oom.LimitOf, oom.Limit.Value, oom.Limit.Source, oom.Figures.LimitHits, oom.Figures.PeakBytes)
	}

	// Single-container pods: a finding of the container is not
	// reported again at its pod.
	for _, rep := range []*qos.EffectReport{window, sinceStart} {
		for _, e := range rep.Effects {
			if e.Level == cgroupfs.LevelPod && (strings.HasPrefix(e.Pod, "default/spin-") || strings.HasPrefix(e.Pod, "default/oom-")) {
				t.Errorf("e2e: %s reported at the pod %s too: %s", e.Reason, e.Pod, e.Message)
			}
		}
	}

	// Idle: nothing at any level, in either report.
	for _, rep := range []*qos.EffectReport{window, sinceStart} {
		for _, e := range rep.Effects {
			if strings.HasPrefix(e.Pod, "default/idle-") {
				t.Errorf("e2e: the idle pod has an effect: %s %s", e.Reason, e.Message)
			}
		}
	}

	if golden.Updating() {
		captureEffects(t, r, fsys, configz)
	}
}

// fetch GETs a rig URL (the kubelet's TLS port has a self-signed
// certificate) and checks the body is JSON.
func fetch(t *testing.T, url string) []byte {
	t.Helper()
	out, err := exec.Command("curl", "-sSfk", "--max-time", "10", url).Output()
	if err != nil {
		t.Fatalf("e2e: fetching %s: %v", url, err)
	}
	if !json.Valid(out) {
		t.Fatalf("e2e: %s is not JSON", url)
	}
	return out
}

// captureEffects stores the node with its counters, the pod list and
// the kubelet configuration in internal/demo/data/3-effects: a real node
// with a throttled and an OOM-killed pod, for a demo scenario.
func captureEffects(t *testing.T, r *nodeRig, fsys *cgroupfs.FS, configz []byte) {
	t.Helper()
	dest := filepath.Join(repoRoot(t), "internal", "demo", "data", "3-effects")
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	snap, err := cgroupfs.Capture(fsys, cgroupfs.CaptureOptions{
		Node:     cgroupfs.NodeOptions{Counters: true},
		Hostname: host, ToolVersion: "e2e TestLiveNodeEffects",
		Description: fmt.Sprintf("live-node rig, config %s, pods-effects (spin under 50m, oom under 32Mi, idle): kubelet %s, containerd %s, runc %s, cgroup v1 hybrid, cgroupfs driver; with the kernel's counters",
			r.env["CONFIG"], r.env["KUBELET_VERSION"], r.env["CONTAINERD_VERSION"], r.env["RUNC_VERSION"]),
		Machine: machineFacts(),
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dest, "node.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.WriteTarGz(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"pods.json": fetch(t, r.env["KUBELET_PODS_URL"]), "configz.json": configz} {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		pretty, _ := json.MarshalIndent(v, "", "  ")
		if err := os.WriteFile(filepath.Join(dest, name), append(pretty, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("e2e: captured the node with its counters into %s", dest)
}

// machineFacts reads the CPUs, memory and pid_max of this machine.
func machineFacts() *cgroupfs.MachineInfo {
	m := &cgroupfs.MachineInfo{CPUs: runtime.NumCPU()}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 2 && (fields[0] == "MemTotal:" || fields[0] == "SwapTotal:") {
				kb, _ := strconv.ParseInt(fields[1], 10, 64)
				if fields[0] == "MemTotal:" {
					m.MemoryBytes = kb * 1024
				} else {
					m.SwapBytes = kb * 1024
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/pid_max"); err == nil {
		m.PIDMax, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	return m
}
