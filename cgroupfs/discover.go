package cgroupfs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/safetext"
)

// Bounds of the search for a kubepods cgroup when no cgroupRoot is given.
const (
	// searchDepth is how many levels below the root are searched: enough
	// for /a/b/c/kubepods and kind's /kubelet.slice/kubelet-kubepods.slice.
	searchDepth = 3
	// searchListings bounds the directories listed while searching.
	searchListings = 512
	// podWorkers bounds the goroutines that read pods at the same time.
	// Reads are system calls; two to four in parallel pay on small
	// machines, more do not.
	podWorkers = 4
)

// reader is one read of a tree: it holds the controller directories it
// opened (shared by its pod workers) and, per goroutine, a scratch buffer
// and the Node it fills.
type reader struct {
	f       *FS
	opts    NodeOptions
	rec     *recorder
	version convert.CgroupVersion
	ctrl    *ctrlDirs
	// parent is the pod cgroup being read, with its directory open in
	// each controller, so that its containers' directories are opened
	// by one name from there rather than walked from the controller root.
	parent *openCgroup
	// tier is the cgroup whose pods this goroutine reads (a QoS tier or
	// kubepods): its directories stay open in ctrl, shared, so that a
	// pod's directory is opened by one name from there.
	tier    string
	buf     []byte
	hugetlb []string
	out     *Node
}

// ctrlDirs are the controller directories a read opened.
type ctrlDirs struct {
	mu sync.Mutex
	m  map[string]dir
}

func (f *FS) newReader(opts NodeOptions, rec *recorder) *reader {
	return &reader{f: f, opts: opts, rec: rec, version: f.lay.mode.Version(), ctrl: &ctrlDirs{m: map[string]dir{}}, buf: make([]byte, 0, 512)}
}

func (r *reader) close() {
	for _, d := range r.ctrl.m {
		d.close()
	}
}

// ctrlDir returns the open directory of a controller ("." is the root).
func (r *reader) ctrlDir(rel string) (dir, error) {
	if rel == "." {
		return r.f.root, nil
	}
	r.ctrl.mu.Lock()
	defer r.ctrl.mu.Unlock()
	if d, ok := r.ctrl.m[rel]; ok {
		return d, nil
	}
	d, err := r.f.root.sub(rel)
	if err != nil {
		return nil, err
	}
	r.ctrl.m[rel] = d
	return d, nil
}

// tierDir returns the open directory of a tier (or kubepods) in a
// controller's directory, opened once per read.
func (r *reader) tierDir(ctrlRel, tier string) (dir, error) {
	cd, err := r.ctrlDir(ctrlRel)
	if err != nil {
		return nil, err
	}
	key := ctrlRel + "\x00" + tier // no controller directory has a NUL
	r.ctrl.mu.Lock()
	defer r.ctrl.mu.Unlock()
	if d, ok := r.ctrl.m[key]; ok {
		return d, nil
	}
	rel := "."
	if tier != "/" {
		rel = tier[1:]
	}
	d, err := cd.sub(rel)
	if err != nil {
		return nil, err
	}
	r.ctrl.m[key] = d
	return d, nil
}

// openCgroup is a cgroup whose directory is open in some controllers.
type openCgroup struct {
	path string
	dirs map[string]dir // by controller directory
}

func (o *openCgroup) close() {
	for _, d := range o.dirs {
		d.close()
	}
}

// below returns the part of cgroup path p under parent ("/a/b/c" under
// "/a" is "b/c"), and whether p is below parent at all.
func below(p, parent string) (string, bool) {
	rest, ok := strings.CutPrefix(p, parent)
	if !ok || len(rest) < 2 || rest[0] != '/' {
		return "", false
	}
	return rest[1:], true
}

// cgroupDir opens a cgroup's directory in a controller's directory; the
// caller closes it.
func (r *reader) cgroupDir(ctrlRel, cgroupPath string) (dir, error) {
	if pa := r.parent; pa != nil {
		if rest, ok := below(cgroupPath, pa.path); ok {
			if d, ok := pa.dirs[ctrlRel]; ok {
				return d.sub(rest)
			}
		}
	}
	if r.tier != "" {
		if name, ok := below(cgroupPath, r.tier); ok && !strings.Contains(name, "/") {
			if td, err := r.tierDir(ctrlRel, r.tier); err == nil {
				return td.sub(name)
			}
		}
	}
	cd, err := r.ctrlDir(ctrlRel)
	if err != nil {
		return nil, err
	}
	if cgroupPath == "/" {
		return cd.sub(".")
	}
	return cd.sub(cgroupPath[1:])
}

// children lists a cgroup's directory in the listing controller.
func (r *reader) children(cgroupPath string) ([]fs.DirEntry, error) {
	d, err := r.cgroupDir(r.f.lay.list, cgroupPath)
	if err != nil {
		return nil, err
	}
	defer d.close()
	return d.list(listChildren)
}

// childrenUnion lists a cgroup's directory in every controller
// directory pods and containers are looked for in (on v1, each of
// valueControllers the tree has), merging the entries by name. partial
// maps each child directory missing from some of the controllers that
// list the cgroup to where it is and where it is not. The error is the
// first listing's when no controller lists the cgroup; otherwise the
// first that is not a missing directory (permission denied), if any,
// with the entries of the others.
func (r *reader) childrenUnion(cgroupPath string) (entries []fs.DirEntry, partial map[string]presence, err error) {
	lists := r.f.lay.lists
	if len(lists) <= 1 {
		entries, err = r.children(cgroupPath)
		return entries, nil, err
	}
	var listed []string
	var failed error
	in := map[string][]string{}
	seen := map[string]bool{}
	for _, rel := range lists {
		d, derr := r.cgroupDir(rel, cgroupPath)
		var es []fs.DirEntry
		if derr == nil {
			es, derr = d.list(listChildren)
			d.close()
		}
		if derr != nil {
			if err == nil {
				err = derr
			}
			if failed == nil && !isGone(derr) {
				failed = derr
			}
			continue
		}
		listed = append(listed, rel)
		for _, e := range es {
			if e.IsDir() {
				in[e.Name()] = append(in[e.Name()], rel)
			}
			if !seen[e.Name()] {
				seen[e.Name()] = true
				entries = append(entries, e)
			}
		}
	}
	if len(listed) == 0 {
		return nil, nil, err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for name, have := range in {
		if len(have) == len(listed) {
			continue
		}
		if partial == nil {
			partial = map[string]presence{}
		}
		var not []string
		for _, rel := range listed {
			if !slices.Contains(have, rel) {
				not = append(not, rel)
			}
		}
		partial[name] = presence{in: have, notIn: not}
	}
	return entries, partial, failed
}

// presence says in which controller directories a cgroup is and is not.
type presence struct{ in, notIn []string }

// notePartial notes a cgroup found in some controllers only.
func (r *reader) notePartial(kind, p string, pr presence) {
	r.out.Notes = append(r.out.Notes, fmt.Sprintf("%s cgroup %s exists only in %s (not in %s): a leftover, or a cgroup being created or removed", kind, p, strings.Join(pr.in, ", "), strings.Join(pr.notIn, ", ")))
}

// notePresence notes a cgroup missing from some controller directories
// (for a pod looked up by UID rather than listed).
func (r *reader) notePresence(kind, p string) {
	var pr presence
	for _, rel := range r.f.lay.lists {
		if r.existsIn(rel, p) {
			pr.in = append(pr.in, rel)
		} else {
			pr.notIn = append(pr.notIn, rel)
		}
	}
	if len(pr.in) > 0 && len(pr.notIn) > 0 {
		r.notePartial(kind, p, pr)
	}
}

// exists reports whether a cgroup's directory exists in any controller
// it is looked for in.
func (r *reader) exists(cgroupPath string) bool {
	if cgroupPath == "/" {
		return true
	}
	for _, rel := range r.f.lay.lists {
		if r.existsIn(rel, cgroupPath) {
			return true
		}
	}
	return false
}

// existsIn reports whether a cgroup's directory exists in one controller
// directory.
func (r *reader) existsIn(rel, cgroupPath string) bool {
	cd, err := r.ctrlDir(rel)
	if err != nil {
		return false
	}
	ok, err := cd.isDir(cgroupPath[1:])
	return ok && err == nil
}

// files returns the files to read at a level.
func (r *reader) files(level Level) []string {
	names, ok := r.opts.Files[level]
	if !ok {
		names = append(DefaultFiles(r.version), r.hugetlb...)
	}
	if r.opts.Counters {
		names = withCounters(names, r.version)
	}
	return names
}

// readCgroup reads files of one cgroup, each from its controller's
// directory. missing reports that some file or directory was not there,
// which may mean the cgroup vanished.
func (r *reader) readCgroup(p string, names []string) (cg *Cgroup, missing bool) {
	cg, missing, open := r.readCgroupOpen(p, names)
	open.close()
	return cg, missing
}

// readCgroupOpen is readCgroup that leaves the cgroup's directories open
// (those it could open); the caller closes them.
func (r *reader) readCgroupOpen(p string, names []string) (cg *Cgroup, missing bool, open *openCgroup) {
	cg = &Cgroup{Path: p, Files: make(map[string]File, len(names))}
	type handle struct {
		d   dir
		err error
	}
	handles := map[string]handle{}
	defer func() {
		open = &openCgroup{path: p, dirs: make(map[string]dir, len(handles))}
		for rel, h := range handles {
			if h.d != nil {
				open.dirs[rel] = h.d
			}
		}
	}()
	for _, name := range names {
		rel, err := r.f.lay.dirFor(name)
		if err != nil {
			cg.Files[name] = File{Err: err}
			continue
		}
		h, ok := handles[rel]
		if !ok {
			h.d, h.err = r.cgroupDir(rel, p)
			handles[rel] = h
		}
		if h.err != nil {
			if errors.Is(h.err, fs.ErrNotExist) {
				cg.Files[name] = File{Err: cgroupError(p, rel, errNoDir)}
			} else {
				cg.Files[name] = File{Err: cgroupError(p, rel, h.err)}
			}
			missing = missing || isGone(h.err)
			continue
		}
		data, err := h.d.read(name, r.buf[:0])
		r.buf = data[:0]
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				// The same message live and in a snapshot.
				err = fmt.Errorf("%s: %w", name, fs.ErrNotExist)
			}
			cg.Files[name] = File{Err: cgroupError(p, rel, err)}
			missing = missing || isGone(err)
			continue
		}
		if r.rec != nil {
			r.rec.file(path.Join(relPath(rel, p), name), data)
		}
		cg.Files[name] = newFile(p, name, data, r.version)
	}
	return cg, missing, nil // open is set by the deferred function
}

// errNoDir is the error of every file of a cgroup whose directory does
// not exist in the file's controller.
var errNoDir = fmt.Errorf("no such cgroup directory: %w", fs.ErrNotExist)

func cgroupError(p, ctrlRel string, err error) error {
	if ctrlRel == "." {
		return fmt.Errorf("cgroup %s: %w", p, err)
	}
	return fmt.Errorf("cgroup %s in %s: %w", p, ctrlRel, err)
}

// readOne is ReadFile.
func (r *reader) readOne(p, name string) File {
	if !validCgroupPath(p) {
		return File{Err: fmt.Errorf("cgroupfs: %q is not an absolute, clean cgroup path: %w", p, fs.ErrInvalid)}
	}
	if !validFileName(name) {
		return File{Err: fmt.Errorf("cgroupfs: %q is not a file name: %w", name, fs.ErrInvalid)}
	}
	cg, _ := r.readCgroup(p, []string{name})
	return cg.Files[name]
}

// unknown reports an entry the naming does not explain. A capture keeps
// it as an empty directory, or, when it is not a directory (a file, a
// link, a FIFO...), as an empty file: read back, it is still an entry
// that is not a cgroup, never a pod or container with no files.
func (r *reader) unknown(p, reason string, isDir bool) {
	r.out.Unknown = append(r.out.Unknown, Entry{Path: p, Reason: reason})
	if r.rec != nil {
		if isDir {
			r.rec.dir(relPath(r.f.lay.list, p))
		} else {
			r.rec.file(relPath(r.f.lay.list, p), nil)
		}
	}
}

func (r *reader) gone(e Entry) { r.out.Gone = append(r.out.Gone, e) }

// recordDir records a cgroup's directory in every controller directory
// that has it (a capture keeps a cgroup missing from some of them so).
func (r *reader) recordDir(p string) {
	if r.rec == nil {
		return
	}
	lists := r.f.lay.lists
	if len(lists) <= 1 || p == "/" {
		r.rec.dir(relPath(r.f.lay.list, p))
		return
	}
	for _, rel := range lists {
		if r.existsIn(rel, p) {
			r.rec.dir(relPath(rel, p))
		}
	}
}

// node reads the whole hierarchy (or the pod or container the options
// select).
func (r *reader) node() (*Node, error) {
	h, notes, err := r.locate()
	if err != nil {
		return nil, fmt.Errorf("cgroupfs: %w", err)
	}
	n := &Node{
		Mode: r.f.lay.mode, Driver: h.driver, CgroupRoot: h.cgroupRoot, PageSizeBytes: r.f.pageSize,
		Controllers: maps.Clone(r.f.lay.ctrl), Pods: []Pod{},
		Notes: append(slices.Clone(r.f.notes), notes...),
	}
	r.out = n
	r.findHugetlb(h.kubepods)
	kp, missing := r.readCgroup(h.kubepods, r.files(LevelKubepods))
	if missing && !r.exists(h.kubepods) {
		return nil, fmt.Errorf("cgroupfs: kubepods cgroup %s vanished while reading: %w", h.kubepods, fs.ErrNotExist)
	}
	n.Kubepods = kp
	r.recordDir(h.kubepods)
	for _, t := range []Tier{TierBurstable, TierBestEffort} {
		tp := h.tierPath(t)
		if !r.exists(tp) {
			n.Notes = append(n.Notes, fmt.Sprintf("no %s tier cgroup at %s", t, tp))
			continue
		}
		cg, _ := r.readCgroup(tp, r.files(Level(t)))
		r.recordDir(tp)
		if t == TierBurstable {
			n.Burstable = cg
		} else {
			n.BestEffort = cg
		}
	}
	if uid := r.opts.PodUID; uid != "" {
		for _, t := range []Tier{TierGuaranteed, TierBurstable, TierBestEffort} {
			if p := h.tierPath(t) + "/" + h.podName(t, uid); r.exists(p) {
				r.notePresence("pod", p)
				r.readPod(podJob{path: p, uid: uid, tier: t})
				break
			}
		}
	} else {
		var jobs []podJob
		for _, t := range []Tier{TierGuaranteed, TierBurstable, TierBestEffort} {
			jobs = r.listPods(h, t, jobs)
		}
		r.readPods(jobs)
	}
	n.sort()
	return n, nil
}

// sort puts a read node's pods (by tier, then UID), unknown entries and
// gone cgroups (by path) in their order, whatever order the workers
// read them in.
func (n *Node) sort() {
	slices.SortFunc(n.Pods, func(a, b Pod) int {
		return cmp.Or(cmp.Compare(a.Tier.order(), b.Tier.order()), strings.Compare(a.UID, b.UID))
	})
	byPath := func(a, b Entry) int { return strings.Compare(a.Path, b.Path) }
	slices.SortFunc(n.Unknown, byPath)
	slices.SortFunc(n.Gone, byPath)
}

// findHugetlb lists the kubepods directory of the hugetlb controller for
// the limit files of the host's huge page sizes.
func (r *reader) findHugetlb(kubepods string) {
	rel, ok := r.f.lay.ctrl["hugetlb"]
	if !ok {
		return
	}
	d, err := r.cgroupDir(rel, kubepods)
	if err != nil {
		return
	}
	defer d.close()
	entries, err := d.list(listAll)
	if err != nil {
		return
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	r.hugetlb = hugetlbFiles(names, r.version)
}

// podJob is a pod cgroup to read; known, when set, is the pod as an
// earlier read found it (NodeOptions.Known): its containers are read
// without listing the pod's directory.
type podJob struct {
	path, uid string
	tier      Tier
	known     *Pod
}

// listPods lists the directory holding pods of tier t and adds them to
// jobs.
func (r *reader) listPods(h hierarchy, t Tier, jobs []podJob) []podJob {
	p := h.tierPath(t)
	entries, partial, err := r.childrenUnion(p)
	if err != nil {
		if t != TierGuaranteed && !isGone(err) {
			r.out.Notes = append(r.out.Notes, fmt.Sprintf("listing %s: %v", p, err))
		}
		if len(entries) == 0 {
			return jobs
		}
	}
	for _, e := range entries {
		name := e.Name()
		cp := p + "/" + name
		if !e.IsDir() {
			if e.Type()&fs.ModeSymlink != 0 {
				r.unknown(cp, "symbolic link (not followed)", false)
			} else if _, ok := podUIDFromName(name); ok {
				r.unknown(cp, "named like a pod cgroup but not a directory", false)
			}
			continue
		}
		if t == TierGuaranteed && (name == h.tierName(TierBurstable) || name == h.tierName(TierBestEffort)) {
			continue
		}
		uid, ok := podUIDFromName(name)
		if !ok {
			if t == TierGuaranteed {
				r.unknown(cp, "neither a QoS tier nor a pod cgroup", true)
			} else {
				r.unknown(cp, "not a pod cgroup", true)
			}
			continue
		}
		if pr, ok := partial[name]; ok {
			r.notePartial("pod", cp, pr)
		}
		jobs = append(jobs, podJob{path: cp, uid: uid, tier: t})
	}
	return jobs
}

// readPods reads pods with a few workers, each with its own buffer and
// Node, and merges what they found.
func (r *reader) readPods(jobs []podJob) {
	workers := min(runtime.GOMAXPROCS(0), podWorkers, len(jobs))
	if workers <= 1 {
		for _, j := range jobs {
			r.readPod(j)
		}
		return
	}
	ch := make(chan podJob)
	outs := make([]*Node, workers)
	var wg sync.WaitGroup
	for i := range workers {
		w := *r
		w.buf, w.out = make([]byte, 0, 512), &Node{}
		outs[i] = w.out
		wg.Go(func() {
			for j := range ch {
				w.readPod(j)
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	var notes []string
	for _, o := range outs {
		r.out.Pods = append(r.out.Pods, o.Pods...)
		r.out.Unknown = append(r.out.Unknown, o.Unknown...)
		r.out.Gone = append(r.out.Gone, o.Gone...)
		notes = append(notes, o.Notes...)
	}
	slices.Sort(notes)
	r.out.Notes = append(r.out.Notes, notes...)
}

// readPod reads a pod cgroup and its containers, or records it as gone.
func (r *reader) readPod(j podJob) {
	p, uid, t := j.path, j.uid, j.tier
	r.tier = path.Dir(p)
	defer func() { r.tier = "" }()
	var entries []fs.DirEntry
	var partial map[string]presence
	var err error
	if j.known == nil {
		entries, partial, err = r.childrenUnion(p)
		if err != nil && isGone(err) {
			r.gone(Entry{Path: p, Level: LevelPod, PodUID: uid})
			return
		}
		if id := r.opts.ContainerID; id != "" && !slices.ContainsFunc(entries, func(e fs.DirEntry) bool {
			cid, _, _ := containerFromName(e.Name())
			return e.IsDir() && cid == id
		}) {
			return
		}
	}
	cg, missing, open := r.readCgroupOpen(p, r.files(LevelPod))
	defer open.close()
	if missing && !r.exists(p) {
		r.gone(Entry{Path: p, Level: LevelPod, PodUID: uid})
		return
	}
	r.parent = open
	defer func() { r.parent = nil }()
	if err != nil {
		r.out.Notes = append(r.out.Notes, fmt.Sprintf("listing pod cgroup %s: %v", p, err))
	}
	r.recordDir(p)
	pod := Pod{UID: uid, Tier: t, Cgroup: *cg, Containers: []Container{}}
	if j.known != nil {
		for _, kc := range j.known.Containers {
			if c, ok := r.readKnownContainer(kc, uid); ok {
				pod.Containers = append(pod.Containers, c)
			}
		}
	}
	for _, e := range entries {
		name := e.Name()
		cp := p + "/" + name
		if !e.IsDir() {
			if e.Type()&fs.ModeSymlink != 0 {
				r.unknown(cp, "symbolic link (not followed)", false)
			} else if id, _, _ := containerFromName(name); id != "" {
				r.unknown(cp, "named like a container cgroup but not a directory", false)
			}
			continue
		}
		id, naming, conmon := containerFromName(name)
		switch {
		case conmon:
			continue // CRI-O's conmon, not a container
		case id == "":
			r.unknown(cp, "not a container cgroup name", true)
			continue
		case r.opts.ContainerID != "" && id != r.opts.ContainerID:
			continue
		}
		if pr, ok := partial[name]; ok {
			r.notePartial("container", cp, pr)
		}
		if c, ok := r.readContainer(cp, id, naming, uid); ok {
			pod.Containers = append(pod.Containers, c)
		}
	}
	slices.SortFunc(pod.Containers, func(a, b Container) int { return strings.Compare(a.ID, b.ID) })
	r.out.Pods = append(r.out.Pods, pod)
}

// readContainer reads a container cgroup and looks for crun's leaf.
func (r *reader) readContainer(p, id string, naming Naming, uid string) (Container, bool) {
	cg, missing := r.readCgroup(p, r.files(LevelContainer))
	entries, err := r.children(p)
	if (missing || err != nil) && !r.exists(p) {
		r.gone(Entry{Path: p, Level: LevelContainer, PodUID: uid, ContainerID: id})
		return Container{}, false
	}
	r.recordDir(p)
	c := Container{ID: id, Naming: naming, Cgroup: *cg}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		sp := p + "/" + e.Name()
		if e.Name() == crunLeaf {
			c.LeafPath = sp
			r.recordDir(sp)
			continue
		}
		r.unknown(sp, "sub-cgroup of a container (not crun's container/ leaf)", true)
	}
	return c, true
}

// readKnownContainer reads a container cgroup an earlier read found
// (with its crun leaf), or records it as gone.
func (r *reader) readKnownContainer(k Container, uid string) (Container, bool) {
	cg, missing := r.readCgroup(k.Path, r.files(LevelContainer))
	if missing && !r.exists(k.Path) {
		r.gone(Entry{Path: k.Path, Level: LevelContainer, PodUID: uid, ContainerID: k.ID})
		return Container{}, false
	}
	r.recordDir(k.Path)
	if k.LeafPath != "" {
		r.recordDir(k.LeafPath)
	}
	return Container{ID: k.ID, Naming: k.Naming, Cgroup: *cg, LeafPath: k.LeafPath}, true
}

// refresh reads again the cgroups of k, a node this FS read before
// (NodeOptions.Known), without listing the tiers or the pods: the files
// r.opts selects, the structure (unknown entries, notes, what was gone)
// as k found it, and what vanished since as Gone.
func (r *reader) refresh(k *Node) (*Node, error) {
	if k.Kubepods == nil {
		return nil, fmt.Errorf("cgroupfs: the known node has no kubepods cgroup: %w", fs.ErrNotExist)
	}
	n := &Node{
		Mode: r.f.lay.mode, Driver: k.Driver, CgroupRoot: k.CgroupRoot, PageSizeBytes: r.f.pageSize,
		Controllers: maps.Clone(r.f.lay.ctrl), Pods: []Pod{},
		Notes: slices.Clone(k.Notes), Unknown: slices.Clone(k.Unknown), Gone: slices.Clone(k.Gone),
	}
	r.out = n
	if err := checkKnown(k); err != nil {
		return nil, fmt.Errorf("cgroupfs: the known node: %w", err)
	}
	kp := k.Kubepods.Path
	r.findHugetlb(kp)
	cg, missing := r.readCgroup(kp, r.files(LevelKubepods))
	if missing && !r.exists(kp) {
		return nil, fmt.Errorf("cgroupfs: kubepods cgroup %s vanished while reading: %w", kp, fs.ErrNotExist)
	}
	n.Kubepods = cg
	r.recordDir(kp)
	for _, t := range []struct {
		known *Cgroup
		out   **Cgroup
		level Level
	}{{k.Burstable, &n.Burstable, LevelBurstable}, {k.BestEffort, &n.BestEffort, LevelBestEffort}} {
		if t.known == nil {
			continue
		}
		*t.out, _ = r.readCgroup(t.known.Path, r.files(t.level))
		r.recordDir(t.known.Path)
	}
	jobs := make([]podJob, 0, len(k.Pods))
	for i := range k.Pods {
		p := &k.Pods[i]
		jobs = append(jobs, podJob{path: p.Path, uid: p.UID, tier: p.Tier, known: p})
	}
	r.readPods(jobs)
	n.sort()
	return n, nil
}

// checkKnown checks that every path of a known node is a clean cgroup
// path, each tier and pod below kubepods and each container (and crun
// leaf) below its pod: a Node given by a caller is read only where a
// read of this tree could have found it.
func checkKnown(k *Node) error {
	kp := k.Kubepods.Path
	if !validCgroupPath(kp) {
		return fmt.Errorf("kubepods path %s is not a clean cgroup path", quoteName(kp))
	}
	under := func(p, parent string) error {
		if !validCgroupPath(p) {
			return fmt.Errorf("path %s is not a clean cgroup path", quoteName(p))
		}
		if _, ok := below(p, parent); !ok && !(parent == "/" && p != "/") {
			return fmt.Errorf("path %s is not below %s", quoteName(p), quoteName(parent))
		}
		return nil
	}
	for _, t := range []*Cgroup{k.Burstable, k.BestEffort} {
		if t != nil {
			if err := under(t.Path, kp); err != nil {
				return err
			}
		}
	}
	for _, p := range k.Pods {
		if err := under(p.Path, kp); err != nil {
			return err
		}
		for _, c := range p.Containers {
			if err := under(c.Path, p.Path); err != nil {
				return err
			}
			if c.LeafPath != "" {
				if err := under(c.LeafPath, c.Path); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// locate finds the kubepods cgroup: from the cgroupRoot and driver when
// given (or recorded in a snapshot), otherwise by searching.
func (r *reader) locate() (hierarchy, []string, error) {
	driver, root := r.opts.Driver, r.opts.CgroupRoot
	if kp := r.f.kubepods; kp != "" && root == "" && (driver == "" || driver == r.f.driver) {
		if _, ok := isKubepodsName(path.Base(kp), path.Base(path.Dir(kp))); ok && r.exists(kp) {
			return newHierarchy(kp, r.f.cgroupRoot), nil, nil
		}
	}
	if driver == "" {
		driver = r.f.driver
	}
	if root == "" {
		root = r.f.cgroupRoot
	}
	if root != "" {
		cands := kubepodsCandidates(root, driver)
		for _, c := range cands {
			if r.exists(c) {
				return newHierarchy(c, root), nil, nil
			}
		}
		for i, c := range cands {
			cands[i] = safetext.Truncate(c, maxQuotedName)
		}
		return hierarchy{}, nil, &markedError{fmt.Errorf("no kubepods cgroup for cgroupRoot %s in %s (looked for %s): %w", safetext.Truncate(root, maxQuotedName), r.f.treeName(), strings.Join(cands, ", "), fs.ErrNotExist), ErrNoKubepods}
	}
	found := r.search(driver)
	if len(found) == 0 {
		what := "kubepods or kubepods.slice"
		if driver == DriverCgroupfs {
			what = "kubepods"
		} else if driver == DriverSystemd {
			what = "kubepods.slice"
		}
		return hierarchy{}, nil, &markedError{fmt.Errorf("no %s cgroup at the top of %s or %d levels below it (not a Kubernetes node, or give the cgroupRoot): %w", what, r.f.treeName(), searchDepth, fs.ErrNotExist), ErrNoKubepods}
	}
	var notes []string
	if len(found) > 1 {
		var others []string
		for _, h := range found[1:] {
			others = append(others, h.kubepods)
		}
		notes = append(notes, fmt.Sprintf("read %s; also found %s (give the cgroup root or driver to choose)", found[0].kubepods, strings.Join(others, ", ")))
	}
	return found[0], notes, nil
}

// search walks the listing controller breadth first for kubepods cgroups
// and returns those of the shallowest level that has any.
func (r *reader) search(driver Driver) []hierarchy {
	queue := []string{"/"}
	listings := 0
	for depth := 0; depth <= searchDepth && len(queue) > 0; depth++ {
		var next []string
		var found []hierarchy
		for _, p := range queue {
			if listings++; listings > searchListings {
				break
			}
			entries, err := r.children(p)
			if err != nil {
				continue
			}
			parent := path.Base(p)
			for _, e := range entries {
				if !e.IsDir() {
					continue
				}
				name := e.Name()
				cp := path.Join(p, name)
				if d, ok := isKubepodsName(name, parent); ok {
					if driver == "" || d == driver {
						found = append(found, newHierarchy(cp, ""))
					}
					continue
				}
				if !skipInSearch(name) {
					next = append(next, cp)
				}
			}
		}
		if len(found) > 0 {
			return found
		}
		queue = next
	}
	return nil
}

// skipInSearch reports directories that cannot hold a kubepods cgroup:
// systemd units other than slices, pods and containers.
func skipInSearch(name string) bool {
	for _, suffix := range []string{".scope", ".service", ".mount", ".socket", ".swap", ".device"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	if _, ok := podUIDFromName(name); ok {
		return true
	}
	id, _, _ := containerFromName(name)
	return id != ""
}
