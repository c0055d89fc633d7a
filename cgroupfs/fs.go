package cgroupfs

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/safetext"
)

// DefaultMountPoint is where cgroup hierarchies are mounted on a standard
// Linux host.
const DefaultMountPoint = "/sys/fs/cgroup"

// FS is a cgroup tree opened for reading: a live mount point or any
// fs.FS (a snapshot, a fake tree). The tree's mode and controller
// directories are decided once, when it is opened. An FS never writes and
// never reads outside its tree. It is safe for concurrent use; Close it
// when done.
type FS struct {
	root     dir
	lay      layout
	pageSize int64
	// pageSizeAssumed is set when the page size was not known and
	// convert.DefaultPageSize is used; a capture then records none.
	pageSizeAssumed bool
	notes           []string
	// Defaults recorded in a snapshot, used when NodeOptions leave them
	// empty.
	driver     Driver
	cgroupRoot string
	kubepods   string
	// name says which tree this is in errors: the mount point, or "the
	// snapshot" or "the tree".
	name string
}

// NewFS opens the cgroup tree mounted at mountPoint (normally
// DefaultMountPoint) for reading. Every file is resolved through os.Root,
// so no path, ".." or symbolic link can lead outside mountPoint; files are
// opened read-only and non-blocking, and only regular files are read. On
// Linux the mode comes from statfs and the v1 controller mounts from
// /proc/self/mountinfo (the shortest mount point of each controller, as
// the kubelet chooses); a directory that is not a cgroup mount (a copied
// tree) is read by its layout, as NewTreeFS does. The page size is the
// running host's.
func NewFS(mountPoint string) (*FS, error) {
	r, err := os.OpenRoot(mountPoint)
	if err != nil {
		return nil, fmt.Errorf("cgroupfs: %w", err)
	}
	root := rootDir{r}
	l, ok, err := detectLive(mountPoint, root)
	if err == nil && !ok {
		l, err = inferLayout(root)
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("cgroupfs: %s: %w", mountPoint, err)
	}
	return &FS{root: root, lay: l, pageSize: int64(os.Getpagesize()), notes: l.notes, name: mountPoint}, nil
}

// NewDefaultFS opens DefaultMountPoint; see NewFS.
func NewDefaultFS() (*FS, error) { return NewFS(DefaultMountPoint) }

// TreeOptions describe a tree opened with NewTreeFS.
type TreeOptions struct {
	// Mode is the tree's mode; the zero value infers it from the layout:
	// v1 controller directories at the top (hybrid with a unified/
	// directory next to them, legacy without), or a cgroup v2 root (a
	// cgroup.controllers file). A given mode must agree with the layout's
	// cgroup version.
	Mode Mode
	// PageSizeBytes is the base page size of the host the tree comes
	// from; 0 means convert.DefaultPageSize, with a note.
	PageSizeBytes int64
}

// NewTreeFS opens an fs.FS holding a cgroup tree laid out as the host's
// /sys/fs/cgroup: the v1 controller directories (cpu,cpuacct/, memory/,
// ...) at the top, or the cgroup v2 root. The same checks as for a live
// tree apply: only regular files are read, at most MaxFileBytes each, and
// a final symbolic link is refused when fsys can tell (fs.ReadLinkFS).
// fsys itself must not lead outside its tree; for a directory on disk use
// NewFS, which guarantees it. For a snapshot use Snapshot.FS, which also
// applies the recorded metadata.
func NewTreeFS(fsys fs.FS, opts TreeOptions) (*FS, error) {
	return newTreeFS(fsys, opts, nil)
}

func newTreeFS(fsys fs.FS, opts TreeOptions, ctrl map[string]string) (*FS, error) {
	if opts.Mode != "" && !opts.Mode.valid() {
		return nil, fmt.Errorf("cgroupfs: unknown mode %q", opts.Mode)
	}
	root := ioDir{fsys, "."}
	var l layout
	if ctrl != nil && opts.Mode != "" {
		l = layout{mode: opts.Mode, ctrl: maps.Clone(ctrl)}
		if err := l.finish(); err != nil {
			return nil, fmt.Errorf("cgroupfs: %w", err)
		}
	} else {
		var err error
		if l, err = inferLayout(root); err != nil {
			return nil, fmt.Errorf("cgroupfs: %w", err)
		}
		if opts.Mode != "" {
			if opts.Mode.Version() != l.mode.Version() {
				return nil, fmt.Errorf("cgroupfs: the tree is laid out as %s (cgroup %s), not %s", l.mode, l.mode.Version(), opts.Mode)
			}
			l.mode = opts.Mode
		}
	}
	f := &FS{root: root, lay: l, pageSize: opts.PageSizeBytes, notes: l.notes, name: "the tree"}
	if f.pageSize <= 0 {
		f.pageSize, f.pageSizeAssumed = convert.DefaultPageSize, true
		f.notes = append(f.notes, fmt.Sprintf("page size not recorded; assumed %d bytes", convert.DefaultPageSize))
	}
	return f, nil
}

// Close releases the tree's open directory.
func (f *FS) Close() error { return f.root.close() }

// Mode returns the tree's mode.
func (f *FS) Mode() Mode { return f.lay.mode }

// PageSizeBytes returns the base page size of the tree's host.
func (f *FS) PageSizeBytes() int64 { return f.pageSize }

// Controllers returns the available controllers and their directories
// relative to the tree root ("cpu,cpuacct", or "." on cgroup v2).
func (f *FS) Controllers() map[string]string { return maps.Clone(f.lay.ctrl) }

// ReadFile reads one file of a cgroup: cgroupPath is the kubelet's path
// ("/kubepods/burstable"), name the kernel file name ("cpu.shares"). On
// cgroup v1 the file is read from its controller's directory. The result
// carries the raw text, the parsed value of a known file and any error.
func (f *FS) ReadFile(cgroupPath, name string) File {
	r := f.newReader(NodeOptions{}, nil)
	defer r.close()
	return r.readOne(cgroupPath, name)
}

// NodeOptions select what Node, Pod and Container read. The zero value
// reads the whole node, inferring the driver and the cgroupRoot.
type NodeOptions struct {
	// Driver is the kubelet's cgroup driver; empty infers it from the
	// kubepods cgroup's name.
	Driver Driver
	// CgroupRoot is the kubelet's cgroupRoot setting ("/", "/custom", or
	// in systemd form "/kubelet.slice"), at most MaxCgroupRootBytes long
	// and, with the systemd driver, MaxSystemdRootDepth levels deep;
	// empty searches the usual places:
	// /kubepods, /kubepods.slice, then a few levels down (/custom/kubepods,
	// /custom.slice/custom-kubepods.slice, kind's
	// /kubelet.slice/kubelet-kubepods.slice).
	CgroupRoot string
	// PodUID reads only this pod (and the kubepods and tier cgroups),
	// building its path from the kubelet's naming instead of listing.
	PodUID string
	// ContainerID reads only the pod holding this container, and of its
	// containers only this one.
	ContainerID string
	// Files chooses the files read at a level; a level that is not in the
	// map reads DefaultFiles plus the hugetlb files found in the tree.
	Files map[Level][]string
	// Counters also reads CounterFiles at every level (kubepods, tiers,
	// pods, containers): what the kernel counts (CPU throttling, OOM
	// kills, pressure), for Cgroup.Counters.
	Counters bool
	// Known is a node this FS read before, typically with Files asking
	// for nothing below the tiers (to learn the node's shape). Its
	// cgroups are read again, with the files Files selects, without
	// listing a directory: its unknown entries and notes are kept, a
	// cgroup gone since is in Gone, and one created since is not seen.
	// Driver, CgroupRoot, PodUID and ContainerID are then ignored: Known
	// was found with them.
	Known *Node
}

// Bounds of a cgroupRoot, given or recorded in a snapshot. Its systemd
// form repeats every level in each deeper one ([a b c] is
// /a.slice/a-b.slice/a-b-c.slice), so its length grows with the square
// of the depth: it is rendered only for roots of at most
// MaxSystemdRootDepth levels. Real settings have one to three levels
// ("/", "/kubelet.slice", "/custom/nested").
const (
	// MaxSystemdRootDepth is the most levels a cgroupRoot may have with
	// the systemd driver; a deeper root is looked up in cgroupfs form only.
	MaxSystemdRootDepth = 16
	// MaxCgroupRootBytes is the longest a cgroupRoot may be (PATH_MAX).
	MaxCgroupRootBytes = 4096
)

// checkCgroupRoot checks a cgroupRoot setting for a driver ("" for
// either).
func checkCgroupRoot(root string, d Driver) error {
	switch {
	case len(root) > MaxCgroupRootBytes:
		return fmt.Errorf("cgroupRoot %s: %d bytes, more than %d", quoteName(root), len(root), MaxCgroupRootBytes)
	case !validCgroupPath(root):
		return fmt.Errorf("cgroupRoot %s is not an absolute, clean cgroup path", quoteName(root))
	case d == DriverSystemd && len(rootComponents(root)) > MaxSystemdRootDepth:
		return fmt.Errorf("cgroupRoot %s: %d levels, more than the %d of a systemd slice hierarchy", quoteName(root), len(rootComponents(root)), MaxSystemdRootDepth)
	}
	return nil
}

func (o NodeOptions) validate() error {
	if !o.Driver.valid() {
		return fmt.Errorf("unknown cgroup driver %q (want cgroupfs or systemd)", o.Driver)
	}
	if o.CgroupRoot != "" {
		if err := checkCgroupRoot(o.CgroupRoot, o.Driver); err != nil {
			return err
		}
	}
	if o.PodUID != "" && !validUID(o.PodUID) {
		return fmt.Errorf("pod UID %q has characters other than letters, digits and dashes", o.PodUID)
	}
	for level, names := range o.Files {
		for _, n := range names {
			if !validFileName(n) {
				return fmt.Errorf("file name %q for level %s is not a plain file name", n, level)
			}
		}
	}
	return nil
}

// Node reads the node's Kubernetes hierarchy: it finds the kubepods
// cgroup, the QoS tiers, every pod and container cgroup, and reads their
// files. Directories the naming does not explain are reported in
// Node.Unknown; pods and containers that vanish while they are read are
// reported in Node.Gone. On cgroup v1 a pod or container cgroup present in
// any controller is read, and one missing from some is noted in
// Node.Notes. It fails only when the tree cannot be read at
// all or has no kubepods cgroup (an error matching fs.ErrNotExist).
func (f *FS) Node(opts NodeOptions) (*Node, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("cgroupfs: %w", err)
	}
	r := f.newReader(opts, nil)
	defer r.close()
	if opts.Known != nil {
		return r.refresh(opts.Known)
	}
	return r.node()
}

// Pod reads one pod by UID, with its containers (see Node). A pod that
// does not exist, or vanished while it was read, is an error matching
// fs.ErrNotExist.
func (f *FS) Pod(uid string, opts NodeOptions) (*Pod, error) {
	if uid == "" {
		return nil, errors.New("cgroupfs: empty pod UID")
	}
	opts.PodUID = uid
	n, err := f.Node(opts)
	if err != nil {
		return nil, err
	}
	if p := n.Pod(uid); p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("cgroupfs: pod %s under %s: %w", uid, n.Kubepods.Path, notFoundOrGone(n))
}

// Container reads one container by its bare ID (see Node). A container
// that does not exist, or vanished while it was read, is an error
// matching fs.ErrNotExist.
func (f *FS) Container(id string, opts NodeOptions) (*Container, error) {
	if id == "" {
		return nil, errors.New("cgroupfs: empty container ID")
	}
	opts.ContainerID = id
	n, err := f.Node(opts)
	if err != nil {
		return nil, err
	}
	if _, c := n.Container(id); c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("cgroupfs: container %s under %s: %w", id, n.Kubepods.Path, notFoundOrGone(n))
}

var errGone = fmt.Errorf("vanished while reading: %w", fs.ErrNotExist)

func notFoundOrGone(n *Node) error {
	if len(n.Gone) > 0 {
		return errGone
	}
	return fs.ErrNotExist
}

// treeName names the tree in errors: its mount point (quoted when it
// holds anything a terminal would interpret), or what it is.
func (f *FS) treeName() string {
	if f.name == "" {
		return "the tree"
	}
	if safetext.IsSafe(f.name) {
		return safetext.Truncate(f.name, maxQuotedName)
	}
	return quoteName(f.name)
}
