package qos_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/treegen"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// fileValue rewrites every file of one name (at one level when l is not
// empty).
func fileValue(l cgroupfs.Level, name, value string) treegen.Options {
	return treegen.Options{Value: func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation, file string, ef qos.ExpectedFile) (string, bool) {
		if file == name && (l == "" || cg.Level == l) {
			return value, true
		}
		return "", false
	}}
}

func noteWith(r *qos.DiffReport, substrs ...string) bool {
	for _, n := range r.Notes {
		ok := true
		for _, s := range substrs {
			ok = ok && strings.Contains(n.Message, s)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestDiffUnverifiedPeriod: every cpu.cfs_period_us reads 50000 on a node
// whose kubelet configuration is not known. That rests on the assumed
// cpuCFSQuotaPeriod: unverified, not drift, with one note for the lot
// naming the setting and --node-config. Known, it is drift.
func TestDiffUnverifiedPeriod(t *testing.T) {
	s := scenario{pods: nodePods(), profile: v1Profile(), tree: fileValue("", "cpu.cfs_period_us", "50000")}
	r := s.run(t)
	if r.Summary.Drift == 0 || r.Summary.Unverified != 0 {
		t.Fatalf("with the kubelet configuration known, a 50 ms period is drift: %+v", r.Summary)
	}
	s.opts.Guessed = qos.KubeletGuesses()
	r = s.run(t)
	if r.Summary.Unexplained() != 0 || r.Summary.Unverified == 0 {
		t.Fatalf("with the kubelet configuration assumed, want unverified only: %+v\n%s", r.Summary, dump(r))
	}
	got := one(t, r, "guaranteed", "app", "cpu.cfs_period_us")
	if got.Status != qos.StatusUnverified || got.Input != qos.InputCPUCFSQuotaPeriod || got.Reason != qos.ReasonKubeletConfigUnknown || !strings.Contains(got.Message, "--node-config") {
		t.Errorf("period reported as %+v", got)
	}
	if !noteWith(r, "every cpu.cfs_period_us", `reads "50000"`, "cpuCFSQuotaPeriod=50ms? give --node-config") {
		t.Errorf("no grouped note for the period: %+v", r.Notes)
	}
	n := 0
	for _, note := range r.Notes {
		if strings.Contains(note.Message, "cpu.cfs_period_us") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d notes about cpu.cfs_period_us, want one for the shared cause", n)
	}
}

// TestDiffUnverifiedNotHiding: an assumed kubelet configuration does not
// hide a quota that differs under the expected period, nor a memory limit.
func TestDiffUnverifiedNotHiding(t *testing.T) {
	s := scenario{pods: nodePods(), profile: v1Profile(), opts: qos.DiffOptions{Guessed: qos.KubeletGuesses()},
		tree: withValues(map[string]string{"guaranteed/app/cpu.cfs_quota_us": "60000", "guaranteed/app/memory.limit_in_bytes": "268435456"})}
	r := s.run(t)
	for _, f := range []string{"cpu.cfs_quota_us", "memory.limit_in_bytes"} {
		if got := one(t, r, "guaranteed", "app", f); got.Status != qos.StatusDrift {
			t.Errorf("%s: %s, want drift", f, got.Status)
		}
	}
	if r.Summary.Unverified != 0 {
		t.Errorf("unverified: %+v", r.Summary)
	}
}

// TestDiffUnverifiedCapacity: an assumed memory capacity makes a kubepods
// memory.max that differs unverified, naming capacity.memory and the flag.
func TestDiffUnverifiedCapacity(t *testing.T) {
	s := scenario{pods: nodePods(), profile: v2Profile(), tree: fileValue(cgroupfs.LevelKubepods, "memory.max", "8589934592"),
		opts: qos.DiffOptions{Guessed: []qos.Guess{qos.CapacityGuess(qos.InputMemoryCapacity, qos.ReasonCapacityUnknown)}}}
	r := s.run(t)
	got := level(t, r, cgroupfs.LevelKubepods, "memory.max")
	if got.Status != qos.StatusUnverified || got.Input != qos.InputMemoryCapacity || !strings.Contains(got.Message, "--node-capacity memory=N") {
		t.Errorf("kubepods memory.max reported as %+v", got)
	}
	if r.Summary.Unverified != 1 || r.Summary.Unexplained() != 0 {
		t.Errorf("summary %+v\n%s", r.Summary, dump(r))
	}
	if !noteWith(r, "the kubepods memory.max reads", "--node-capacity memory=N") {
		t.Errorf("no note: %+v", r.Notes)
	}
}

// checkTree is a live tree made from nodePods under p, with its files
// rewritten by opts.
func checkTree(t *testing.T, p qos.Profile, opts treegen.Options) *cgroupfs.FS {
	t.Helper()
	pods := nodePods()
	for _, pod := range pods {
		if err := p.DefaultPod(pod); err != nil {
			t.Fatal(err)
		}
	}
	x, err := qos.Expect(pods, p)
	if err != nil {
		t.Fatal(err)
	}
	files, err := treegen.Files(x, opts)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	mode := cgroupfs.ModeUnified
	if p.CgroupVersion == convert.CgroupV1 {
		mode = cgroupfs.ModeLegacy
	}
	fsys, err := cgroupfs.NewTreeFS(m, cgroupfs.TreeOptions{Mode: mode, PageSizeBytes: p.Machine.PageSize})
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

// TestCheckInfersCapacity: a tree whose machine is not known (4 CPUs,
// 16 GiB, 32768 pids, where the defaults say 8 CPUs and 32 GiB) proves
// its CPU count (kubepods cpuset.cpus) and, with no kubelet
// configuration, its allocatable memory and pids (kubepods limits): every
// kubepods value matches, and the capacity is marked inferred.
func TestCheckInfersCapacity(t *testing.T) {
	for _, p := range []qos.Profile{v1Profile(), v2Profile()} {
		t.Run(p.CgroupVersion.String(), func(t *testing.T) {
			res, err := qos.Check(qos.CheckOptions{Tree: checkTree(t, p, treegen.Options{}), Pods: nodePods(), Now: readAt})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Report
			if r.Summary.Unexplained() != 0 || r.Summary.Unverified != 0 {
				t.Errorf("summary %+v\n%s", r.Summary, dump(r))
			}
			if src := r.ProfileSources["capacity"]; !strings.HasPrefix(src, qos.SourceInferred) || !strings.Contains(src, "cpu 4 from kubepods cpuset.cpus") {
				t.Errorf("capacity source %q", src)
			}
			c := res.Profile.Machine.Capacity
			if q := c[corev1.ResourceMemory]; q.Cmp(resource.MustParse("16Gi")) != 0 {
				t.Errorf("memory capacity %s, want 16Gi from kubepods", q.String())
			}
		})
	}
}

// TestCheckUnverifiedCapacity: with the kubelet configuration known (so
// its reservations are) and the machine not, kubepods memory.max is not
// inferred: it differs from the default 32 GiB, which is unverified and
// leaves no unexplained difference (the CLI's exit status 0).
func TestCheckUnverifiedCapacity(t *testing.T) {
	p := v2Profile()
	res, err := qos.Check(qos.CheckOptions{Tree: checkTree(t, p, treegen.Options{}), Pods: nodePods(), Now: readAt,
		Facts: qos.Facts{KubeletConfig: []byte(`{"kubeletconfig": {}}`), KubeletSource: "configz"}})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	got := level(t, r, cgroupfs.LevelKubepods, "memory.max")
	if got.Status != qos.StatusUnverified || got.Input != qos.InputMemoryCapacity || got.Reason != qos.ReasonCapacityUnknown {
		t.Errorf("kubepods memory.max reported as %+v", got)
	}
	if r.Summary.Unexplained() != 0 {
		t.Errorf("summary %+v\n%s", r.Summary, dump(r))
	}
}

// TestCheckUncertainPID: a pid capacity from the snapshot pod's pid_max
// (a guess the caller marks) that the kubepods pids.max contradicts is
// unverified, naming the input and how to supply it.
func TestCheckUncertainPID(t *testing.T) {
	p := v2Profile()
	guess := qos.Guess{Input: qos.InputPIDCapacity, Reason: qos.ReasonCapacityUncertain, Supply: "--node-capacity pids=N"}
	res, err := qos.Check(qos.CheckOptions{Tree: checkTree(t, p, treegen.Options{}), Pods: nodePods(), Now: readAt,
		Facts: qos.Facts{Machine: &cgroupfs.MachineInfo{CPUs: 4, MemoryBytes: 16 << 30, PIDMax: 4194304}, MachineSource: "node-object, snapshot pod (pid)",
			KubeletConfig: []byte(`{"kubeletconfig": {}}`), KubeletSource: "configz", Guessed: []qos.Guess{guess}}})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	got := level(t, r, cgroupfs.LevelKubepods, "pids.max")
	if got.Status != qos.StatusUnverified || got.Input != qos.InputPIDCapacity || got.Reason != qos.ReasonCapacityUncertain || !strings.Contains(got.Message, "--node-capacity pids=N") {
		t.Errorf("kubepods pids.max reported as %+v", got)
	}
	if r.Summary.Unexplained() != 0 || r.Summary.Unverified != 1 {
		t.Errorf("summary %+v\n%s", r.Summary, dump(r))
	}
}

// TestCheckInfersCPUFromWeight: a 1.31 kubelet writes no kubepods
// cpuset.cpus; with neither the machine nor the kubelet configuration
// known, the allocatable CPU comes back from kubepods cpu.shares (v1) or
// cpu.weight (v2), so that value matches too.
func TestCheckInfersCPUFromWeight(t *testing.T) {
	for _, p := range []qos.Profile{v1Profile(), v2Profile()} {
		t.Run(p.CgroupVersion.String(), func(t *testing.T) {
			p.KubernetesVersion = "1.31"
			res, err := qos.Check(qos.CheckOptions{Tree: checkTree(t, p, treegen.Options{}), Pods: nodePods(), Now: readAt,
				Overrides: qos.Overrides{KubernetesVersion: "1.31"}})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Report
			if r.Summary.Unexplained() != 0 || r.Summary.Unverified != 0 {
				t.Errorf("summary %+v\n%s", r.Summary, dump(r))
			}
			if src := r.ProfileSources["capacity"]; !strings.Contains(src, "cpu 4000m from kubepods cpu.") {
				t.Errorf("capacity source %q", src)
			}
		})
	}
}
