package qos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	resourcehelper "k8s.io/component-helpers/resource"
)

// cachePods reads every pod the repository's scenarios hold (resizes,
// exclusive CPUs, pod-level resources, overhead, DRA, init containers,
// sidecars...), and adds to each a twin: the same spec under another
// UID, without a resize in flight. Twins share file maps with the
// original where their inputs are equal, and must not pick up the
// original's resize explanations.
func cachePods(t *testing.T) []*corev1.Pod {
	t.Helper()
	var files []string
	for _, glob := range []string{"../testdata/expect/*.yaml", "../testdata/diff/*/pods.json"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	var pods []*corev1.Pod
	seen := map[types.UID]bool{}
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "kubelet-") {
			continue // kubelet configurations
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var got []*corev1.Pod
		if strings.HasSuffix(f, ".json") { // a recorded corev1.PodList
			var list corev1.PodList
			if err := json.Unmarshal(data, &list); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for i := range list.Items {
				got = append(got, &list.Items[i])
			}
		} else if got, err = ReadPods(bytes.NewReader(data), f); err != nil {
			t.Fatal(err)
		}
		for i, pod := range got {
			if seen[pod.UID] {
				continue // the same pod in two scenarios
			}
			seen[pod.UID] = true
			if pod.UID == "" { // a plain manifest: defaulted as the CLI does
				if err := DefaultProfile().DefaultPod(pod); err != nil {
					t.Fatal(err)
				}
				pod.UID = types.UID(f + "/" + pod.Name)
			}
			twin := pod.DeepCopy()
			twin.Name += "-twin"
			twin.UID += "-twin"
			twin.Status.Conditions = nil
			twin.Status.Resources = nil
			twin.Status.AllocatedResources = nil
			for _, list := range [][]corev1.ContainerStatus{twin.Status.InitContainerStatuses, twin.Status.ContainerStatuses} {
				for j := range list {
					list[j].AllocatedResources = nil
					list[j].Resources = nil
					list[j].ContainerID = ""
				}
			}
			pods = append(pods, got[i], twin)
		}
	}
	// Equal values written differently, and shares from a limit rather
	// than a request: the numbers match, the derivations do not, so the
	// cgroups must not share files.
	for i, c := range [][2]string{
		{"cpu=250m,memory=128Mi", "cpu=250m,memory=128Mi"},
		{"cpu=0.25,memory=134217728", "cpu=0.25,memory=134217728"},
		{"memory=128Mi", "cpu=250m,memory=128Mi"},
	} {
		pod := mkPod(fmt.Sprintf("notation-%d", i), []corev1.Container{podtest.Container("app", "", c[0], c[1])})
		pod.UID = types.UID(pod.Name)
		pods = append(pods, pod)
	}
	if len(pods) < 30 {
		t.Fatalf("only %d pods found", len(pods))
	}
	return pods
}

// TestSharedFilesEqualFresh checks that sharing file maps between equal
// cgroups changes nothing: for every scenario pod and its twin, under
// profiles that exercise each alternative (MemoryQoS off, exclusive
// CPUs, unknown formula, systemd rounding, v1, other runtimes), Expect
// equals an expectation that builds every cgroup's files afresh.
func TestSharedFilesEqualFresh(t *testing.T) {
	pods := cachePods(t)
	profiles := map[string]func(*Profile){
		"default":       nil,
		"v1":            func(p *Profile) { p.CgroupVersion = convert.CgroupV1 },
		"v1-systemd":    func(p *Profile) { p.CgroupVersion, p.Kubelet.CgroupDriver = convert.CgroupV1, cgroupfs.DriverSystemd },
		"systemd":       func(p *Profile) { p.Kubelet.CgroupDriver = cgroupfs.DriverSystemd },
		"static-cpu":    func(p *Profile) { p.Kubelet.CPUManagerPolicy = "static" },
		"unknown-oci":   func(p *Profile) { p.Runtime.OCI = OCIRuntime{Name: "unknown"} },
		"memoryqos-off": gates(GateMemoryQoS, false),
		"cri-dockerd":   func(p *Profile) { p.Runtime.CRI = CRIDockerd },
		"crio":          func(p *Profile) { p.Runtime.CRI = CRICRIO },
		"1.33":          func(p *Profile) { p.KubernetesVersion = "1.33" },
	}
	for name, mutate := range profiles {
		t.Run(name, func(t *testing.T) {
			p := DefaultProfile()
			if mutate != nil {
				mutate(&p)
			}
			shared, err := Expect(pods, p)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := expectFresh(pods, p)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(fresh, shared); d != "" {
				t.Errorf("shared files differ from fresh ones (-fresh +shared):\n%s", d)
			}
		})
	}
}

// expectFresh is Expect without the file cache: every cgroup's files
// are built afresh (the reference the cache is tested against).
func expectFresh(pods []*corev1.Pod, p Profile) (*Expectation, error) {
	return expectUnowned(pods, p, false)
}

// expectShared is Expect before it gives the result its own maps
// (Expectation.own): the file maps as the cache shares them.
func expectShared(pods []*corev1.Pod, p Profile) (*Expectation, error) {
	return expectUnowned(pods, p, true)
}

// expectUnowned computes the expectation as Expect does, with the file
// cache or without, and does not own the result.
func expectUnowned(pods []*corev1.Pod, p Profile, share bool) (*Expectation, error) {
	ex, err := NewExpecter(p)
	if err != nil {
		return nil, err
	}
	ex.share = share
	return ex.compute(pods)
}

// TestSharedFilesAreShared checks that the cache does share while the
// expectation is computed: two pods with equal specs point at the same
// file maps, and a pod whose resize is pending gets its own.
func TestSharedFilesAreShared(t *testing.T) {
	a := mkPod("a", []corev1.Container{podtest.Container("app", "", "cpu=250m,memory=128Mi", "cpu=500m,memory=256Mi")})
	b := a.DeepCopy()
	b.Name, b.UID = "b", "uid-b"
	c := a.DeepCopy()
	c.Name, c.UID = "c", "uid-c"
	c.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", AllocatedResources: podtest.ResourceList("cpu=100m,memory=128Mi")}}
	x, err := expectShared([]*corev1.Pod{a, b, c}, DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	// The same map, not two equal ones.
	same := func(m1, m2 map[string]ExpectedFile) bool {
		return len(m1) > 0 && reflect.ValueOf(m1).Pointer() == reflect.ValueOf(m2).Pointer()
	}
	pa, pb, pc := x.Pod(string(a.UID)), x.Pod("uid-b"), x.Pod("uid-c")
	for i := range pa.Cgroups {
		if !same(pa.Cgroups[i].Files, pb.Cgroups[i].Files) {
			t.Errorf("cgroup %d (%s %s): equal pods do not share their files", i, pa.Cgroups[i].Level, pa.Cgroups[i].ContainerType)
		}
	}
	app := pc.Cgroup(cgroupfs.LevelContainer, ContainerApp, "app")
	if same(app.Files, pa.Cgroup(cgroupfs.LevelContainer, ContainerApp, "app").Files) {
		t.Error("the resized pod shares the files of an unresized one")
	}
	if w := pa.Cgroup(cgroupfs.LevelContainer, ContainerApp, "app").Files["cpu.weight"]; len(w.Explained) != 0 && w.Explained[len(w.Explained)-1].Reason == ReasonResizePending {
		t.Error("the resize explanation leaked into the shared files")
	}
}

// TestAggregateKeyNormalisation checks the assumption of
// podInfo.aggregate: without spec.overhead, ExcludeOverhead changes
// nothing, and without spec.resources, SkipPodLevelResources changes
// nothing, for every scenario pod.
func TestAggregateKeyNormalisation(t *testing.T) {
	checked := 0
	for _, pod := range cachePods(t) {
		for _, limits := range []bool{false, true} {
			for _, base := range []resourcehelper.PodResourcesOptions{{}, {UseStatusResources: true}, {UseDRANodeAllocatableResourceClaimStatus: true}} {
				variants := []resourcehelper.PodResourcesOptions{}
				if pod.Spec.Overhead == nil {
					o := base
					o.ExcludeOverhead = true
					variants = append(variants, o)
				}
				if pod.Spec.Resources == nil {
					o := base
					o.SkipPodLevelResources = true
					variants = append(variants, o)
				}
				want := podAggregate(pod, limits, base)
				for _, o := range variants {
					checked++
					if got := podAggregate(pod, limits, o); !cmp.Equal(want, got) {
						t.Errorf("%s: %+v gives %v, %+v gives %v", pod.Name, base, want, o, got)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no pod without overhead or pod-level resources")
	}
}

// TestMergeFilesLeavesBaseAlone merges two alternatives into one base
// whose explanation list has room to grow: the base and both results
// must stay independent (base maps are shared between cgroups).
func TestMergeFilesLeavesBaseAlone(t *testing.T) {
	expl := make([]ExplainedValue, 1, 4)
	expl[0] = ExplainedValue{Values: []string{"1"}, Reason: "r0"}
	base := map[string]ExpectedFile{"f": {Accept: []string{"0"}, Explained: expl}}
	alt1 := map[string]ExpectedFile{"f": {Accept: []string{"1"}, Derivation: "one"}}
	alt2 := map[string]ExpectedFile{"f": {Accept: []string{"2"}, Derivation: "two"}}
	m1 := mergeFiles(base, alt1, "r1", "p1: ")
	m2 := mergeFiles(base, alt2, "r2", "p2: ")
	if n := len(base["f"].Explained); n != 1 {
		t.Errorf("base has %d explanations, want 1", n)
	}
	if got := m1["f"].Explained; len(got) != 2 || got[1].Reason != "r1" || got[1].Message != "p1: one" {
		t.Errorf("first merge: %+v", got)
	}
	if got := m2["f"].Explained; len(got) != 2 || got[1].Reason != "r2" || got[1].Message != "p2: two" {
		t.Errorf("second merge: %+v", got)
	}
	if needsMerge(m1, alt1, "r1") {
		t.Error("merging the same alternative twice would add it again")
	}
}
