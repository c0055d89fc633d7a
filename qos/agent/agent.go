package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
)

// Defaults of Options.
const (
	// DefaultInterval is how often the agent checks without a pod change.
	DefaultInterval = 30 * time.Second
	// DefaultDebounce is how long the agent waits after a pod change for
	// more changes before it checks.
	DefaultDebounce = 2 * time.Second
	// Component is the agent's name as Events record it (source
	// component) and as its manifests label it.
	Component = "kubecgroups-agent"
)

// Event reasons.
const (
	// ReasonCgroupDrift is the reason of the Warning Event on a pod (or
	// the Node) whose cgroups hold what its spec does not explain.
	ReasonCgroupDrift = "CgroupDrift"
	// ReasonCgroupDriftResolved is the reason of the Normal Event that
	// follows when that drift clears.
	ReasonCgroupDriftResolved = "CgroupDriftResolved"
)

// Options configure an Agent.
type Options struct {
	// NodeName is the node the agent watches (required).
	NodeName string
	// Client reads the node's pods and Node object and records Events
	// (required).
	Client Client
	// Kubelet reads the kubelet's API through the API server's node proxy
	// (RESTClient.Kubelet); nil skips /configz and stats/summary.
	Kubelet func(ctx context.Context, node, path string) ([]byte, error)
	// Tree is the node's cgroup tree (cgroupfs.NewFS of the hostPath
	// mount; required). The agent never closes it.
	Tree *cgroupfs.FS
	// Node selects the kubepods cgroup (Driver, CgroupRoot; zero values
	// are inferred). Files is ignored.
	Node cgroupfs.NodeOptions
	// NodeConfig is a kubelet configuration (a KubeletConfiguration file
	// or /configz JSON), used when /configz cannot be read;
	// NodeConfigSource names it in the profile sources.
	NodeConfig       []byte
	NodeConfigSource string
	// Facts are what the caller knows of the node (the host's machine,
	// page size); the Node object and /configz are laid over them.
	Facts qos.Facts
	// Overrides win over everything.
	Overrides qos.Overrides
	// Interval is the time between checks without pod changes
	// (DefaultInterval); Debounce the quiet time after a pod change
	// before a check (DefaultDebounce).
	Interval, Debounce time.Duration
	// Recorder records the Events; nil builds one on Client (Run starts
	// and stops its broadcaster).
	Recorder record.EventRecorder
	// ToolVersion is recorded in snapshots.
	ToolVersion string
	// Errorf receives what goes wrong in the background (a failed check,
	// a refused Event list); nil drops it.
	Errorf func(format string, args ...any)
}

// Stats count the agent's work since it started.
type Stats struct {
	// Checks is the number of checks run (successful or not).
	Checks uint64
	// Expectations is the number of times the expectation was computed
	// (qos.Expecter.Expect): once at start and once per relevant pod
	// change.
	Expectations uint64
	// PodsComputed is the number of pods whose part of the expectation
	// was computed: every pod at start (and when the profile is resolved
	// again), then only the pods that changed or came.
	PodsComputed uint64
	// PodsReused is the number of pods whose part was kept from the
	// previous expectation.
	PodsReused uint64
	// PodChanges is the number of pod events that changed what the
	// expectation reads (added, deleted, inputs changed: qos.SameInputs).
	PodChanges uint64
	// PodUpdatesIgnored is the number of pod updates that did not.
	PodUpdatesIgnored uint64
}

// Agent watches one node. New builds it; Start begins the pod watch; Run
// checks until its context ends. Report, Snapshot and Handler may be used
// concurrently with Run.
type Agent struct {
	o        Options
	informer cache.SharedIndexInformer
	trigger  chan struct{}
	metrics  *metrics
	events   *events
	stopRec  func()

	// checkMu serialises checks and reads of the tree.
	checkMu sync.Mutex
	// Guarded by checkMu: the resolved profile, its Expecter (which
	// keeps each pod's part) and the cached expectation.
	profile  *resolved
	expecter *qos.Expecter
	x        *qos.Expectation
	files    map[cgroupfs.Level][]string
	refs     map[string]*corev1.ObjectReference // "namespace/name" -> pod

	podsDirty atomic.Bool
	synced    atomic.Bool
	checks    atomic.Uint64
	expects   atomic.Uint64
	changes   atomic.Uint64
	// podsComputed and podsReused are the Expecter's counts.
	podsComputed atomic.Uint64
	podsReused   atomic.Uint64
	ignored      atomic.Uint64

	// mu guards the latest outcome.
	mu      sync.RWMutex
	report  *qos.DiffReport
	lastErr error
}

// resolved is the node profile, resolved once.
type resolved struct {
	profile qos.Profile
	sources qos.ProfileSources
	notes   []qos.Note
	guessed []qos.Guess // inputs that may not be the kubelet's
	node    cgroupfs.NodeOptions
	machine *cgroupfs.MachineInfo
}

// New checks the options and builds an Agent; it does not reach the API
// server yet.
func New(o Options) (*Agent, error) {
	switch {
	case o.NodeName == "":
		return nil, errors.New("agent: no node name (--node-name, or NODE_NAME from the downward API)")
	case o.Client == nil:
		return nil, errors.New("agent: no Kubernetes client")
	case o.Tree == nil:
		return nil, errors.New("agent: no cgroup tree")
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.Errorf == nil {
		o.Errorf = func(string, ...any) {}
	}
	a := &Agent{o: o, trigger: make(chan struct{}, 1), metrics: newMetrics()}
	a.stopRec = func() {}
	rec := o.Recorder
	if rec == nil {
		b := record.NewBroadcaster(record.WithContext(context.Background()))
		b.StartRecordingToSink(o.Client)
		rec = b.NewRecorder(coreScheme, corev1.EventSource{Component: Component, Host: o.NodeName})
		a.stopRec = b.Shutdown
	}
	a.events = &events{rec: rec, node: o.NodeName, announced: map[string]announced{}}
	a.informer = a.newInformer()
	return a, nil
}

// newInformer watches the node's pods: a field selector on spec.nodeName,
// and a transform (stripPod) that drops what the agent never reads, so
// that the cache holds less.
func (a *Agent) newInformer() cache.SharedIndexInformer {
	sel := fields.OneTermEqualSelector("spec.nodeName", a.o.NodeName).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.FieldSelector = sel
			return a.o.Client.ListPods(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.FieldSelector = sel
			return a.o.Client.WatchPods(ctx, opts)
		},
	}
	// The fake clientset does not stream watch lists; the generated
	// informers ask it the same way.
	inf := cache.NewSharedIndexInformerWithOptions(cache.ToListWatcherWithWatchListSemantics(lw, a.o.Client), &corev1.Pod{}, cache.SharedIndexInformerOptions{})
	_ = inf.SetTransform(stripPod)
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { a.podChanged(obj, nil) },
		UpdateFunc: func(old, obj any) {
			a.podChanged(obj, old)
		},
		DeleteFunc: func(obj any) { a.podChanged(nil, obj) },
	})
	return inf
}

// stripPod drops from a pod what the agent never reads before the
// informer caches it: managed fields, labels, owner references, and every
// annotation but the kubelet's "kubernetes.io/config.*" (the static pod's
// source and mirror UID, which the expectation reads). A kubectl
// last-applied-configuration annotation alone can double a pod's size.
func stripPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		if m, ok := obj.(metav1.Object); ok {
			m.SetManagedFields(nil)
		}
		return obj, nil
	}
	p.ManagedFields, p.Labels, p.OwnerReferences = nil, nil, nil
	var keep map[string]string
	for k, v := range p.Annotations {
		if strings.HasPrefix(k, "kubernetes.io/config.") {
			if keep == nil {
				keep = map[string]string{}
			}
			keep[k] = v
		}
	}
	p.Annotations = keep
	return p, nil
}

// podChanged marks the expectation stale when what it reads of a pod of
// this node changed, and asks for a check.
func (a *Agent) podChanged(obj, old any) {
	p, _ := obj.(*corev1.Pod)
	q, _ := old.(*corev1.Pod)
	if d, ok := old.(cache.DeletedFinalStateUnknown); ok {
		q, _ = d.Obj.(*corev1.Pod)
	}
	if p != nil && p.Spec.NodeName != a.o.NodeName {
		p = nil // a server (or fake) that ignored the field selector
	}
	if q != nil && q.Spec.NodeName != a.o.NodeName {
		q = nil
	}
	switch {
	case p == nil && q == nil:
		return
	case p != nil && q != nil && qos.SameInputs(p, q):
		a.ignored.Add(1)
		return
	}
	a.changes.Add(1)
	a.podsDirty.Store(true)
	select {
	case a.trigger <- struct{}{}:
	default:
	}
}

// Start begins watching the node's pods and returns once the informer
// has listed them, or with ctx's error. It also restores the drift
// already announced by earlier runs from their Events.
func (a *Agent) Start(ctx context.Context) error {
	go a.informer.RunWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), a.informer.HasSynced) {
		return fmt.Errorf("agent: listing the pods of node %s: %w", a.o.NodeName, context.Cause(ctx))
	}
	a.synced.Store(true)
	a.podsDirty.Store(true)
	if err := a.events.restore(ctx, a.o.Client); err != nil {
		a.o.Errorf("agent: %v", err)
	}
	return nil
}

// Run starts the agent (Start) and checks the node at once, after every
// pod change (debounced) and every interval, until ctx ends; it returns
// ctx's cause, or Start's error.
func (a *Agent) Run(ctx context.Context) error {
	defer a.stopRec()
	if err := a.Start(ctx); err != nil {
		return err
	}
	tick := time.NewTicker(a.o.Interval)
	defer tick.Stop()
	debounce := time.NewTimer(0) // the first check, at once
	defer debounce.Stop()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-a.trigger:
			debounce.Reset(a.o.Debounce)
			continue
		case <-tick.C:
		case <-debounce.C:
		}
		if _, err := a.Check(ctx); err != nil {
			a.o.Errorf("agent: node %s: %v", a.o.NodeName, err)
		}
	}
}

// Check runs one check now: it resolves the profile if not yet done,
// recomputes the expectation if a pod changed, reads the files the
// expectation compares, diffs them, and updates the metrics and Events.
// Start must have been called.
func (a *Agent) Check(ctx context.Context) (*qos.DiffReport, error) {
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	start := time.Now()
	a.checks.Add(1)
	report, err := a.check(ctx, start)
	a.metrics.observe(time.Since(start), report)
	a.mu.Lock()
	a.lastErr = err
	if err == nil {
		a.report = report
	}
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	a.events.update(report, a.refs)
	return report, nil
}

func (a *Agent) check(ctx context.Context, now time.Time) (*qos.DiffReport, error) {
	if a.profile == nil {
		r, err := a.resolve(ctx)
		if err != nil {
			return nil, err
		}
		a.profile, a.expecter = r, nil
		a.podsDirty.Store(true)
	}
	r := a.profile
	if a.podsDirty.Swap(false) || a.x == nil {
		if err := a.expect(); err != nil {
			a.podsDirty.Store(true)
			return nil, err
		}
	}
	read := r.node
	read.Files = a.files
	read.Counters = true
	node, err := a.o.Tree.Node(read)
	if err != nil {
		return nil, fmt.Errorf("reading the cgroups: %w", cgroupfs.KubepodsHint(err))
	}
	report := qos.Diff(a.x, node, qos.DiffOptions{Now: now, CompletePodList: a.synced.Load(), Guessed: r.guessed})
	if hasCounters(node) {
		// Since each cgroup started: no earlier read is kept.
		report.Effects = qos.Effects(a.x, qos.Sample{Node: node, At: now}, qos.EffectsOptions{})
	}
	report.ProfileSources = maps.Clone(r.sources)
	report.ProfileSources["pods"] = fmt.Sprintf("the API server: %d pods with spec.nodeName=%s (watched)", len(a.x.Pods), a.o.NodeName)
	report.Notes = append(slices.Clone(r.notes), report.Notes...)
	for _, n := range node.Notes {
		report.Notes = append(report.Notes, qos.Note{Reason: qos.ReasonTree, Message: n})
	}
	return report, nil
}

// hasCounters reports whether the node's kubepods cgroup holds any of the
// kernel's counters (a snapshot without them, or a tree too old, has
// none): the effects are judged only then, as qos.Check does.
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

// expect computes the expectation of the pods the informer holds:
// copies, with a mirror pod's UID replaced by its static pod's (which
// names the cgroup), defaulted as the API server defaults them.
func (a *Agent) expect() error {
	objs := a.informer.GetStore().List()
	pods := make([]*corev1.Pod, 0, len(objs))
	refs := make(map[string]*corev1.ObjectReference, len(objs))
	for _, obj := range objs {
		p, ok := obj.(*corev1.Pod)
		if !ok || p.Spec.NodeName != a.o.NodeName {
			continue
		}
		refs[p.Namespace+"/"+p.Name] = &corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: p.Namespace, Name: p.Name, UID: p.UID, ResourceVersion: p.ResourceVersion}
		c := p.DeepCopy()
		if uid := c.Annotations[corev1.MirrorPodAnnotationKey]; uid != "" {
			c.UID = types.UID(uid)
		}
		// Pods from the API server are as stored: not defaulted again
		// (qos.DefaultingAuto).
		pods = append(pods, c)
	}
	slices.SortFunc(pods, func(x, y *corev1.Pod) int {
		return strings.Compare(x.Namespace+"/"+x.Name, y.Namespace+"/"+y.Name)
	})
	if a.expecter == nil {
		ex, err := qos.NewExpecter(a.profile.profile)
		if err != nil {
			return err
		}
		a.expecter = ex
	}
	before := a.expecter.Stats()
	x, err := a.expecter.Expect(pods)
	if err != nil {
		return err
	}
	a.expects.Add(1)
	after := a.expecter.Stats()
	a.podsComputed.Add(uint64(after.Computed - before.Computed))
	a.podsReused.Add(uint64(after.Reused - before.Reused))
	a.x, a.files, a.refs = x, x.Files(), refs
	return nil
}

// resolve reads the node's shape from the tree and what the API tells
// (the Node object, /configz), and resolves the profile, as the CLI's
// cluster mode does.
func (a *Agent) resolve(ctx context.Context) (*resolved, error) {
	discovery := a.o.Node
	discovery.Files = map[cgroupfs.Level][]string{cgroupfs.LevelPod: {}, cgroupfs.LevelContainer: {}}
	tree, err := a.o.Tree.Node(discovery)
	if err != nil {
		return nil, fmt.Errorf("reading the cgroups: %w", cgroupfs.KubepodsHint(err))
	}
	facts := qos.TreeFacts(tree, "tree").With(a.o.Facts)
	var notes []qos.Note
	var configzErr, maxPIDErr error
	var maxPID int64
	if a.o.Kubelet != nil {
		body, err := a.o.Kubelet(ctx, a.o.NodeName, "configz")
		switch {
		case err != nil:
			configzErr = err
		case len(strings.TrimSpace(string(body))) == 0:
			configzErr = errors.New("empty answer")
		default:
			facts.KubeletConfig, facts.KubeletSource = body, "configz"
		}
		if apierrors.IsForbidden(configzErr) {
			// The same permission (get on nodes/proxy): not asked again.
			maxPIDErr = configzErr
		} else {
			maxPID, maxPIDErr = readMaxPID(ctx, a.o.Kubelet, a.o.NodeName)
		}
	} else {
		configzErr = errors.New("not tried: the agent was not given the node proxy")
		maxPIDErr = configzErr
	}
	host := facts.Machine
	node, err := a.o.Client.GetNode(ctx, a.o.NodeName)
	if err != nil {
		notes = append(notes, qos.Note{Reason: qos.ReasonCapacityUncertain, Message: fmt.Sprintf("the Node object %s could not be read (%v); the kubelet version and runtime are the defaults and the capacity is the host's", a.o.NodeName, err)})
		if maxPID > 0 && host != nil {
			m := *host
			m.PIDMax = maxPID
			if m.ThreadsMax != 0 && m.ThreadsMax < maxPID {
				m.ThreadsMax = maxPID
			}
			facts.Machine, facts.MachineSource = &m, facts.MachineSource+", stats/summary (pid)"
		}
	} else {
		facts.Machine, facts.MachineSource = qos.MachineFromNode(node, host, maxPID), "node-object"
		switch {
		case maxPID > 0:
			facts.MachineSource = "node-object, stats/summary (pid)"
		case host != nil && host.PIDMax > 0:
			facts.MachineSource = "node-object, host (pid)"
		}
		info := node.Status.NodeInfo
		if v, note := qos.KubeletMinor(info.KubeletVersion); v != "" {
			facts.KubernetesVersion, facts.VersionSource = v, "node-object"
			if note != nil {
				facts.VersionSource = "node-object (nearest modelled)"
				notes = append(notes, *note)
			}
		} else if note != nil {
			notes = append(notes, *note)
		}
		if cri := qos.CRIFromRuntimeVersion(info.ContainerRuntimeVersion); cri != "" {
			facts.CRI, facts.CRISource = cri, "node-object"
		}
	}
	var guessed []qos.Guess
	if maxPID <= 0 && !pidGiven(a.o.Overrides.Capacity) && facts.Machine != nil && facts.Machine.PIDMax > 0 {
		// The pid capacity is the agent's own pid_max and threads-max:
		// Linux 6.14 and later keep pid_max per pid namespace, so it need
		// not be the kubelet's rlimit MaxPID (min(pid_max, threads-max)
		// as the kubelet reads them, pkg/kubelet/stats/pidlimit, v1.37.2).
		guessed = append(guessed, qos.Guess{Input: qos.InputPIDCapacity, Reason: qos.ReasonCapacityUncertain, Supply: "--node-capacity pids=N, or get on nodes/proxy (the kubelet's stats/summary)"})
		notes = append(notes, qos.Note{Reason: qos.ReasonCapacityUncertain, Message: fmt.Sprintf("the kubelet's pid capacity (rlimit.maxpid of /api/v1/nodes/%s/proxy/stats/summary) could not be read (%s); it is taken from pid_max and threads-max as the agent's container sees them, but Linux 6.14 and later keep pid_max per pid namespace: a kubepods pids.max that differs is unverified, not drift (give --node-capacity pids=N)", a.o.NodeName, proxyWhy(maxPIDErr))})
	}
	kubeletSource := ""
	if facts.KubeletConfig == nil {
		if a.o.NodeConfig != nil {
			facts.KubeletConfig, facts.KubeletSource = a.o.NodeConfig, a.o.NodeConfigSource
		} else if a.o.Overrides.KubeletConfig == nil {
			why := proxyWhy(configzErr)
			notes = append(notes, qos.Note{Reason: qos.ReasonKubeletConfigUnknown, Message: fmt.Sprintf("the kubelet's configuration (/api/v1/nodes/%s/proxy/configz) could not be read (%s); the kubelet settings are the v1.37 defaults, so values that rest on them (CFS period, pod pids limit, reserved resources, ...) and differ are unverified, not drift: mount the kubelet's configuration file and give --node-config", a.o.NodeName, why)})
			kubeletSource = "default (the kubelet's /configz could not be read)"
		}
	}
	if facts.Machine == nil && len(a.o.Overrides.Capacity) == 0 {
		notes = append(notes, qos.Note{Reason: qos.ReasonCapacityUnknown, Message: "the machine's capacity is not known; kubepods values assume the default 8 CPUs and 32 GiB"})
	}
	overrides := a.o.Overrides
	if overrides.OCI == nil {
		overrides.OCI = &qos.OCIRuntime{Name: "unknown"}
	}
	profile, sources, err := qos.ResolveProfile(facts, overrides)
	if err != nil {
		return nil, err
	}
	if a.o.Overrides.OCI == nil {
		sources["ociRuntime"] = "default: unknown, both formulas accepted; the report infers it"
	}
	if kubeletSource != "" {
		sources["kubelet"] = kubeletSource
	}
	n := a.o.Node
	n.Files = nil
	return &resolved{profile: profile, sources: sources, notes: notes, guessed: guessed, node: n, machine: facts.Machine}, nil
}

// proxyWhy says why a read through the node proxy failed, in a line.
func proxyWhy(err error) string {
	if apierrors.IsForbidden(err) {
		return "forbidden: reading it needs get on nodes/proxy"
	}
	return err.Error()
}

// pidGiven reports whether a capacity override gives the pid capacity
// (pid, or pids as --node-capacity accepts it).
func pidGiven(c corev1.ResourceList) bool {
	_, pid := c["pid"]
	_, pids := c["pids"]
	return pid || pids
}

// readMaxPID reads the kubelet's pid capacity, node.rlimit.maxpid of its
// stats/summary (pkg/kubelet/apis/stats/v1alpha1, v1.37.2), through the
// node proxy.
func readMaxPID(ctx context.Context, kubelet func(ctx context.Context, node, path string) ([]byte, error), node string) (int64, error) {
	body, err := kubelet(ctx, node, "stats/summary")
	if err != nil {
		return 0, err
	}
	return qos.ParseMaxPID(body)
}

// Report returns the latest successful check's report (nil before the
// first); treat it as read-only.
func (a *Agent) Report() *qos.DiffReport {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.report
}

// Ready reports whether the informer listed the node's pods and the
// latest check succeeded; the error says why not.
func (a *Agent) Ready() error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	switch {
	case !a.synced.Load():
		return errors.New("the node's pods are not listed yet")
	case a.lastErr != nil:
		return fmt.Errorf("the last check failed: %w", a.lastErr)
	case a.report == nil:
		return errors.New("no check has run yet")
	}
	return nil
}

// Stats returns the agent's work counters.
func (a *Agent) Stats() Stats {
	return Stats{Checks: a.checks.Load(), Expectations: a.expects.Load(), PodsComputed: a.podsComputed.Load(), PodsReused: a.podsReused.Load(), PodChanges: a.changes.Load(), PodUpdatesIgnored: a.ignored.Load()}
}

// Registry returns the Prometheus registry holding the agent's metrics
// (and nothing else), for a caller serving them its own way.
func (a *Agent) Registry() *prometheus.Registry { return a.metrics.reg }

// Snapshot captures the node's Kubernetes cgroups (every file the reader
// reads) as "kubectl-cgroups snapshot" does, with the machine facts the
// profile used, for a later "diff --snapshot".
func (a *Agent) Snapshot() (*cgroupfs.Snapshot, error) {
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	opts := cgroupfs.CaptureOptions{
		Node:        a.o.Node,
		Hostname:    a.o.NodeName,
		ToolVersion: a.o.ToolVersion,
		Description: fmt.Sprintf("node %s, read by %s", a.o.NodeName, Component),
	}
	opts.Node.Files = nil
	if a.profile != nil {
		opts.Node, opts.Machine = a.profile.node, a.profile.machine
	}
	return cgroupfs.Capture(a.o.Tree, opts)
}
