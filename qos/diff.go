package qos

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/safetext"
)

// KindDiffReport is the kind of the DiffReport document (the JSON contract
// of `kubectl-cgroups diff -o json`).
const KindDiffReport = "DiffReport"

// TierRefreshInterval is how often the kubelet rewrites the QoS tier
// cgroups (UpdateCgroups runs every minute and before each new pod).
const TierRefreshInterval = time.Minute

// Status is the verdict on one file or cgroup of a diff.
type Status string

// The statuses. Match and Explained are fine, Unlisted and Unverified
// are not differences the tool can establish; the others are differences
// nothing explains.
const (
	// StatusMatch: the file holds an accepted value.
	StatusMatch Status = "match"
	// StatusExplained: the file differs from the prediction for a known,
	// harmless reason (Reason and Message say which).
	StatusExplained Status = "explained"
	// StatusUnverified: the file differs from a prediction that rests on
	// an input the caller had to assume (DiffOptions.Guessed): Input,
	// Reason and Message name it and the flag or permission that
	// supplies it. Not an unexplained difference.
	StatusUnverified Status = "unverified"
	// StatusDrift: the file holds a value nothing explains.
	StatusDrift Status = "drift"
	// StatusMissing: an expected cgroup or file does not exist.
	StatusMissing Status = "missing"
	// StatusUnexpected: a pod or container cgroup that no listed pod
	// explains (a leftover of a deleted pod or container).
	StatusUnexpected Status = "unexpected"
	// StatusUnlisted: a pod cgroup of a pod the input did not list, when
	// the input is not the node's complete pod list; not a difference.
	StatusUnlisted Status = "unlisted"
	// StatusError: the file exists but could not be read or parsed.
	StatusError Status = "error"
)

// Unexplained reports whether s is a difference nothing explains.
func (s Status) Unexplained() bool {
	switch s {
	case StatusDrift, StatusMissing, StatusUnexpected, StatusError:
		return true
	}
	return false
}

// Severity orders statuses from best (0, match) to worst (drift), so that
// a cgroup's overall status is the most severe of its files'.
func (s Status) Severity() int {
	switch s {
	case StatusMatch:
		return 0
	case StatusUnlisted:
		return 1
	case StatusExplained:
		return 2
	case StatusUnverified:
		return 3
	case StatusUnexpected:
		return 4
	case StatusMissing:
		return 5
	case StatusError:
		return 6
	case StatusDrift:
		return 7
	}
	return 8
}

// DiffOptions tune [Diff].
type DiffOptions struct {
	// Now is when the node's cgroups were read: the capture time of a
	// snapshot, or the current time for a live node. QoS tier values that
	// lag pods started within TierRefreshInterval before Now are
	// explained as "qos-tier-lag". The zero value disables that
	// time-based explanation.
	Now time.Time
	// CompletePodList reports that the pods given are every pod of the
	// node (the kubelet's /pods, all pods of a node from the API server),
	// so a pod cgroup no pod explains is a leftover ("unexpected"). When
	// false such pod cgroups are "unlisted", and tier values that count
	// them are explained as "pods-not-listed".
	CompletePodList bool
	// Guessed are the profile inputs the caller had to assume (Check
	// fills them): a file whose value rests on one and differs from the
	// prediction is StatusUnverified rather than drift, and one note per
	// shared cause says what would verify it.
	Guessed []Guess
}

// DiffReport is the comparison of an Expectation with what a node holds.
// Its JSON form is a stable contract (README, "Output contract: diff -o
// json").
type DiffReport struct {
	// APIVersion is "kubecgroups.io/v1alpha1".
	APIVersion string `json:"apiVersion"`
	// Kind is "DiffReport".
	Kind string `json:"kind"`
	// Summary counts the results.
	Summary DiffSummary `json:"summary"`
	// Profile is the node profile the expectation used.
	Profile Profile `json:"profile"`
	// ProfileSources says, per profile fact, where it came from ("flag",
	// "node-config", "tree", "host", "snapshot", "default"); filled by the
	// caller that assembled the profile.
	// Effects is what the limits do to the workload, from the kernel's
	// counters (Check with Effects, on a tree that holds them).
	Effects        *EffectReport     `json:"effects,omitempty"`
	ProfileSources map[string]string `json:"profileSources,omitempty"`
	// Node is what the tree showed about the node as a whole.
	Node DiffNode `json:"node"`
	// Results hold one entry per compared file, plus one per missing,
	// unexpected or unlisted cgroup: node levels first, then pods in the
	// expectation's order (pod, sandbox, containers), then cgroups no pod
	// explains.
	Results []DiffResult `json:"results"`
	// Notes are remarks about the comparison as a whole.
	Notes []Note `json:"notes,omitempty"`
}

// DiffSummary counts the results of a diff.
type DiffSummary struct {
	// Cgroups is the number of cgroups present on both sides and compared.
	Cgroups int `json:"cgroups"`
	// Files is the number of files compared.
	Files int `json:"files"`
	// Match, Drift, Explained, Unverified, Missing, Unexpected, Unlisted
	// and Errors count the results of each status (files and whole
	// cgroups).
	Match      int `json:"match"`
	Drift      int `json:"drift"`      // see StatusDrift
	Explained  int `json:"explained"`  // see StatusExplained
	Unverified int `json:"unverified"` // see StatusUnverified
	Missing    int `json:"missing"`    // see StatusMissing
	Unexpected int `json:"unexpected"` // see StatusUnexpected
	Unlisted   int `json:"unlisted"`   // see StatusUnlisted
	Errors     int `json:"errors"`     // see StatusError
}

// Unexplained is the number of differences nothing explains: drift,
// missing, unexpected and unreadable (not unverified values). A non-zero
// value makes the CLI exit with status 1.
func (s DiffSummary) Unexplained() int { return s.Drift + s.Missing + s.Unexpected + s.Errors }

// DiffNode describes the node as the tree showed it.
type DiffNode struct {
	// Mode is the tree's cgroup mode: unified, hybrid or legacy.
	Mode cgroupfs.Mode `json:"mode"`
	// Driver is the cgroup driver the tree's naming shows.
	Driver cgroupfs.Driver `json:"driver"`
	// CgroupRoot is the kubelet cgroupRoot the tree's naming implies.
	CgroupRoot string `json:"cgroupRoot"`
	// PageSizeBytes is the page size the tree was read with.
	PageSizeBytes int64 `json:"pageSizeBytes"`
	// WeightFormula is the container shares-to-weight formula inferred
	// from every container's cpu.shares and cpu.weight (cgroup v2 only).
	WeightFormula *FormulaInference `json:"weightFormula,omitempty"`
}

// FormulaInference is what the container cgroups tell about the runtime's
// shares-to-weight formula.
type FormulaInference struct {
	// Profile is the formula the profile's OCI runtime implies ("linear",
	// "quadratic" or "unknown" in JSON).
	Profile convert.WeightFormula `json:"profile"`
	// Inferred is the verdict: "linear", "quadratic", "both" (no container
	// tells them apart) or "neither" (containers disagree) in JSON.
	Inferred convert.Inference `json:"inferred"`
	// Containers is the number of container cgroups that took part.
	Containers int `json:"containers"`
	// Decisive is the number of them whose weight differs between the
	// formulas (the others are at 2 or 262144 shares).
	Decisive int `json:"decisive"`
	// Message explains the verdict.
	Message string `json:"message"`
}

// ResultCgroup identifies the cgroup a [DiffResult] is about. Its fields
// are promoted into DiffResult (r.Pod, r.Path...) and its JSON keys sit at
// the top of each result. Diff gives the results of one cgroup one shared
// ResultCgroup: a report's cgroups are stated once, not once per file.
type ResultCgroup struct {
	// Pod is "namespace/name"; empty for node levels and cgroups no pod
	// explains.
	Pod string `json:"pod,omitempty"`
	// UID is the pod's UID (also for pod cgroups no listed pod explains).
	UID string `json:"uid,omitempty"`
	// Level is where the cgroup sits: kubepods, burstable, besteffort,
	// pod or container.
	Level cgroupfs.Level `json:"level"`
	// Container is the container's name; empty for the pod, the sandbox
	// and container cgroups no container of the pod claims.
	Container string `json:"container,omitempty"`
	// ContainerType is app, init, sidecar or sandbox.
	ContainerType ContainerType `json:"containerType,omitempty"`
	// ContainerID is the bare container ID of a container cgroup.
	ContainerID string `json:"containerID,omitempty"`
	// Path is the cgroup's path in the node's hierarchy.
	Path string `json:"path"`
}

// DiffResult is the verdict on one file, or on a whole cgroup when File is
// empty (a missing, unexpected or unlisted cgroup, or a cgroup found at
// another path). Results made by [Diff] always have a ResultCgroup; it
// may be shared with the other results of the cgroup, so treat a report
// as read-only (copy the ResultCgroup before changing it).
type DiffResult struct {
	// ResultCgroup is the cgroup the result is about.
	*ResultCgroup
	// File is the cgroup file's name; empty for a result about the
	// whole cgroup.
	File string `json:"file,omitempty"`
	// Expected lists the accepted values.
	Expected []string `json:"expected,omitempty"`
	// Actual is what the file holds (empty when it could not be read).
	Actual string `json:"actual,omitempty"`
	// Status is the verdict.
	Status Status `json:"status"`
	// Reason is a reason code for explained results and for some
	// differences (for example "weight-formula"); for unverified ones,
	// why the input was assumed ("capacity-unknown").
	Reason Reason `json:"reason,omitempty"`
	// Input is, for an unverified result, the assumed input its
	// expected value rests on ("capacity.memory").
	Input Input `json:"input,omitempty"`
	// Message says what the difference means and what to do about it.
	Message string `json:"message,omitempty"`
	// Derivation is how the expected value was computed.
	Derivation string `json:"derivation,omitempty"`
}

// Diff compares an expectation with what a node's cgroups hold. The node
// should have been read with at least the files the expectation lists
// ([Expectation.Files] gives them per level).
func Diff(x *Expectation, node *cgroupfs.Node, opts DiffOptions) *DiffReport {
	d := &differ{x: x, node: node, opts: opts}
	d.r = &DiffReport{
		APIVersion: APIVersion, Kind: KindDiffReport,
		Profile: x.Profile,
		Node: DiffNode{
			Mode: node.Mode, Driver: node.Driver,
			CgroupRoot: node.CgroupRoot, PageSizeBytes: node.PageSizeBytes,
		},
	}
	d.r.Notes = append(d.r.Notes, x.Notes...)
	// One result per expected file, plus a few per cgroup (missing,
	// unexpected): sized once, the results never regrow and copy.
	n := 0
	for i := range x.Node {
		n += len(x.Node[i].Files) + 1
	}
	for i := range x.Pods {
		for j := range x.Pods[i].Cgroups {
			n += len(x.Pods[i].Cgroups[j].Files) + 1
		}
	}
	d.r.Results = make([]DiffResult, 0, n+16)
	d.index()
	d.inferFormula()
	d.tierCandidates()
	d.compareNode()
	for i := range x.Pods {
		d.comparePod(&x.Pods[i])
	}
	d.leftovers()
	d.groupUnverified()
	for _, g := range node.Gone {
		what := "container " + g.ContainerID
		if g.Level == cgroupfs.LevelPod {
			what = "pod " + g.PodUID
		}
		d.note(ReasonGone, fmt.Sprintf("%s vanished while the tree was read (%s); it was being deleted", what, g.Path))
	}
	for _, u := range node.Unknown {
		d.note(ReasonUnknownEntry, fmt.Sprintf("%s is not a Kubernetes cgroup: %s", u.Path, u.Reason))
	}
	return d.r
}

type differ struct {
	x    *Expectation
	node *cgroupfs.Node
	opts DiffOptions
	r    *DiffReport

	actualPods map[string]*cgroupfs.Pod
	seenPods   map[string]bool
	// formula is the container formula the node's containers show
	// (WeightUnknown when undecided).
	formula convert.WeightFormula
	// tierAlt holds, per tier file, extra values explained by tier lag or
	// by pods the input did not list.
	tierAlt map[tierFile][]tierValue
}

type tierFile struct {
	level cgroupfs.Level
	file  string
}

type tierValue struct {
	value   string
	reason  Reason
	message string
}

func (d *differ) note(reason Reason, msg string) {
	d.r.Notes = append(d.r.Notes, Note{Reason: reason, Message: msg})
}

func (d *differ) index() {
	d.actualPods = make(map[string]*cgroupfs.Pod, len(d.node.Pods))
	for i := range d.node.Pods {
		d.actualPods[d.node.Pods[i].UID] = &d.node.Pods[i]
	}
	d.seenPods = make(map[string]bool, len(d.x.Pods))
}

func (d *differ) add(res DiffResult) {
	d.r.Summary.count(res)
	d.r.Results = append(d.r.Results, res)
}

// Add adds the counts of o to s.
func (s *DiffSummary) Add(o DiffSummary) {
	s.Cgroups += o.Cgroups
	s.Files += o.Files
	s.Match += o.Match
	s.Drift += o.Drift
	s.Explained += o.Explained
	s.Unverified += o.Unverified
	s.Missing += o.Missing
	s.Unexpected += o.Unexpected
	s.Unlisted += o.Unlisted
	s.Errors += o.Errors
}

// Levels splits the status counts of Summary into the results about
// files and those about whole cgroups (a cgroup missing or unexpected, a
// pod not in the input, an exited container's cgroup gone), so that the
// file statuses add up to Summary.Files. The whole-cgroup counts come
// from Results; files carries Summary's Cgroups and Files, cgroups none.
func (r *DiffReport) Levels() (files, cgroups DiffSummary) {
	for _, res := range r.Results {
		if res.File == "" {
			cgroups.count(res)
		}
	}
	s := r.Summary
	files = DiffSummary{Cgroups: s.Cgroups, Files: s.Files,
		Match: s.Match - cgroups.Match, Drift: s.Drift - cgroups.Drift, Explained: s.Explained - cgroups.Explained,
		Missing: s.Missing - cgroups.Missing, Unexpected: s.Unexpected - cgroups.Unexpected,
		Unverified: s.Unverified - cgroups.Unverified, Unlisted: s.Unlisted - cgroups.Unlisted, Errors: s.Errors - cgroups.Errors}
	return files, cgroups
}

// count adds one result to the file and status counts.
func (s *DiffSummary) count(res DiffResult) {
	if res.File != "" {
		s.Files++
	}
	switch res.Status {
	case StatusMatch:
		s.Match++
	case StatusDrift:
		s.Drift++
	case StatusExplained:
		s.Explained++
	case StatusUnverified:
		s.Unverified++
	case StatusMissing:
		s.Missing++
	case StatusUnexpected:
		s.Unexpected++
	case StatusUnlisted:
		s.Unlisted++
	case StatusError:
		s.Errors++
	}
}

// where identifies a cgroup in results.
type where struct {
	pod   *PodExpectation
	cg    *ExpectedCgroup
	id    string
	path  string
	level cgroupfs.Level
	ref   *ResultCgroup // made by the first result
}

// result returns a result about w's cgroup; every result of one where
// (and of its copies made after the first call) shares one ResultCgroup.
func (w *where) result() DiffResult {
	if w.ref == nil {
		r := &ResultCgroup{Level: w.level, Path: w.path, ContainerID: w.id}
		if w.pod != nil {
			r.Pod = w.pod.Namespace + "/" + w.pod.Name
			r.UID = w.pod.UID
		}
		if w.cg != nil {
			r.Container = w.cg.Container
			r.ContainerType = w.cg.ContainerType
			if r.ContainerID == "" {
				r.ContainerID = w.cg.ContainerID
			}
		}
		w.ref = r
	}
	return DiffResult{ResultCgroup: w.ref}
}

func (d *differ) compareNode() {
	for _, level := range []cgroupfs.Level{cgroupfs.LevelKubepods, cgroupfs.LevelBurstable, cgroupfs.LevelBestEffort} {
		ec := d.x.NodeCgroup(level)
		if ec == nil {
			continue
		}
		var ac *cgroupfs.Cgroup
		switch level {
		case cgroupfs.LevelKubepods:
			ac = d.node.Kubepods
		case cgroupfs.LevelBurstable:
			ac = d.node.Burstable
		case cgroupfs.LevelBestEffort:
			ac = d.node.BestEffort
		}
		w := where{cg: ec, level: level, path: ec.Path}
		if ac == nil {
			r := w.result()
			r.Status = StatusMissing
			r.Message = fmt.Sprintf("the %s cgroup %s does not exist on the node; is cgroupsPerQOS false, or do the driver and cgroupRoot differ from the kubelet's?", level, ec.Path)
			d.add(r)
			continue
		}
		w.path = ac.Path
		d.compareCgroup(w, ec, ac)
	}
}

func (d *differ) comparePod(pe *PodExpectation) {
	podCG := pe.Cgroup(cgroupfs.LevelPod, "", "")
	if podCG == nil {
		return
	}
	wPod := where{pod: pe, cg: podCG, level: cgroupfs.LevelPod, path: podCG.Path}
	if pe.UID == "" || strings.HasPrefix(pe.UID, "<") {
		r := wPod.result()
		r.Status = StatusMissing
		r.Message = "the pod has no UID (a manifest rather than a pod read from the API server or the kubelet), so its cgroups cannot be found; give pods from `kubectl get pods -o yaml` or the kubelet's /pods"
		d.add(r)
		return
	}
	d.seenPods[pe.UID] = true
	ap := d.actualPods[pe.UID]
	if ap == nil {
		r := wPod.result()
		r.Status = StatusMissing
		r.Message = fmt.Sprintf("no cgroup for pod uid %s on the node (expected at %s); the pod may not run on this node, may not have started yet, or the driver or cgroupRoot differ", pe.UID, podCG.Path)
		d.add(r)
		return
	}
	wPod.path = ap.Path
	if ap.Path != podCG.Path {
		r := wPod.result()
		r.Status = StatusDrift
		r.Reason = ReasonPodPath
		r.Message = fmt.Sprintf("the pod cgroup is at %s (QoS tier %s) but the pod's QoS class %s puts it at %s", ap.Path, ap.Tier, pe.QOSClass, podCG.Path)
		d.add(r)
	}
	d.compareCgroup(wPod, podCG, &ap.Cgroup)

	// Pair containers by ID; the sandbox is what remains.
	used := map[string]bool{}
	var sandbox *ExpectedCgroup
	for i := range pe.Cgroups {
		ec := &pe.Cgroups[i]
		if ec.Level != cgroupfs.LevelContainer {
			continue
		}
		if ec.ContainerType == ContainerSandbox {
			sandbox = ec
			continue
		}
		w := where{pod: pe, cg: ec, level: cgroupfs.LevelContainer, path: ec.Path, id: ec.ContainerID}
		if ec.ContainerID == "" {
			if ec.Optional {
				continue
			}
			r := w.result()
			r.Status = StatusMissing
			r.Message = fmt.Sprintf("the pod status has no container ID for %q (not started yet, or the input is a manifest without status), so its cgroup cannot be found", ec.Container)
			d.add(r)
			continue
		}
		ac := ap.Container(ec.ContainerID)
		if ac == nil {
			r := w.result()
			if ec.Optional {
				r.Status = StatusExplained
				r.Reason = ReasonContainerExited
				r.Message = fmt.Sprintf("no cgroup for %s container %q: it finished and the runtime removed its cgroup", ec.ContainerType, ec.Container)
			} else {
				r.Status = StatusMissing
				r.Message = fmt.Sprintf("no cgroup for container %q (id %s) under %s; it may have restarted with a new ID since the pod list was read", ec.Container, ec.ContainerID[:min(13, len(ec.ContainerID))], ap.Path)
			}
			d.add(r)
			continue
		}
		used[ac.ID] = true
		w.path = ac.Path
		d.compareCgroup(w, ec, &ac.Cgroup)
	}
	var rest []*cgroupfs.Container
	for i := range ap.Containers {
		if !used[ap.Containers[i].ID] {
			rest = append(rest, &ap.Containers[i])
		}
	}
	if sandbox != nil {
		if len(rest) == 0 {
			w := where{pod: pe, cg: sandbox, level: cgroupfs.LevelContainer, path: sandbox.Path}
			if !sandbox.Optional {
				r := w.result()
				r.Status = StatusMissing
				r.Message = "no sandbox (pause) cgroup: every container cgroup of the pod belongs to a listed container"
				d.add(r)
			}
		} else {
			best := bestSandbox(sandbox, rest)
			w := where{pod: pe, cg: sandbox, level: cgroupfs.LevelContainer, path: rest[best].Path, id: rest[best].ID}
			d.compareCgroup(w, sandbox, &rest[best].Cgroup)
			rest = slices.Delete(rest, best, best+1)
		}
	}
	for _, c := range rest {
		d.add(DiffResult{
			ResultCgroup: &ResultCgroup{Pod: pe.Namespace + "/" + pe.Name, UID: pe.UID, Level: cgroupfs.LevelContainer, ContainerID: c.ID, Path: c.Path},
			Status:       StatusUnexpected,
			Message:      fmt.Sprintf("container cgroup %s belongs to no container of the pod status: a leftover of a restarted or removed container, or a container started after the pod list was read", c.ID[:min(13, len(c.ID))]),
		})
	}
}

// bestSandbox picks, among the container cgroups no listed container
// claims, the one that matches the sandbox expectation best.
func bestSandbox(ec *ExpectedCgroup, rest []*cgroupfs.Container) int {
	best, bestScore := 0, -1
	for i, c := range rest {
		score := 0
		for name, ef := range ec.Files {
			if f, ok := c.Files[name]; ok && f.Err == nil && ef.Accepts(f.Raw) {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

func (d *differ) compareCgroup(w where, ec *ExpectedCgroup, ac *cgroupfs.Cgroup) {
	d.r.Summary.Cgroups++
	w.result() // makes w.ref, which the files' results share
	for _, n := range ec.Notes {
		if n.Reason == ReasonCgroupV1Unsupported {
			// A feature the pod asks for that cgroup v1 cannot express:
			// its files are absent by design, which is worth saying.
			r := w.result()
			r.Status, r.Reason, r.Message = StatusExplained, n.Reason, n.Message
			d.add(r)
		}
	}
	names := make([]string, 0, len(ec.Files))
	for name := range ec.Files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		d.add(d.compareFile(w, name, ec, ac))
	}
}

func (d *differ) compareFile(w where, name string, ec *ExpectedCgroup, ac *cgroupfs.Cgroup) DiffResult {
	ef := ec.Files[name]
	r := w.result()
	r.File = name
	r.Expected = ef.Accept
	r.Derivation = ef.Derivation
	af, ok := ac.Files[name]
	if !ok {
		r.Status = StatusError
		r.Message = fmt.Sprintf("%s was not read from %s (the reader was not asked for it)", name, ac.Path)
		return r
	}
	if af.Err != nil {
		// A value that does not parse is quoted, not compared: at most
		// safetext.DefaultMaxBytes of it, with its length.
		r.Actual = safetext.Truncate(af.Raw, safetext.DefaultMaxBytes)
		switch {
		case errors.Is(af.Err, cgroupfs.ErrNotSupported):
			r.Status = StatusExplained
			r.Reason = ReasonControllerUnavailable
			r.Message = fmt.Sprintf("the node has no controller for %s, so neither the kubelet nor the runtime can write it: %v", name, af.Err)
		case errors.Is(af.Err, fs.ErrNotExist):
			r.Status = StatusMissing
			r.Message = fmt.Sprintf("%s does not exist in %s; the kernel lacks the file or the profile assumes a feature the node does not have", name, ac.Path)
		default:
			r.Status = StatusError
			r.Message = af.Err.Error()
		}
		return r
	}
	actual := af.Raw
	r.Actual = actual
	equal := func(a, b string) bool { return a == b }
	if strings.HasPrefix(name, "cpuset.") {
		equal = cpusetEqual
	}
	for _, ex := range ef.Explained {
		if slices.ContainsFunc(ex.Values, func(v string) bool { return equal(v, actual) }) {
			r.Status = StatusExplained
			r.Reason = ex.Reason
			r.Message = ex.Message
			if ex.Reason == ReasonWeightFormula {
				r.Message = d.formulaMessage(ex.Message)
			}
			return r
		}
	}
	if slices.ContainsFunc(ef.Accept, func(v string) bool { return equal(v, actual) }) {
		r.Status = StatusMatch
		return r
	}
	if r2, ok := d.underNodeFormula(w, name, ef, actual, r); ok {
		return r2
	}
	if w.level == cgroupfs.LevelBurstable || w.level == cgroupfs.LevelKubepods || w.level == cgroupfs.LevelBestEffort {
		for _, alt := range d.tierAlt[tierFile{w.level, name}] {
			if alt.value == actual {
				r.Status = StatusExplained
				r.Reason = alt.reason
				r.Message = alt.message
				return r
			}
		}
	}
	if g := d.guessOf(w.level, name, ec, ac, actual); g != nil {
		r.Status, r.Reason, r.Input = StatusUnverified, g.Reason, g.Input
		r.Message = unverifiedMessage(g, ef, safetext.Truncate(actual, safetext.DefaultMaxBytes))
		return r
	}
	r.Status = StatusDrift
	r.Message = fmt.Sprintf("expected %s, found %s", strings.Join(quoteAll(ef.Accept), " or "), safetext.Truncate(actual, safetext.DefaultMaxBytes))
	return r
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func cpusetEqual(a, b string) bool {
	sa, errA := convert.ParseCPUSet(a)
	sb, errB := convert.ParseCPUSet(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return sa.Equal(sb)
}

// leftovers reports pod cgroups no listed pod explains.
func (d *differ) leftovers() {
	var pods []*cgroupfs.Pod
	for uid, p := range d.actualPods {
		if !d.seenPods[uid] {
			pods = append(pods, p)
		}
	}
	slices.SortFunc(pods, func(a, b *cgroupfs.Pod) int { return cmp.Compare(a.Path, b.Path) })
	for _, p := range pods {
		r := DiffResult{ResultCgroup: &ResultCgroup{UID: p.UID, Level: cgroupfs.LevelPod, Path: p.Path}}
		if d.opts.CompletePodList {
			r.Status = StatusUnexpected
			r.Message = fmt.Sprintf("pod cgroup of uid %s (%s tier, %d container cgroups) belongs to no pod of the node: a leftover of a deleted pod; the kubelet removes such cgroups during housekeeping, so a lasting one points at a stuck pod or runtime", p.UID, p.Tier, len(p.Containers))
		} else {
			r.Status = StatusUnlisted
			r.Message = fmt.Sprintf("pod uid %s (%s tier) is not in the input; give every pod of the node (the kubelet's /pods, or kubectl get pods -A --field-selector spec.nodeName=NODE) to check it", p.UID, p.Tier)
		}
		d.add(r)
	}
}

// underNodeFormula re-checks a container's cpu.weight with the formula the
// node's containers show, when the profile assumed another one: the
// prediction and its explained alternatives (an in-progress resize, say)
// then still match.
func (d *differ) underNodeFormula(w where, name string, ef ExpectedFile, actual string, r DiffResult) (DiffResult, bool) {
	if name != "cpu.weight" || w.level != cgroupfs.LevelContainer || d.formula == convert.WeightUnknown {
		return r, false
	}
	if ef.Shares > 0 && actual == strconv.FormatUint(d.formula.Weight(ef.Shares), 10) {
		r.Status, r.Reason = StatusExplained, ReasonWeightFormula
		r.Message = fmt.Sprintf("%s is the %s formula's weight for %d shares, the formula this node's runtime uses. %s", actual, d.formula, ef.Shares, d.r.Node.WeightFormula.Message)
		return r, true
	}
	for _, ex := range ef.Explained {
		if ex.Shares > 0 && actual == strconv.FormatUint(d.formula.Weight(ex.Shares), 10) {
			r.Status, r.Reason = StatusExplained, ex.Reason
			r.Message = fmt.Sprintf("%s (converted with the %s shares-to-weight formula this node's runtime uses: %d shares give weight %s)", ex.Message, d.formula, ex.Shares, actual)
			return r, true
		}
	}
	return r, false
}

// formulaMessage adds what the node's containers show to a weight-formula
// explanation.
func (d *differ) formulaMessage(msg string) string {
	fi := d.r.Node.WeightFormula
	if fi == nil || fi.Decisive == 0 || d.formula == convert.WeightUnknown {
		return msg
	}
	return fmt.Sprintf("%s The node's containers agree: they use the %s formula (%d of them tell the formulas apart).", msg, d.formula, fi.Decisive)
}

// Files lists, per level, the file names the expectation compares, in the
// form cgroupfs.NodeOptions.Files takes, so that a reader reads exactly
// those.
func (x *Expectation) Files() map[cgroupfs.Level][]string {
	sets := map[cgroupfs.Level]map[string]bool{}
	add := func(l cgroupfs.Level, files map[string]ExpectedFile) {
		if sets[l] == nil {
			sets[l] = map[string]bool{}
		}
		for name := range files {
			sets[l][name] = true
		}
	}
	for _, c := range x.Node {
		add(cgroupfs.Level(c.Level), c.Files)
	}
	for _, p := range x.Pods {
		for _, c := range p.Cgroups {
			add(cgroupfs.Level(c.Level), c.Files)
		}
	}
	out := make(map[cgroupfs.Level][]string, len(sets))
	for l, set := range sets {
		names := make([]string, 0, len(set))
		for n := range set {
			names = append(names, n)
		}
		slices.Sort(names)
		out[l] = names
	}
	return out
}
