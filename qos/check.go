package qos

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	corev1 "k8s.io/api/core/v1"
)

// CheckOptions are the inputs of Check: a node's cgroup tree, its pods,
// and what is known about the node besides its tree.
type CheckOptions struct {
	// Tree is a live cgroup tree (cgroupfs.NewFS); give it or Snapshot.
	Tree *cgroupfs.FS
	// Snapshot is a snapshot (cgroupfs.ReadSnapshot, ReadSnapshotFile);
	// give it or Tree. Its capture time, page size and machine facts are
	// used.
	Snapshot *cgroupfs.Snapshot
	// Node selects the kubepods cgroup (Driver, CgroupRoot; zero values
	// are inferred from the tree). Files is ignored: Check reads the
	// files the expectation compares, and only those.
	Node cgroupfs.NodeOptions
	// Pods are the node's pods as read (ReadPods, ReadPodList). Check
	// applies the API server's defaulting for the profile (in place) to
	// those Defaulting selects.
	Pods []*corev1.Pod
	// PodsSource names where the pods came from (profile source "pods").
	PodsSource string
	// PodsFromAPIServer says Pods were read from the API server or the
	// kubelet's /pods: as stored, so DefaultingAuto defaults none of them.
	PodsFromAPIServer bool
	// Defaulting selects the pods that get the API server's defaulting;
	// the zero value is DefaultingAuto.
	Defaulting Defaulting
	// CompletePodList says Pods are every pod of the node, so pod
	// cgroups no pod explains are leftovers.
	CompletePodList bool
	// Facts are what the caller knows of the node besides its tree: the
	// machine (on a live node, cgroupfs.ReadMachine of the host), and
	// what the Kubernetes API tells (FactsFromNodeObject, /configz). Every
	// field set replaces what the tree or the snapshot shows.
	Facts Facts
	// Overrides win over everything (a CLI's flags). An OCI runtime that
	// is not given is "unknown": both shares-to-weight formulas are
	// accepted and the report infers which one the node uses.
	Overrides Overrides
	// Notes are the caller's remarks, put first in the report.
	Notes []Note
	// Now is the time the tree was read, for QoS tier lag; zero means
	// the snapshot's capture time, or the current time for a live tree.
	Now time.Time
	// Effects also reads the kernel's counters and reports what the
	// limits do to the workload (Effects) when the tree holds counters (a
	// live node; a snapshot taken with them). Nil reads no counters.
	// With Effects.Window the live tree is read twice (ReadEffects); a
	// snapshot is refused (ErrWindowOfSnapshot).
	Effects *EffectsOptions
}

// CheckResult is what Check produced.
type CheckResult struct {
	// Report is the diff, with ProfileSources and notes filled in.
	Report *DiffReport
	// Expectation is what the pods should have produced (pods' resize
	// states, per-cgroup derivations).
	Expectation *Expectation
	// Profile is the node profile resolved from the defaults, the facts
	// and the overrides; Report.ProfileSources says where each part came
	// from.
	Profile Profile
}

// ociUnknownSource is the source of the OCI runtime when none is given.
const ociUnknownSource = "default: unknown, both formulas accepted; the report infers it"

// Check compares a node's cgroups with what its pods ask for: it reads
// the node's shape from the tree (mode, driver, cgroupRoot, huge page
// sizes, swap accounting, the runtime's naming), resolves the profile
// (defaults, tree facts, o.Facts, o.Overrides), computes the expectation,
// reads the files it compares of the cgroups found (without listing the
// tree again: cgroupfs.NodeOptions.Known) and diffs them. Errors name the
// bad input; a tree without a kubepods cgroup is an error.
func Check(o CheckOptions) (*CheckResult, error) {
	tree := o.Tree
	switch {
	case (tree == nil) == (o.Snapshot == nil):
		return nil, errors.New("check: give a live tree or a snapshot, not both or neither")
	case o.Snapshot != nil:
		var err error
		if tree, err = o.Snapshot.FS(); err != nil {
			return nil, err
		}
		defer tree.Close()
	}
	discovery := o.Node
	// The node levels with their files (huge page sizes, swap accounting),
	// pods and containers by name only (the runtime's naming).
	discovery.Files = map[cgroupfs.Level][]string{cgroupfs.LevelPod: {}, cgroupfs.LevelContainer: {}}
	source := "tree"
	if o.Snapshot != nil {
		source = "snapshot"
	}
	node, err := tree.Node(discovery)
	if err != nil {
		return nil, mismatchOf(tree, discovery, source, err)
	}
	facts := TreeFacts(node, source).With(o.Facts)
	notes := append([]Note(nil), o.Notes...)
	now := o.Now
	if o.Snapshot != nil {
		s := &o.Snapshot.Info
		if facts.Machine == nil && s.Machine != nil {
			facts.Machine, facts.MachineSource = s.Machine, "snapshot"
		}
		if facts.PageSizeBytes == 0 {
			facts.PageSizeBytes = s.PageSizeBytes
		}
		if now.IsZero() {
			if s.CapturedAt.IsZero() {
				notes = append(notes, Note{Reason: ReasonTimeUnknown, Message: "the snapshot does not record when it was taken, so QoS tier values that lag recent pods cannot be explained"})
			}
			now = s.CapturedAt
		}
	} else if now.IsZero() {
		now = time.Now()
	}
	// What the tree proves of the inputs not given, and what remains
	// assumed (values resting on it are unverified, not drift).
	inf := infer(node, facts, o.Overrides)
	if facts.Machine == nil && len(o.Overrides.Capacity) == 0 {
		msg := "the machine's capacity is not known (a snapshot without machine facts); kubepods values assume the default 8 CPUs and 32 GiB: give --node-capacity"
		if len(inf.what) > 0 {
			msg = fmt.Sprintf("the machine's capacity is not known (a snapshot without machine facts); inferred from the tree: %s", strings.Join(inf.what, ", "))
			if inf.capacityGuessed() {
				msg += "; the rest assume the defaults (8 CPUs, 32 GiB), and kubepods values resting on them are unverified: give --node-capacity"
			}
		}
		notes = append(notes, Note{Reason: ReasonCapacityUnknown, Message: msg})
	}
	overrides := o.Overrides
	if overrides.OCI == nil {
		overrides.OCI = &OCIRuntime{Name: "unknown"}
	}
	if len(inf.capacity) > 0 {
		c := inf.capacity.DeepCopy()
		maps.Copy(c, o.Overrides.Capacity)
		overrides.Capacity = c
	}
	profile, sources, err := ResolveProfile(facts, overrides)
	if err != nil {
		return nil, err
	}
	if len(inf.what) > 0 {
		src := SourceInferred + " (" + strings.Join(inf.what, ", ") + ")"
		if facts.Machine != nil {
			src = facts.MachineSource + "; " + src
		}
		if len(o.Overrides.Capacity) > 0 {
			src += " and flag"
		}
		sources["capacity"] = src
	}
	if o.Overrides.OCI == nil {
		sources["ociRuntime"] = ociUnknownSource
	}
	if o.PodsSource != "" {
		sources["pods"] = o.PodsSource
	}
	if err := profile.DefaultPods(o.Pods, o.Defaulting, o.PodsFromAPIServer); err != nil {
		return nil, err
	}
	x, err := Expect(o.Pods, profile)
	if err != nil {
		return nil, err
	}
	// The files the expectation compares, of the cgroups discovery
	// found: no directory is listed twice.
	read := o.Node
	read.Files = x.Files()
	read.Known = node
	var effects *EffectReport
	if o.Effects != nil {
		node, effects, err = ReadEffects(ReadEffectsOptions{Tree: tree, Snapshot: o.Snapshot != nil, Read: read, Expectation: x, At: now, Effects: *o.Effects})
	} else {
		node, err = tree.Node(read)
	}
	if err != nil {
		return nil, err
	}
	report := Diff(x, node, DiffOptions{Now: now, CompletePodList: o.CompletePodList, Guessed: inf.guessed})
	if effects != nil && hasCounters(node) {
		report.Effects = effects
	}
	report.ProfileSources = sources
	report.Notes = append(notes, report.Notes...)
	for _, n := range node.Notes {
		report.Notes = append(report.Notes, Note{Reason: ReasonTree, Message: n})
	}
	return &CheckResult{Report: report, Expectation: x, Profile: profile}, nil
}

// With returns f with every field that g sets replaced by g's: g's
// machine, version, kubelet configuration and CRI runtime (each with its
// source), and page size; g's guesses are added to f's.
func (f Facts) With(g Facts) Facts {
	if g.Machine != nil {
		f.Machine, f.MachineSource = g.Machine, g.MachineSource
	}
	if g.KubernetesVersion != "" {
		f.KubernetesVersion, f.VersionSource = g.KubernetesVersion, g.VersionSource
	}
	if g.KubeletConfig != nil {
		f.KubeletConfig, f.KubeletSource = g.KubeletConfig, g.KubeletSource
	}
	if g.CRI != "" {
		f.CRI, f.CRISource = g.CRI, g.CRISource
	}
	if g.PageSizeBytes != 0 {
		f.PageSizeBytes = g.PageSizeBytes
	}
	f.Guessed = append(slices.Clip(f.Guessed), g.Guessed...)
	return f
}

// FilterReport keeps the results keep accepts and recounts the summary
// over them, as the diff counts: files and statuses of every kept result,
// and the distinct cgroups among kept file results. Notes and profile
// sources stay.
func FilterReport(r *DiffReport, keep func(DiffResult) bool) {
	kept := r.Results[:0:0]
	var s DiffSummary
	cgroups := map[ResultCgroup]bool{}
	for _, res := range r.Results {
		if !keep(res) {
			continue
		}
		kept = append(kept, res)
		s.count(res)
		if res.File != "" && res.ResultCgroup != nil {
			cgroups[*res.ResultCgroup] = true
		}
	}
	s.Cgroups = len(cgroups)
	r.Results, r.Summary = kept, s
}

// DriftOnly returns a copy of r that holds only the results with
// unexplained differences; its summary still counts every result (what
// `kubectl-cgroups diff --only-drift -o json` prints). r is not changed.
func (r *DiffReport) DriftOnly() *DiffReport {
	out := *r
	out.Results = []DiffResult{}
	for _, res := range r.Results {
		if res.Status.Unexplained() {
			out.Results = append(out.Results, res)
		}
	}
	return &out
}

// hasCounters reports whether the tree held any counter file at the
// node levels (an older snapshot or a fake tree holds none).
func hasCounters(n *cgroupfs.Node) bool {
	if n.Kubepods == nil {
		return false
	}
	for _, name := range cgroupfs.CounterFiles(n.Mode.Version()) {
		if f, ok := n.Kubepods.Files[name]; ok && f.Err == nil {
			return true
		}
	}
	return false
}

// mismatchOf turns a tree without a kubepods cgroup for the driver or
// cgroupRoot given into a *TreeMismatchError saying what the tree shows,
// when the tree has one for other settings; other errors stay.
func mismatchOf(tree *cgroupfs.FS, given cgroupfs.NodeOptions, source string, err error) error {
	if !errors.Is(err, fs.ErrNotExist) || (given.Driver == "" && given.CgroupRoot == "") {
		return err
	}
	probe := given
	probe.Driver, probe.CgroupRoot = "", ""
	n, perr := tree.Node(probe)
	if perr != nil || n.Kubepods == nil {
		return err
	}
	shows := fmt.Sprintf("the %s driver's kubepods cgroup at %s (cgroupRoot %s) in the %s", n.Driver, n.Kubepods.Path, n.CgroupRoot, source)
	if given.Driver != "" && given.Driver != n.Driver {
		return &TreeMismatchError{Setting: "cgroupDriver", Value: string(given.Driver), Tree: shows, Err: err}
	}
	if given.CgroupRoot != "" {
		return &TreeMismatchError{Setting: "cgroupRoot", Value: given.CgroupRoot, Tree: shows, Err: err}
	}
	return err
}
