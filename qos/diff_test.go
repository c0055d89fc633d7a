package qos_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/internal/nodegen"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	"github.com/kubecgroups/kubecgroups/internal/treegen"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// res builds a ResourceRequirements from "cpu=250m,memory=64Mi" strings.
func res(requests, limits string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: podtest.ResourceList(requests), Limits: podtest.ResourceList(limits)}
}

// testPod is a pod as the API server stores it: with a UID and the
// container IDs of its status.
func testPod(name string, containers ...corev1.Container) *corev1.Pod {
	uid := fmt.Sprintf("%08x-0000-4000-8000-%012x", len(name), []byte(name)[:min(6, len(name))])
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID(uid),
			CreationTimestamp: metav1.NewTime(readAt.Add(-time.Hour))},
		Spec: corev1.PodSpec{Containers: containers},
	}
	start := metav1.NewTime(readAt.Add(-time.Hour))
	p.Status.StartTime = &start
	for _, c := range containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, ContainerID: "containerd://" + treegen.SandboxID(uid+"/"+c.Name)})
	}
	return p
}

// readAt is when the synthetic nodes are read.
var readAt = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// nodePods is a small node: Guaranteed, Burstable (one container without
// limits), BestEffort.
func nodePods() []*corev1.Pod {
	return []*corev1.Pod{
		testPod("guaranteed", podtest.Container("app", "busybox", "cpu=500m,memory=128Mi", "cpu=500m,memory=128Mi")),
		testPod("burstable", podtest.Container("limited", "busybox", "cpu=250m,memory=64Mi", "cpu=1,memory=256Mi"), podtest.Container("unlimited", "busybox", "", "")),
		testPod("besteffort", podtest.Container("app", "busybox", "", "")),
	}
}

func v2Profile() qos.Profile {
	p := qos.DefaultProfile()
	p.Machine.Capacity = corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"),
		"pid": resource.MustParse("32768"), "hugepages-2Mi": resource.MustParse("0"),
	}
	return p
}

func v1Profile() qos.Profile {
	p := v2Profile()
	p.CgroupVersion = convert.CgroupV1
	return p
}

// scenario is an expectation, a tree built from it (with changes) and the
// diff of the two.
type scenario struct {
	// name, when set, records the scenario for review: its tree and pods
	// in testdata/diff/NAME and its report in
	// testdata/golden/diff/report-NAME.json (regenerated with -update).
	name    string
	pods    []*corev1.Pod
	profile qos.Profile
	tree    treegen.Options
	// actualPods, when set, build the tree instead of pods (the node runs
	// other values than the pods given to the diff claim).
	actualPods []*corev1.Pod
	extra      map[string]string
	opts       qos.DiffOptions
}

func (s scenario) run(t *testing.T) *qos.DiffReport {
	t.Helper()
	for _, p := range s.pods {
		if err := s.profile.DefaultPod(p); err != nil {
			t.Fatal(err)
		}
	}
	x, err := qos.Expect(s.pods, s.profile)
	if err != nil {
		t.Fatalf("Expect: %v", err)
	}
	tx := x
	if s.actualPods != nil {
		if tx, err = qos.Expect(s.actualPods, s.profile); err != nil {
			t.Fatalf("Expect (actual): %v", err)
		}
	}
	files, err := treegen.Files(tx, s.tree)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range s.extra {
		files[k] = v
	}
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	mode := cgroupfs.ModeUnified
	if s.profile.CgroupVersion == convert.CgroupV1 {
		mode = cgroupfs.ModeLegacy
	}
	fsys, err := cgroupfs.NewTreeFS(m, cgroupfs.TreeOptions{Mode: mode, PageSizeBytes: s.profile.Machine.PageSize})
	if err != nil {
		t.Fatal(err)
	}
	node, err := fsys.Node(cgroupfs.NodeOptions{Files: x.Files()})
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.Now.IsZero() {
		s.opts.Now = readAt
	}
	r := qos.Diff(x, node, s.opts)
	if s.name != "" {
		s.record(t, files, mode, r)
	}
	return r
}

// record keeps the scenario's tree, pods and report as reviewable files.
func (s scenario) record(t *testing.T, files map[string]string, mode cgroupfs.Mode, r *qos.DiffReport) {
	t.Helper()
	tree, err := treegen.Snapshot(files, cgroupfs.SnapshotInfo{
		Mode: mode, CapturedAt: s.opts.Now, PageSizeBytes: s.profile.Machine.PageSize,
		Driver: cgroupfs.Driver(s.profile.Kubelet.CgroupDriver), CgroupRoot: "/",
		Description: "qos/diff_test.go scenario " + s.name + ": generated from the expectation, then changed",
	})
	if err != nil {
		t.Fatal(err)
	}
	list := corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	for _, p := range s.pods {
		// As kubectl get -o json writes each item of a List: typed, so
		// that "diff -f pods.json" loads it.
		item := *p
		item.APIVersion, item.Kind = "v1", "Pod"
		list.Items = append(list.Items, item)
	}
	pods, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// The reviewable part of the report: what differs and why (matches
	// are only counted, the profile is in the test).
	trimmed := struct {
		Summary qos.DiffSummary  `json:"summary"`
		Node    qos.DiffNode     `json:"node"`
		Results []qos.DiffResult `json:"results"`
		Notes   []qos.Note       `json:"notes,omitempty"`
	}{Summary: r.Summary, Node: r.Node, Notes: r.Notes}
	for _, x := range r.Results {
		if x.Status != qos.StatusMatch {
			trimmed.Results = append(trimmed.Results, x)
		}
	}
	report, err := json.MarshalIndent(trimmed, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, golden.Path(t, "diff", s.name, "node.txtar"), tree)
	golden.Check(t, golden.Path(t, "diff", s.name, "pods.json"), append(pods, '\n'))
	golden.Check(t, golden.Path(t, "golden", "diff", "report-"+s.name+".json"), append(report, '\n'))
}

// find returns the results about one file of a pod's cgroup: container
// "" is the pod cgroup, "(sandbox)" the sandbox, otherwise a container
// name; file "" selects cgroup-level results.
func find(r *qos.DiffReport, pod, container, file string) []qos.DiffResult {
	var out []qos.DiffResult
	for _, x := range r.Results {
		if x.Pod != "default/"+pod || x.File != file {
			continue
		}
		switch {
		case container == "" && x.Level == cgroupfs.LevelPod,
			container == "(sandbox)" && x.ContainerType == qos.ContainerSandbox,
			container != "" && x.Level == cgroupfs.LevelContainer && x.Container == container:
			out = append(out, x)
		}
	}
	return out
}

// level returns the result about one file of a node level.
func level(t *testing.T, r *qos.DiffReport, l cgroupfs.Level, file string) qos.DiffResult {
	t.Helper()
	for _, x := range r.Results {
		if x.Level == l && x.File == file {
			return x
		}
	}
	t.Fatalf("no %s %s result", l, file)
	return qos.DiffResult{}
}

func one(t *testing.T, r *qos.DiffReport, pod, container, file string) qos.DiffResult {
	t.Helper()
	got := find(r, pod, container, file)
	if len(got) != 1 {
		t.Fatalf("%s/%s %s: %d results, want 1\n%s", pod, container, file, len(got), dump(r))
	}
	return got[0]
}

func dump(r *qos.DiffReport) string {
	var b strings.Builder
	for _, x := range r.Results {
		if x.Status != qos.StatusMatch {
			fmt.Fprintf(&b, "  %s %s %s %s %s actual=%q expected=%q %s\n", x.Status, x.Reason, x.Pod, x.Container, x.File, x.Actual, x.Expected, x.Message)
		}
	}
	return b.String()
}

func unexplained(r *qos.DiffReport) []qos.DiffResult {
	var out []qos.DiffResult
	for _, x := range r.Results {
		if x.Status.Unexplained() {
			out = append(out, x)
		}
	}
	return out
}

func TestDiffCleanNodes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile func() qos.Profile
		driver  cgroupfs.Driver
	}{
		{"v1-cgroupfs", v1Profile, cgroupfs.DriverCgroupfs},
		{"v1-systemd", v1Profile, cgroupfs.DriverSystemd},
		{"v2-cgroupfs", v2Profile, cgroupfs.DriverCgroupfs},
		{"v2-systemd", v2Profile, cgroupfs.DriverSystemd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.profile()
			p.Kubelet.CgroupDriver = tc.driver
			r := scenario{name: "clean-" + tc.name, pods: nodePods(), profile: p}.run(t)
			if u := unexplained(r); len(u) != 0 {
				t.Fatalf("a node built from its own expectation has %d unexplained results:\n%s", len(u), dump(r))
			}
			s := r.Summary
			// kubepods, 2 tiers, 3 pods, 3 sandboxes, 4 containers.
			if s.Cgroups != 13 || s.Match != s.Files || s.Files < 13*4 {
				t.Errorf("summary %+v", s)
			}
			if r.Kind != qos.KindDiffReport || r.APIVersion != qos.APIVersion {
				t.Errorf("kind %q apiVersion %q", r.Kind, r.APIVersion)
			}
		})
	}
}

func TestDiffDrift(t *testing.T) {
	p := v1Profile()
	s := scenario{name: "drift-memory", pods: nodePods(), profile: p, tree: treegen.Options{
		Value: func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation, file string, ef qos.ExpectedFile) (string, bool) {
			if pod != nil && pod.Name == "guaranteed" && cg.Container == "app" && file == "memory.limit_in_bytes" {
				return "268435456", true // someone raised the limit by hand
			}
			return "", false
		}}}
	r := s.run(t)
	got := one(t, r, "guaranteed", "app", "memory.limit_in_bytes")
	if got.Status != qos.StatusDrift || got.Actual != "268435456" || !slices.Equal(got.Expected, []string{"134217728"}) {
		t.Errorf("drift reported as %+v", got)
	}
	if !strings.Contains(got.Derivation, "128Mi") || !strings.Contains(got.Message, `expected "134217728", found 268435456`) {
		t.Errorf("drift does not say what was expected and why: %+v", got)
	}
	if u := unexplained(r); len(u) != 1 || r.Summary.Drift != 1 || r.Summary.Unexplained() != 1 {
		t.Errorf("want exactly one drift, got %+v\n%s", r.Summary, dump(r))
	}
}

// TestDiffLongValues (no golden: the tree holds 64 KiB): a value of
// 64 KiB that does not parse is an error whose message and Actual quote
// 128 bytes of it, so a node whose every file holds 64 KiB gives a
// report of a few hundred bytes per file, not 64 KiB.
func TestDiffLongValues(t *testing.T) {
	junk := strings.Repeat("9", 65535)
	s := scenario{pods: nodePods(), profile: v1Profile(), tree: treegen.Options{
		Value: func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation, file string, ef qos.ExpectedFile) (string, bool) {
			return junk, true
		}}}
	r := s.run(t)
	bad := one(t, r, "guaranteed", "app", "memory.limit_in_bytes")
	if bad.Status != qos.StatusError || bad.Actual != junk[:128]+"…(65535 bytes)" || !strings.Contains(bad.Message, "…(65535 bytes)") {
		t.Errorf("64 KiB value reported as %s, actual of %d bytes, message %.300q", bad.Status, len(bad.Actual), bad.Message)
	}
	report, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d results, a report of %d bytes", len(r.Results), len(report))
	for _, res := range r.Results {
		if len(res.Actual) > 256 || len(res.Message) > 512 {
			t.Errorf("%s %s: actual of %d bytes, message of %d", res.Path, res.File, len(res.Actual), len(res.Message))
		}
	}
}

// withValues rewrites chosen files: key "pod/container/file" (container
// "" for the pod, pod "" for node levels as "level/file").
func withValues(values map[string]string) treegen.Options {
	return treegen.Options{Value: func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation, file string, ef qos.ExpectedFile) (string, bool) {
		key := string(cg.Level) + "/" + file
		if pod != nil {
			key = pod.Name + "/" + cg.Container + "/" + file
			if cg.ContainerType == qos.ContainerSandbox {
				key = pod.Name + "/(sandbox)/" + file
			}
		}
		v, ok := values[key]
		return v, ok
	}}
}

// quadraticValues writes every container cpu.weight with the quadratic
// formula (a runc >= 1.3.2 node).
func quadraticValues() treegen.Options {
	return treegen.Options{Value: func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation, file string, ef qos.ExpectedFile) (string, bool) {
		if file == "cpu.weight" && cg.Level == cgroupfs.LevelContainer {
			return fmt.Sprint(convert.SharesToWeightQuadratic(ef.Shares)), true
		}
		return "", false
	}}
}

func TestDiffWeightFormula(t *testing.T) {
	// The profile says runc 1.1.5 (linear), the node's runtime is newer.
	p := v2Profile()
	p.Runtime.OCI, _ = qos.ParseOCIRuntime("runc-1.1.5")
	r := scenario{name: "weight-formula", pods: nodePods(), profile: p, tree: quadraticValues()}.run(t)
	got := one(t, r, "burstable", "limited", "cpu.weight")
	if got.Status != qos.StatusExplained || got.Reason != qos.ReasonWeightFormula || got.Actual != "35" {
		t.Fatalf("weight under the other formula: %+v", got)
	}
	if !strings.Contains(got.Message, "quadratic") || !strings.Contains(got.Message, "runc >= 1.3.2") {
		t.Errorf("message does not name the formula and runtime versions: %q", got.Message)
	}
	f := r.Node.WeightFormula
	if f == nil || f.Inferred != convert.InferQuadratic || f.Profile != convert.WeightLinear || f.Decisive != 2 || !strings.Contains(f.Message, "--oci-runtime") {
		t.Errorf("inference %+v", f)
	}
	if u := unexplained(r); len(u) != 0 {
		t.Errorf("unexplained:\n%s", dump(r))
	}

	// Unknown runtime: both accepted, the inference still says which.
	p.Runtime.OCI, _ = qos.ParseOCIRuntime("unknown")
	r = scenario{pods: nodePods(), profile: p, tree: quadraticValues()}.run(t)
	if got := one(t, r, "burstable", "limited", "cpu.weight"); got.Status != qos.StatusMatch {
		t.Errorf("unknown formula: %+v", got)
	}
	if f := r.Node.WeightFormula; f.Inferred != convert.InferQuadratic || f.Profile != convert.WeightUnknown {
		t.Errorf("inference %+v", f)
	}
}

// No explained reason hides a real drift: with the formula unknown (both
// weights accepted) a wrong memory limit and a weight neither formula
// gives stay drift.
func TestDiffExplanationsDoNotHideDrift(t *testing.T) {
	p := v2Profile()
	p.Runtime.OCI, _ = qos.ParseOCIRuntime("unknown")
	r := scenario{name: "drift-not-hidden", pods: nodePods(), profile: p, tree: withValues(map[string]string{
		"burstable/limited/memory.max": "536870912",
		"burstable/limited/cpu.weight": "77",
		"guaranteed//memory.max":       "max",
	})}.run(t)
	for _, k := range [][3]string{{"burstable", "limited", "memory.max"}, {"burstable", "limited", "cpu.weight"}, {"guaranteed", "", "memory.max"}} {
		if got := one(t, r, k[0], k[1], k[2]); got.Status != qos.StatusDrift {
			t.Errorf("%v: %+v", k, got)
		}
	}
	if r.Node.WeightFormula.Inferred != convert.InferNeither && r.Node.WeightFormula.Inferred != convert.InferLinear {
		t.Errorf("inference %+v", r.Node.WeightFormula)
	}
}

func TestDiffSystemdQuotaRounding(t *testing.T) {
	p := v2Profile()
	p.Kubelet.CgroupDriver = cgroupfs.DriverSystemd
	pods := []*corev1.Pod{testPod("tiny", podtest.Container("app", "busybox", "cpu=15m,memory=32Mi", "cpu=15m,memory=32Mi"))}
	r := scenario{name: "systemd-quota-rounding", pods: pods, profile: p, tree: withValues(map[string]string{"tiny/app/cpu.max": "2000 100000", "tiny//cpu.max": "2000 100000"})}.run(t)
	for _, c := range []string{"app", ""} {
		got := one(t, r, "tiny", c, "cpu.max")
		if got.Status != qos.StatusExplained || got.Reason != qos.ReasonSystemdQuotaRounding || !slices.Contains(got.Expected, "1500 100000") {
			t.Errorf("%q: %+v", c, got)
		}
	}
	// The exact value is a plain match.
	r = scenario{pods: pods, profile: p}.run(t)
	if got := one(t, r, "tiny", "app", "cpu.max"); got.Status != qos.StatusMatch || got.Actual != "1500 100000" {
		t.Errorf("exact: %+v", got)
	}
}

func TestDiffPageRounding(t *testing.T) {
	r := scenario{name: "page-rounding", pods: []*corev1.Pod{testPod("odd", podtest.Container("app", "busybox", "cpu=100m,memory=100M", "cpu=100m,memory=100M"))}, profile: v2Profile(),
		tree: withValues(map[string]string{"odd/app/memory.max": "99942400"})}.run(t)
	if got := one(t, r, "odd", "app", "memory.max"); got.Status != qos.StatusExplained || got.Reason != qos.ReasonPageRounding || got.Expected[0] != "99999744" {
		t.Errorf("%+v", got)
	}
}

func TestDiffQoSTierLag(t *testing.T) {
	pods := nodePods()
	fresh := testPod("fresh", podtest.Container("app", "busybox", "cpu=300m", ""))
	started := metav1.NewTime(readAt.Add(-20 * time.Second))
	fresh.Status.StartTime = &started
	pods = append(pods, fresh)
	// The node's tier does not count the fresh pod yet: 250m, not 550m.
	lagging := withValues(map[string]string{"burstable/cpu.shares": "256"})
	r := scenario{name: "qos-tier-lag", pods: pods, profile: v1Profile(), tree: lagging}.run(t)
	got := level(t, r, cgroupfs.LevelBurstable, "cpu.shares")
	if got.Status != qos.StatusExplained || got.Reason != qos.ReasonQOSTierLag || !strings.Contains(got.Message, "default/fresh") || got.Expected[0] != "563" {
		t.Fatalf("tier lag: %+v\n%s", got, dump(r))
	}
	// An hour later the same value is drift.
	old := metav1.NewTime(readAt.Add(-time.Hour))
	fresh.Status.StartTime = &old
	r = scenario{pods: pods, profile: v1Profile(), tree: lagging}.run(t)
	if x := level(t, r, cgroupfs.LevelBurstable, "cpu.shares"); x.Status != qos.StatusDrift {
		t.Errorf("old pod: %+v", x)
	}
}

func TestDiffLeftoversAndUnlisted(t *testing.T) {
	pods := nodePods()
	gone := testPod("deleted", podtest.Container("app", "busybox", "cpu=100m", "cpu=200m"))
	actual := append(nodePods(), gone)
	// The tier counts the deleted pod too (its cgroup remains).
	s := scenario{name: "pods-not-listed", pods: pods, profile: v1Profile(), actualPods: actual}
	r := s.run(t)
	var pod []qos.DiffResult
	for _, x := range r.Results {
		if x.UID == string(gone.UID) {
			pod = append(pod, x)
		}
	}
	if len(pod) != 1 || pod[0].Status != qos.StatusUnlisted || r.Summary.Unlisted != 1 {
		t.Fatalf("unlisted pod: %+v", pod)
	}
	if x := level(t, r, cgroupfs.LevelBurstable, "cpu.shares"); x.Status != qos.StatusExplained || x.Reason != qos.ReasonPodsNotListed {
		t.Errorf("tier counting an unlisted pod: %+v", x)
	}
	if u := unexplained(r); len(u) != 0 {
		t.Errorf("unexplained:\n%s", dump(r))
	}
	// With the node's complete pod list it is a leftover.
	s.opts.CompletePodList = true
	s.name = "leftover-pod"
	r = s.run(t)
	if r.Summary.Unexpected != 1 {
		t.Errorf("leftover: %+v\n%s", r.Summary, dump(r))
	}
	if x := level(t, r, cgroupfs.LevelBurstable, "cpu.shares"); x.Status != qos.StatusExplained || x.Reason != qos.ReasonQOSTierLag || !strings.Contains(x.Message, "deleted pod") {
		t.Errorf("tier counting a leftover pod: %+v", x)
	}
}

func TestDiffMissingAndUnexpectedContainers(t *testing.T) {
	pods := nodePods()
	s := scenario{name: "missing-container", pods: pods, profile: v1Profile(), tree: treegen.Options{
		Skip: func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation) bool {
			return pod != nil && pod.Name == "burstable" && cg.Container == "unlimited"
		}}}
	r := s.run(t)
	missing := find(r, "burstable", "unlimited", "")
	if len(missing) != 1 || missing[0].Status != qos.StatusMissing {
		t.Fatalf("missing container: %+v", missing)
	}
	// A container cgroup nobody claims, next to the sandbox.
	extra := map[string]string{}
	for _, p := range []string{"cpu", "memory", "pids"} {
		extra[p+"/kubepods/besteffort/pod"+string(pods[2].UID)+"/"+strings.Repeat("ab", 32)+"/"+map[string]string{"cpu": "cpu.shares", "memory": "memory.limit_in_bytes", "pids": "pids.max"}[p]] = "2\n"
	}
	s = scenario{name: "unexpected-container", pods: nodePods(), profile: v1Profile(), extra: extra}
	r = s.run(t)
	if r.Summary.Unexpected != 1 {
		t.Fatalf("unexpected container: %+v\n%s", r.Summary, dump(r))
	}
	// The sandbox was still recognised.
	if got := find(r, "besteffort", "(sandbox)", "cpu.shares"); len(got) != 1 || got[0].Status != qos.StatusMatch {
		t.Errorf("sandbox cpu.shares: %+v", got)
	}
	// A pod without a cgroup.
	s = scenario{pods: nodePods(), profile: v1Profile(), actualPods: nodePods()[:2]}
	r = s.run(t)
	if got := find(r, "besteffort", "", ""); len(got) != 1 || got[0].Status != qos.StatusMissing || !strings.Contains(got[0].Message, "no cgroup for pod") {
		t.Errorf("missing pod: %+v", got)
	}
}

func TestDiffResize(t *testing.T) {
	pod := testPod("resized", podtest.Container("app", "busybox", "cpu=200m,memory=128Mi", "cpu=400m,memory=256Mi"))
	// The kubelet allocated the new values; the cgroups still hold the old
	// ones (status.resources): in progress.
	pod.Status.ContainerStatuses[0].AllocatedResources = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("128Mi")}
	old := res("cpu=100m,memory=128Mi", "cpu=200m,memory=256Mi")
	pod.Status.ContainerStatuses[0].Resources = &old
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodResizeInProgress, Status: corev1.ConditionTrue}}
	oldPod := testPod("resized", podtest.Container("app", "busybox", "cpu=100m,memory=128Mi", "cpu=200m,memory=256Mi"))
	r := scenario{name: "resize-in-progress", pods: []*corev1.Pod{pod}, profile: v1Profile(), actualPods: []*corev1.Pod{oldPod}}.run(t)
	got := one(t, r, "resized", "app", "cpu.cfs_quota_us")
	if got.Status != qos.StatusExplained || got.Reason != qos.ReasonResizeInProgress || got.Actual != "20000" || got.Expected[0] != "40000" {
		t.Errorf("resize in progress: %+v\n%s", got, dump(r))
	}

	// Pending: the spec asks for more than was allocated; the cgroups
	// (and the expectation) follow the allocation.
	pending := testPod("pending", podtest.Container("app", "busybox", "cpu=800m,memory=128Mi", "cpu=800m,memory=256Mi"))
	pending.Status.ContainerStatuses[0].AllocatedResources = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}
	alloc := res("cpu=100m,memory=128Mi", "cpu=200m,memory=256Mi")
	pending.Status.ContainerStatuses[0].Resources = &alloc
	pending.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodResizePending, Status: corev1.ConditionTrue, Reason: "Deferred"}}
	resized := testPod("pending", podtest.Container("app", "busybox", "cpu=800m,memory=128Mi", "cpu=800m,memory=256Mi"))
	r = scenario{name: "resize-pending", pods: []*corev1.Pod{pending}, profile: v1Profile(), actualPods: []*corev1.Pod{resized}}.run(t)
	got = one(t, r, "pending", "app", "cpu.cfs_quota_us")
	if got.Status != qos.StatusExplained || got.Reason != qos.ReasonResizePending || got.Actual != "80000" {
		t.Errorf("resize pending: %+v\n%s", got, dump(r))
	}
}

// TestResizeStatus: the resize state combines the PodResizePending and
// PodResizeInProgress conditions and an allocation that differs from the
// spec; its JSON is the comma-joined string of the JSON contract.
func TestResizeStatus(t *testing.T) {
	cond := func(types ...corev1.PodConditionType) []corev1.PodCondition {
		var out []corev1.PodCondition
		for _, ty := range types {
			out = append(out, corev1.PodCondition{Type: ty, Status: corev1.ConditionTrue})
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		conds       []corev1.PodCondition
		allocCPU    string // the allocated CPU request; the spec asks for 200m
		want        qos.ResizeStatus
		pending, ip bool
	}{
		{"none", nil, "200m", qos.ResizeNone, false, false},
		{"pending condition", cond(corev1.PodResizePending), "200m", qos.ResizePending, true, false},
		{"allocation differs", nil, "100m", qos.ResizePending, true, false},
		{"in progress", cond(corev1.PodResizeInProgress), "200m", qos.ResizeInProgress, false, true},
		{"both conditions", cond(corev1.PodResizePending, corev1.PodResizeInProgress), "200m", qos.ResizePendingInProgress, true, true},
		{"in progress, allocation differs", cond(corev1.PodResizeInProgress), "100m", qos.ResizePendingInProgress, true, true},
	} {
		pod := testPod("p", podtest.Container("app", "busybox", "cpu=200m,memory=128Mi", "cpu=400m,memory=256Mi"))
		pod.Status.ContainerStatuses[0].AllocatedResources = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(tc.allocCPU), corev1.ResourceMemory: resource.MustParse("128Mi")}
		pod.Status.Conditions = tc.conds
		x, err := qos.Expect([]*corev1.Pod{pod}, v2Profile())
		if err != nil {
			t.Fatal(err)
		}
		st := x.Pods[0].Resize.State
		if st != tc.want || st.Pending() != tc.pending || st.InProgress() != tc.ip || st.Active() != (tc.pending || tc.ip) {
			t.Errorf("%s: state %q (pending %v, in progress %v, active %v), want %q", tc.name, st, st.Pending(), st.InProgress(), st.Active(), tc.want)
		}
		b, err := json.Marshal(x.Pods[0].Resize)
		if err != nil {
			t.Fatal(err)
		}
		if want := `"state":"` + string(tc.want) + `"`; !strings.Contains(string(b), want) {
			t.Errorf("%s: JSON %s, want %s", tc.name, b, want)
		}
	}
}

func TestDiffExclusiveCPUs(t *testing.T) {
	// The profile says CPU manager policy none; the node runs static and
	// gave the Guaranteed 1-CPU container exclusive CPUs (no quota).
	pods := []*corev1.Pod{testPod("pinned", podtest.Container("app", "busybox", "cpu=1,memory=128Mi", "cpu=1,memory=128Mi"))}
	r := scenario{name: "exclusive-cpus", pods: pods, profile: v2Profile(), tree: withValues(map[string]string{"pinned/app/cpu.max": "max 100000", "pinned//cpu.max": "max 100000"})}.run(t)
	for _, c := range []string{"app", ""} {
		if got := one(t, r, "pinned", c, "cpu.max"); got.Status != qos.StatusExplained || got.Reason != qos.ReasonExclusiveCPUs {
			t.Errorf("%q: %+v\n%s", c, got, dump(r))
		}
	}
}

func TestDiffMemoryQoSDisabled(t *testing.T) {
	// The profile has MemoryQoS on (the 1.37 default) with
	// TieredReservation and a throttling factor; the node's kubelet runs
	// with the gate off, so containers get memory.high "max" and no
	// memory.min/low of their own. (With the 1.37 defaults, policy None and
	// no factor, both read the same.)
	p := v2Profile()
	factor := 0.9
	p.Kubelet.MemoryReservationPolicy = "TieredReservation"
	p.Kubelet.MemoryThrottlingFactor = &factor
	off := p
	off.FeatureGates = map[string]bool{"MemoryQoS": false}
	off.Kubelet.MemoryReservationPolicy = "None"
	off.Kubelet.MemoryThrottlingFactor = nil
	x, err := qos.Expect(nodePods(), off)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, pe := range x.Pods {
		for _, cg := range pe.Cgroups {
			who := cg.Container
			if cg.ContainerType == qos.ContainerSandbox {
				who = "(sandbox)"
			}
			for name, ef := range cg.Files {
				if strings.HasPrefix(name, "memory.") {
					values[pe.Name+"/"+who+"/"+name] = ef.Accept[0]
				}
			}
		}
	}
	r := scenario{name: "memoryqos-disabled", pods: nodePods(), profile: p, tree: withValues(values)}.run(t)
	reasons := map[qos.Reason]bool{}
	for _, x := range r.Results {
		reasons[x.Reason] = true
	}
	if u := unexplained(r); len(u) != 0 {
		t.Errorf("unexplained:\n%s", dump(r))
	}
	if !reasons[qos.ReasonMemoryQoSDisabled] {
		t.Errorf("no memoryqos-disabled result:\n%s", dump(r))
	}
}

func TestDiffSandboxDefaultsAndV1Notes(t *testing.T) {
	// A runtime that applies the kubelet's sandbox resources to the pause
	// container shows them instead of the defaults.
	pods := []*corev1.Pod{testPod("sized", podtest.Container("app", "busybox", "cpu=500m,memory=128Mi", "cpu=500m,memory=128Mi"))}
	x, err := qos.Expect(pods, v1Profile())
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, cg := range x.Pods[0].Cgroups {
		if cg.ContainerType != qos.ContainerSandbox {
			continue
		}
		for name, ef := range cg.Files {
			for _, ex := range ef.Explained {
				if ex.Reason == qos.ReasonRuntimeSandboxDefault {
					values["sized/(sandbox)/"+name] = ex.Values[0]
				}
			}
		}
	}
	if len(values) == 0 {
		t.Fatal("the sandbox has no runtime-sandbox-default alternatives")
	}
	r := scenario{name: "runtime-sandbox-default", pods: pods, profile: v1Profile(), tree: withValues(values)}.run(t)
	n := 0
	for _, x := range r.Results {
		if x.Reason == qos.ReasonRuntimeSandboxDefault && x.Status == qos.StatusExplained {
			n++
		}
	}
	if n != len(values) {
		t.Errorf("%d of %d sandbox files explained:\n%s", n, len(values), dump(r))
	}
}

func TestDiffControllerUnavailable(t *testing.T) {
	// The profile expects hugetlb files; the node has no hugetlb
	// controller at all.
	r := scenario{name: "controller-unavailable", pods: nodePods(), profile: v1Profile(), tree: treegen.Options{
		Value: func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation, file string, ef qos.ExpectedFile) (string, bool) {
			if strings.HasPrefix(file, "hugetlb.") {
				return treegen.Absent, true
			}
			return "", false
		}}}.run(t)
	got := one(t, r, "guaranteed", "app", "hugetlb.2MB.limit_in_bytes")
	if got.Status != qos.StatusExplained || got.Reason != qos.ReasonControllerUnavailable {
		t.Errorf("%+v", got)
	}
}

// TestEveryReasonCodeIsProduced runs one case per reason code; each test
// above asserts its own, this one guards the list against new codes
// without a case.
func TestEveryReasonCodeIsProduced(t *testing.T) {
	covered := map[qos.Reason]string{
		qos.ReasonWeightFormula:         "TestDiffWeightFormula",
		qos.ReasonSystemdQuotaRounding:  "TestDiffSystemdQuotaRounding",
		qos.ReasonPageRounding:          "TestDiffPageRounding",
		qos.ReasonQOSTierLag:            "TestDiffQoSTierLag",
		qos.ReasonResizePending:         "TestDiffResize",
		qos.ReasonResizeInProgress:      "TestDiffResize",
		qos.ReasonExclusiveCPUs:         "TestDiffExclusiveCPUs",
		qos.ReasonMemoryQoSDisabled:     "TestDiffMemoryQoSDisabled",
		qos.ReasonCgroupV1Unsupported:   "TestDiffCgroupV1Unsupported",
		qos.ReasonRuntimeSandboxDefault: "TestDiffSandboxDefaultsAndV1Notes",
		qos.ReasonControllerUnavailable: "TestDiffControllerUnavailable",
		qos.ReasonPodsNotListed:         "TestDiffLeftoversAndUnlisted",
		qos.ReasonContainerExited:       "TestDiffInitContainerExited",
	}
	for _, reason := range qos.ReasonCodes() {
		if covered[reason] == "" {
			t.Errorf("reason code %q has no diff test", reason)
		}
	}
}

func TestDiffCgroupV1Unsupported(t *testing.T) {
	// Pod-level resources with a throttling factor: pod memory.high on v2,
	// nothing on v1.
	pod := testPod("plr", podtest.Container("app", "busybox", "cpu=100m,memory=64Mi", ""))
	pod.Spec.Resources = &corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("400m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
	p := v1Profile()
	factor := 0.9
	p.Kubelet.MemoryThrottlingFactor = &factor
	r := scenario{name: "cgroup-v1-unsupported", pods: []*corev1.Pod{pod}, profile: p}.run(t)
	got := find(r, "plr", "", "")
	if len(got) != 1 || got[0].Status != qos.StatusExplained || got[0].Reason != qos.ReasonCgroupV1Unsupported {
		t.Errorf("%+v\n%s", got, dump(r))
	}
}

func TestDiffInitContainerExited(t *testing.T) {
	pod := testPod("init", podtest.Container("app", "busybox", "cpu=100m", ""))
	pod.Spec.InitContainers = []corev1.Container{podtest.Container("setup", "busybox", "cpu=200m", "")}
	pod.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "setup", ContainerID: "containerd://" + treegen.SandboxID("init/setup"),
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}}}
	r := scenario{name: "container-exited", pods: []*corev1.Pod{pod}, profile: v1Profile(), tree: treegen.Options{
		Skip: func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation) bool { return cg.Container == "setup" }}}.run(t)
	got := find(r, "init", "setup", "")
	if len(got) != 1 || got[0].Status != qos.StatusExplained || got[0].Reason != qos.ReasonContainerExited {
		t.Errorf("%+v\n%s", got, dump(r))
	}
	if u := unexplained(r); len(u) != 0 {
		t.Errorf("unexplained:\n%s", dump(r))
	}
}

// TestResultsShareTheirCgroup checks that the file results of one cgroup
// point at one ResultCgroup (the report states each cgroup once) and
// that the JSON of a result still carries the cgroup's keys.
func TestResultsShareTheirCgroup(t *testing.T) {
	g := nodegen.MustGenerate(nodegen.Options{Pods: 5, Layout: nodegen.Layouts()[0]})
	r := qos.Diff(g.Expectation, memNode(t, g), diffOpts)
	refs := map[*qos.ResultCgroup]bool{}
	byPath := map[string]*qos.ResultCgroup{}
	for _, x := range r.Results {
		if x.ResultCgroup == nil {
			t.Fatalf("result without a cgroup: %+v", x)
		}
		refs[x.ResultCgroup] = true
		if prev, ok := byPath[x.Path]; ok && prev != x.ResultCgroup {
			t.Errorf("%s: two ResultCgroups for one cgroup", x.Path)
		}
		byPath[x.Path] = x.ResultCgroup
	}
	if len(refs) != r.Summary.Cgroups {
		t.Errorf("%d ResultCgroups for %d cgroups", len(refs), r.Summary.Cgroups)
	}
	i := slices.IndexFunc(r.Results, func(x qos.DiffResult) bool { return x.Container != "" && x.File != "" })
	b, err := json.Marshal(r.Results[i])
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"pod":"`, `"uid":"`, `"level":"container"`, `"container":"`, `"containerType":"`, `"containerID":"`, `"path":"/`, `"file":"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("%s lacks %s", b, key)
		}
	}
	var back qos.DiffResult
	if err := json.Unmarshal(b, &back); err != nil || back.ResultCgroup == nil || *back.ResultCgroup != *r.Results[i].ResultCgroup {
		t.Errorf("round trip: %v, %+v", err, back.ResultCgroup)
	}
}
