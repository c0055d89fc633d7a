package cgroupfs

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/kubecgroups/kubecgroups/internal/safetext"
)

// MetadataFile is the name of the file, at the top of a snapshot archive,
// that holds the snapshot's SnapshotInfo as JSON. In the txtar form the
// same JSON is one comment line starting with MetadataFile's base name
// and a colon: "kubecgroups-snapshot: {...}".
const MetadataFile = "kubecgroups-snapshot.json"

// APIVersion is the apiVersion of every document kubecgroups writes: a
// snapshot's metadata here, and the reports of package qos and the CLI.
const APIVersion = "kubecgroups.io/v1alpha1"

const (
	metadataPrefix = "kubecgroups-snapshot:"
	metadataKind   = "CgroupSnapshot"
)

// SnapshotInfo is a snapshot's metadata.
type SnapshotInfo struct {
	// Mode is the captured tree's mode; empty in a plain archive (it is
	// then inferred from the layout).
	Mode Mode `json:"mode,omitempty"`
	// CapturedAt is when the snapshot was taken.
	CapturedAt time.Time `json:"capturedAt,omitzero"`
	// PageSizeBytes is the captured host's base page size; 0 when not
	// recorded (convert.DefaultPageSize is then assumed, with a note).
	PageSizeBytes int64 `json:"pageSizeBytes,omitempty"`
	// Hostname is the captured host's name.
	Hostname string `json:"hostname,omitempty"`
	// ToolVersion is the version of the tool that captured it.
	ToolVersion string `json:"toolVersion,omitempty"`
	// Driver is the kubelet cgroup driver found (or given) at capture;
	// reading the snapshot uses it unless NodeOptions say otherwise.
	Driver Driver `json:"driver,omitempty"`
	// CgroupRoot is the kubelet cgroupRoot found (or given) at capture;
	// reading the snapshot uses it unless NodeOptions say otherwise.
	CgroupRoot string `json:"cgroupRoot,omitempty"`
	// KubepodsPath is the path of the kubepods cgroup captured; reading
	// the snapshot starts there unless NodeOptions say otherwise.
	KubepodsPath string `json:"kubepodsPath,omitempty"`
	// Controllers maps each available controller to its directory in the
	// archive, as NewFS chose them on the captured host.
	Controllers map[string]string `json:"controllers,omitempty"`
	// Description says what the tree holds or models (free text).
	Description string `json:"description,omitempty"`
	// Machine holds facts about the captured machine that the cgroup
	// tree does not show, recorded by the capturing tool; nil when not
	// recorded.
	Machine *MachineInfo `json:"machine,omitempty"`
}

// MachineInfo is what a capturing tool knew about the machine: the
// capacity that node-level cgroup values are computed from. Zero fields
// were not recorded.
type MachineInfo struct {
	// CPUs is the number of online logical CPUs.
	CPUs int `json:"cpus,omitempty"`
	// MemoryBytes is the machine's memory (MemTotal of /proc/meminfo).
	MemoryBytes int64 `json:"memoryBytes,omitempty"`
	// SwapBytes is the machine's swap (SwapTotal of /proc/meminfo).
	SwapBytes int64 `json:"swapBytes,omitempty"`
	// PIDMax is /proc/sys/kernel/pid_max.
	PIDMax int64 `json:"pidMax,omitempty"`
	// ThreadsMax is /proc/sys/kernel/threads-max.
	ThreadsMax int64 `json:"threadsMax,omitempty"`
	// HugePageSizes are the machine's huge page sizes in bytes, ascending.
	HugePageSizes []uint64 `json:"hugePageSizes,omitempty"`
}

func (m *MachineInfo) validate() error {
	if m == nil {
		return nil
	}
	if m.CPUs < 0 || m.MemoryBytes < 0 || m.SwapBytes < 0 || m.PIDMax < 0 || m.ThreadsMax < 0 {
		return fmt.Errorf("machine: negative capacity")
	}
	for _, s := range m.HugePageSizes {
		if s == 0 || s&(s-1) != 0 {
			return fmt.Errorf("machine: huge page size %d is not a power of two", s)
		}
	}
	return nil
}

// metadataDoc is the JSON document of MetadataFile.
type metadataDoc struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	SnapshotInfo
}

func (i SnapshotInfo) validate() error {
	if i.Mode != "" && !i.Mode.valid() {
		return fmt.Errorf("unknown mode %q", i.Mode)
	}
	if !i.Driver.valid() {
		return fmt.Errorf("unknown driver %q", i.Driver)
	}
	if i.CgroupRoot != "" {
		if err := checkCgroupRoot(i.CgroupRoot, i.Driver); err != nil {
			return err
		}
	}
	if i.KubepodsPath != "" {
		if !validCgroupPath(i.KubepodsPath) || i.KubepodsPath == "/" {
			return fmt.Errorf("kubepodsPath %s is not an absolute, clean cgroup path", quoteName(i.KubepodsPath))
		}
		if len(i.KubepodsPath) > maxArchiveName || strings.Count(i.KubepodsPath, "/") > DefaultMaxPathDepth {
			return fmt.Errorf("kubepodsPath %s: longer than %d bytes or deeper than %d levels", quoteName(i.KubepodsPath), maxArchiveName, DefaultMaxPathDepth)
		}
	}
	if i.CgroupRoot != "" && i.KubepodsPath != "" && !kubepodsUnder(i.KubepodsPath, i.CgroupRoot, i.Driver) {
		return fmt.Errorf("kubepodsPath %s is not where cgroupRoot %s puts kubepods (%s)", quoteName(i.KubepodsPath), quoteName(i.CgroupRoot), strings.Join(kubepodsCandidates(i.CgroupRoot, i.Driver), " or "))
	}
	if p := i.PageSizeBytes; p < 0 || p > 1<<20 || p&(p-1) != 0 {
		return fmt.Errorf("page size %d is not a power of two up to 1 MiB", p)
	}
	if err := i.Machine.validate(); err != nil {
		return err
	}
	for c, d := range i.Controllers {
		if !isV1Controller(c) && !slices.Contains(v2Controllers, c) {
			return fmt.Errorf("unknown controller %q", c)
		}
		if !fs.ValidPath(d) {
			return fmt.Errorf("controller %s: directory %q is not a relative path", c, d)
		}
	}
	return nil
}

func parseMetadata(b []byte) (SnapshotInfo, error) {
	var doc metadataDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return SnapshotInfo{}, fmt.Errorf("%s: %w", MetadataFile, err)
	}
	if doc.APIVersion != APIVersion || doc.Kind != metadataKind {
		return SnapshotInfo{}, badMetadata("%s: apiVersion %s kind %s, want %s %s", MetadataFile, quoteName(doc.APIVersion), quoteName(doc.Kind), APIVersion, metadataKind)
	}
	if err := doc.validate(); err != nil {
		return SnapshotInfo{}, badMetadata("%s: %w", MetadataFile, err)
	}
	return doc.SnapshotInfo, nil
}

func (i SnapshotInfo) marshal() []byte {
	b, err := json.Marshal(metadataDoc{APIVersion: APIVersion, Kind: metadataKind, SnapshotInfo: i})
	if err != nil {
		panic(err) // plain strings, numbers and a map of strings always marshal
	}
	return b
}

// Snapshot is a captured or hand-written cgroup tree held in memory, with
// its metadata. It is an fs.FS (regular files and directories only) laid
// out as the host's /sys/fs/cgroup; Snapshot.FS reads it like a live tree.
type Snapshot struct {
	// Info is the snapshot's metadata.
	Info SnapshotInfo
	// Notes say what loading had to assume or skip.
	Notes []string
	files *memFS
}

// Open implements fs.FS.
func (s *Snapshot) Open(name string) (fs.File, error) { return s.files.Open(name) }

// ReadDir implements fs.ReadDirFS.
func (s *Snapshot) ReadDir(name string) ([]fs.DirEntry, error) { return s.files.ReadDir(name) }

// Stat implements fs.StatFS.
func (s *Snapshot) Stat(name string) (fs.FileInfo, error) { return s.files.Stat(name) }

// kubepodsUnder reports whether kubepods is a kubepods cgroup that the
// cgroupRoot root names, for the driver d ("" for either): one of the
// paths the kubelet would use (kubepodsCandidates), or, as a capture
// records a kubepods found by searching (possibly below the host's view
// of a container's root), a "kubepods" directory right below root, or a
// kubepods slice whose unit names root's components.
func kubepodsUnder(kubepods, root string, d Driver) bool {
	if slices.Contains(kubepodsCandidates(root, d), kubepods) {
		return true
	}
	base := path.Base(kubepods)
	drv, ok := isKubepodsName(base, path.Base(path.Dir(kubepods)))
	switch {
	case !ok || (d != "" && drv != d):
		return false
	case drv == DriverCgroupfs:
		return path.Dir(kubepods) == root
	}
	comps := sliceComponents(base)
	return slices.Equal(comps[:len(comps)-1], rootComponents(root))
}

// RemovePod removes the cgroups of the pod with the given UID from the
// snapshot: every directory named after it by either driver
// ("pod<uid>", "<prefix>-pod<uid_with_underscores>.slice"), in every
// controller, with everything below. It returns the number of
// directories removed. A tool that captures a node from a pod of its own
// removes that pod after ReadSnapshot applied its limits, so that the
// pod's filtering costs no more than the load. It must not be called
// while the snapshot is read.
func (s *Snapshot) RemovePod(uid string) int {
	if !validUID(uid) {
		return 0
	}
	plain, systemd := "pod"+uid, "-pod"+escapeSystemd(uid)+".slice"
	var dirs []string
	for name, n := range s.files.nodes {
		if _, base := split(name); n.dir && (base == plain || strings.HasSuffix(base, systemd)) {
			dirs = append(dirs, name)
		}
	}
	// Shortest first: a directory below one already removed is gone.
	slices.SortFunc(dirs, func(a, b string) int { return len(a) - len(b) })
	removed := 0
	for _, d := range dirs {
		if _, ok := s.files.nodes[d]; ok {
			s.files.remove(d)
			removed++
		}
	}
	return removed
}

// FS opens the snapshot for reading with the recorded mode, page size,
// controller directories and kubepods location.
func (s *Snapshot) FS() (*FS, error) {
	f, err := newTreeFS(s, TreeOptions{Mode: s.Info.Mode, PageSizeBytes: s.Info.PageSizeBytes}, s.Info.Controllers)
	if err != nil {
		return nil, err
	}
	notes := slices.Clone(s.Notes)
	if s.Info.Mode == "" {
		notes = append(notes, fmt.Sprintf("mode not recorded; inferred %s from the layout", f.lay.mode))
	}
	f.notes = append(notes, f.notes...)
	f.driver, f.cgroupRoot, f.kubepods = s.Info.Driver, s.Info.CgroupRoot, s.Info.KubepodsPath
	f.name = "the snapshot"
	return f, nil
}

// SnapshotLimits bound what ReadSnapshot accepts; zero fields take the
// defaults, which are set well above what a real node holds (a node of
// 1,000 pods makes about 75,000 entries and 15 MB) and well below what
// costs seconds or gigabytes to load. A caller that trusts an archive
// can raise them.
type SnapshotLimits struct {
	// MaxBytes bounds the uncompressed bytes read (the tar stream or the
	// txtar text). Default DefaultSnapshotMaxBytes for a tar stream, read
	// as it comes, and DefaultTxtarMaxBytes for a txtar, held whole.
	MaxBytes int64
	// MaxEntries bounds the number of archive entries, and of the files
	// and directories they make (directories a path implies included).
	// Default DefaultSnapshotMaxEntries.
	MaxEntries int
	// MaxFileBytes bounds each file kept. Default MaxFileBytes.
	MaxFileBytes int64
	// MaxDataBytes bounds the bytes of all the files kept together.
	// Default DefaultSnapshotMaxDataBytes.
	MaxDataBytes int64
	// MaxPods bounds the pods: the distinct UIDs of directories named
	// as the kubelet names pod cgroups, anywhere in the archive. Default
	// DefaultMaxPods.
	MaxPods int
	// MaxCgroupsPerPod bounds the distinct names of the directories
	// directly below one pod's directories (its container and sandbox
	// cgroups, and anything else). Default DefaultMaxCgroupsPerPod.
	MaxCgroupsPerPod int
	// MaxPathDepth bounds the elements of an entry's name. Default
	// DefaultMaxPathDepth.
	MaxPathDepth int
}

// Defaults of SnapshotLimits.
const (
	// DefaultSnapshotMaxBytes is the default SnapshotLimits.MaxBytes:
	// 256 MiB, 17 times a node of 1,000 pods.
	DefaultSnapshotMaxBytes = 256 << 20
	// DefaultTxtarMaxBytes is the default SnapshotLimits.MaxBytes of a
	// txtar archive: 64 MiB, 4 times a node of 1,000 pods (a txtar
	// has no per-entry padding, and is read whole before it is parsed).
	DefaultTxtarMaxBytes = 64 << 20
	// DefaultSnapshotMaxEntries is the default SnapshotLimits.MaxEntries:
	// 262,144, 3.5 times a node of 1,000 pods (a plain archive of a
	// copied tree holds every file of a cgroup, about 70 on cgroup v2,
	// and fits up to about 900 pods).
	DefaultSnapshotMaxEntries = 1 << 18
	// DefaultSnapshotMaxDataBytes is the default SnapshotLimits.MaxDataBytes:
	// 32 MiB, 40 times the values of a node of 1,000 pods (75,000 files
	// of about 10 bytes), and 512 files of MaxFileBytes.
	DefaultSnapshotMaxDataBytes = 32 << 20
	// DefaultMaxPods is the default SnapshotLimits.MaxPods: the kubelet
	// runs 110 pods by default (--max-pods) and the largest nodes a few
	// hundred.
	DefaultMaxPods = 2048
	// DefaultMaxCgroupsPerPod is the default SnapshotLimits.MaxCgroupsPerPod:
	// a pod holds a sandbox and a cgroup per running container, rarely
	// more than a dozen.
	DefaultMaxCgroupsPerPod = 128
	// DefaultMaxPathDepth is the default SnapshotLimits.MaxPathDepth: a
	// container's crun leaf under a v1 controller directory, a cgroupRoot
	// of a few levels and systemd's nested slices are about 10 deep.
	DefaultMaxPathDepth = 32
)

func (l SnapshotLimits) withDefaults() SnapshotLimits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultSnapshotMaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultSnapshotMaxEntries
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = MaxFileBytes
	}
	if l.MaxDataBytes <= 0 {
		l.MaxDataBytes = DefaultSnapshotMaxDataBytes
	}
	if l.MaxPods <= 0 {
		l.MaxPods = DefaultMaxPods
	}
	if l.MaxCgroupsPerPod <= 0 {
		l.MaxCgroupsPerPod = DefaultMaxCgroupsPerPod
	}
	if l.MaxPathDepth <= 0 {
		l.MaxPathDepth = DefaultMaxPathDepth
	}
	return l
}

// archiveShape checks the names of an archive's entries, as they stream in,
// against the limits on pods, cgroups per pod and depth, so that an
// archive over them is refused before its entries are kept.
type archiveShape struct {
	limits SnapshotLimits
	// pods maps each pod UID seen to the names of the directories found
	// directly below its directories.
	pods map[string]map[string]struct{}
}

func newArchiveShape(l SnapshotLimits) *archiveShape {
	return &archiveShape{limits: l, pods: map[string]map[string]struct{}{}}
}

// check takes a clean entry name; dir says whether the entry is a
// directory.
func (s *archiveShape) check(name string, dir bool) error {
	if name == "" {
		return nil
	}
	if d := strings.Count(name, "/") + 1; d > s.limits.MaxPathDepth {
		return overLimit("entry %s: %d levels deep, more than the %d-level limit", quoteName(name), d, s.limits.MaxPathDepth)
	}
	var pod map[string]struct{}
	rest := name
	for rest != "" {
		elem, tail, nested := strings.Cut(rest, "/")
		if pod != nil && (nested || dir) {
			if _, ok := pod[elem]; !ok {
				if len(pod) >= s.limits.MaxCgroupsPerPod {
					return overLimit("entry %s: more than %d cgroups in one pod", quoteName(name), s.limits.MaxCgroupsPerPod)
				}
				pod[elem] = struct{}{}
			}
		}
		pod = nil
		if nested || dir {
			if uid, ok := podUIDFromName(elem); ok {
				if pod = s.pods[uid]; pod == nil {
					if len(s.pods) >= s.limits.MaxPods {
						return overLimit("entry %s: more than %d pods", quoteName(name), s.limits.MaxPods)
					}
					pod = map[string]struct{}{}
					s.pods[uid] = pod
				}
			}
		}
		rest = tail
	}
	return nil
}

// quoteName quotes an entry name for an error, truncated: names are
// bounded (maxArchiveName) but an error need not repeat 4 KiB.
func quoteName(name string) string {
	return strconv.Quote(safetext.Truncate(name, maxQuotedName))
}

// maxQuotedName is the longest part of a name an error quotes.
const maxQuotedName = safetext.DefaultMaxBytes

// ErrEmptyFiles is returned by ReadSnapshot for a tar.gz whose cgroup files
// are all empty: it was made with tar straight on a cgroup file system,
// whose files report size 0, so tar stored them empty. Copy the files
// first (cp -r) and archive the copy.
var ErrEmptyFiles = errors.New("every cgroup file in the archive is empty (made with tar directly on cgroupfs, whose files report size 0? copy them with cp -r first and archive the copy)")

// ReadSnapshot loads a snapshot from a .tar.gz (recognised by the gzip
// magic number) or txtar archive. Besides this package's own archives, a
// plain tar.gz of a copied cgroup tree is accepted (as made in a pod by
// `cp -r /sys/fs/cgroup /tmp/x && tar czf - -C /tmp/x .`, with or without
// a leading "./" or a single top-level directory); its mode is then
// inferred from the layout and its page size assumed, with notes. Only
// the files this package reads are kept from a tar.gz; others are skipped
// (and counted in a note). Absolute paths, "..", names longer than 4096
// bytes, links, devices, FIFOs, duplicate entries and anything over the
// limits are refused with an error naming the entry; a tar.gz is read to
// the end of its gzip stream, so that a checksum mismatch or a truncated
// stream is an error too. Names with a control character (C0, DEL, C1)
// or a Unicode bidirectional override, or that are not UTF-8, are refused
// as well (ErrUnsafeArchive): they would reach a terminal.
func ReadSnapshot(r io.Reader, limits SnapshotLimits) (*Snapshot, error) {
	return ReadSnapshotContext(context.Background(), r, limits)
}

// ReadSnapshotContext is ReadSnapshot that gives up, with ctx's error,
// when ctx is done.
func ReadSnapshotContext(ctx context.Context, r io.Reader, limits SnapshotLimits) (*Snapshot, error) {
	txtarMax := limits.MaxBytes
	if txtarMax <= 0 {
		txtarMax = DefaultTxtarMaxBytes
	}
	limits = limits.withDefaults()
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	if len(magic) == 0 {
		if _, err := br.Peek(1); err != io.EOF {
			return nil, fmt.Errorf("cgroupfs: snapshot: %w", err)
		}
		return nil, fmt.Errorf("cgroupfs: snapshot: %w", ErrEmptyArchive)
	}
	var s *Snapshot
	var err error
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		s, err = readTarGz(ctx, br, limits)
	} else {
		limits.MaxBytes = txtarMax
		s, err = readTxtar(ctx, br, limits)
	}
	if err != nil {
		return nil, fmt.Errorf("cgroupfs: snapshot: %w", err)
	}
	return s, nil
}

// archiveEntry is one entry of an archive being loaded.
type archiveEntry struct {
	name string
	dir  bool
	data []byte
}

// maxArchiveName is the longest entry name accepted, the PATH_MAX of
// Linux: no file of a real cgroup tree has a longer path.
const maxArchiveName = 4096

// maxArchiveElem is the longest element of an entry name accepted, the
// NAME_MAX of Linux.
const maxArchiveElem = 255

// checkEvery is how many entries are loaded between two looks at the
// context.
const checkEvery = 1024

// cleanArchiveName validates an archive entry name and returns it relative
// and without a leading "./" or trailing "/"; "" is the archive's root.
func cleanArchiveName(name string) (string, error) {
	if len(name) > maxArchiveName {
		return "", unsafeEntry("entry %q...: a name of %d bytes, longer than the %d a path can have", name[:64], len(name), maxArchiveName)
	}
	switch {
	case strings.ContainsAny(name, "\x00\\"):
		return "", unsafeEntry("entry %s: name has a NUL or backslash", quoteName(name))
	case !safetext.IsSafe(name):
		return "", unsafeEntry("entry %s: name has a control character, a bidirectional override or bytes that are not UTF-8", quoteName(name))
	case strings.HasPrefix(name, "/"):
		return "", unsafeEntry("entry %s: absolute paths are refused", quoteName(name))
	}
	n := name
	for strings.HasPrefix(n, "./") {
		n = n[2:]
	}
	n = strings.TrimSuffix(n, "/")
	if n == "" || n == "." {
		return "", nil
	}
	for elem := range strings.SplitSeq(n, "/") {
		switch {
		case elem == "..":
			return "", unsafeEntry("entry %s: \"..\" is refused", quoteName(name))
		case len(elem) > maxArchiveElem:
			return "", unsafeEntry("entry %s: an element of %d bytes, longer than the %d a file name can have", quoteName(name), len(elem), maxArchiveElem)
		}
	}
	if !fs.ValidPath(n) {
		return "", unsafeEntry("entry %s: not a clean relative path", quoteName(name))
	}
	return n, nil
}

// tarEndBytes is the size of a tar archive's end-of-archive marker: two
// blocks of zero bytes.
const tarEndBytes = 1024

// countingReader fails once more than max bytes were read. It also tracks
// how many of the last bytes read were zeros (up to tarEndBytes), which
// tells a tar archive that ends with its end-of-archive marker from one
// cut at an entry boundary (archive/tar reports io.EOF for both).
type countingReader struct {
	r     io.Reader
	n     int64
	max   int64
	zeros int
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	tail := b[max(0, n-tarEndBytes):n]
	i := len(tail)
	for i > 0 && tail[i-1] == 0 {
		i--
	}
	if i == 0 {
		c.zeros = min(c.zeros+len(tail), tarEndBytes)
	} else {
		c.zeros = len(tail) - i
	}
	if c.n > c.max {
		return n, overLimit("archive is larger than %d bytes uncompressed", c.max)
	}
	return n, err
}

func readTarGz(ctx context.Context, r io.Reader, limits SnapshotLimits) (*Snapshot, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	defer gz.Close()
	cr := &countingReader{r: gz, max: limits.MaxBytes}
	tr := tar.NewReader(cr)
	var entries []archiveEntry
	skipped, count := 0, 0
	kept := int64(0)
	sh := newArchiveShape(limits)
	for {
		if count%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			if cr.zeros < tarEndBytes {
				return nil, fmt.Errorf("tar: %w: the archive ends without its end-of-archive marker (truncated after %d bytes?)", io.ErrUnexpectedEOF, cr.n)
			}
			// Read the gzip stream to its end, so that its checksum and
			// length are verified: a corrupted byte inside a file would
			// otherwise be loaded as a silently wrong value, and a
			// truncated archive as a complete one.
			if _, err := io.Copy(io.Discard, cr); err != nil {
				return nil, fmt.Errorf("gzip: after the end of the tar archive: %w", err)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("tar: %w", err)
		}
		if count++; count > limits.MaxEntries {
			return nil, overLimit("more than %d entries", limits.MaxEntries)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, err := cleanArchiveName(hdr.Name)
		if err != nil {
			return nil, err
		}
		if err := sh.check(name, hdr.Typeflag == tar.TypeDir); err != nil {
			return nil, err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if name != "" {
				entries = append(entries, archiveEntry{name: name, dir: true})
			}
		case tar.TypeReg:
			base := path.Base(name)
			if name == "" || (!isKnownFile(base) && base != MetadataFile) {
				skipped++
				continue
			}
			if hdr.Size > limits.MaxFileBytes {
				return nil, overLimit("entry %s: %d bytes, more than the %d-byte limit", quoteName(hdr.Name), hdr.Size, limits.MaxFileBytes)
			}
			// archive/tar returns exactly hdr.Size bytes, or an error.
			data := make([]byte, hdr.Size)
			if _, err := io.ReadFull(tr, data); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return nil, fmt.Errorf("entry %s: %w", quoteName(hdr.Name), err)
			}
			if kept += int64(len(data)); kept > limits.MaxDataBytes {
				return nil, overLimit("entry %s: the files kept hold more than %d bytes", quoteName(hdr.Name), limits.MaxDataBytes)
			}
			entries = append(entries, archiveEntry{name: name, data: data})
		case tar.TypeSymlink, tar.TypeLink:
			return nil, unsafeEntry("entry %s is a link to %s; links are refused (remove them before archiving: find DIR -type l -delete)", quoteName(hdr.Name), quoteName(hdr.Linkname))
		default:
			return nil, unsafeEntry("entry %s has tar type %q; only regular files and directories are accepted", quoteName(hdr.Name), hdr.Typeflag)
		}
	}
	s, err := buildSnapshot(ctx, entries, true, limits.MaxEntries)
	if err != nil {
		return nil, err
	}
	if skipped > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("skipped %d files this package does not read", skipped))
	}
	return s, nil
}

// topLevelCgroupName reports a directory name that belongs to a cgroup
// tree's top, which a plain archive's single top-level directory must not
// be stripped of.
func topLevelCgroupName(name string) bool {
	return name == "unified" || name == "systemd" || strings.HasPrefix(name, "kubepods") ||
		strings.HasSuffix(name, ".slice") || slices.ContainsFunc(strings.Split(name, ","), isV1Controller)
}

// buildSnapshot turns loaded entries into a Snapshot: it finds the
// metadata, strips a plain archive's single top-level directory and
// refuses duplicates, the metadata's included. A MetadataFile below the
// archive's top is not metadata: it is skipped.
func buildSnapshot(ctx context.Context, entries []archiveEntry, plainOK bool, maxEntries int) (*Snapshot, error) {
	find := func(prefix string) int {
		return slices.IndexFunc(entries, func(e archiveEntry) bool { return !e.dir && e.name == prefix+MetadataFile })
	}
	s := &Snapshot{files: newMemFS()}
	s.files.limit = maxEntries
	prefix := ""
	meta := find("")
	if meta < 0 && plainOK {
		tops := map[string]bool{}
		for _, e := range entries {
			top, _, nested := strings.Cut(e.name, "/")
			tops[top] = tops[top] || nested || e.dir
		}
		if len(tops) == 1 {
			for top, isDir := range tops {
				if isDir && !topLevelCgroupName(top) {
					prefix = top + "/"
				}
			}
		}
		meta = find(prefix)
	}
	if meta >= 0 {
		info, err := parseMetadata(entries[meta].data)
		if err != nil {
			return nil, err
		}
		s.Info = info
	} else {
		s.Notes = append(s.Notes, "no "+MetadataFile+": a plain archive")
	}
	files, empty := 0, 0
	for i, e := range entries {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if i == meta {
			continue
		}
		if !e.dir && path.Base(e.name) == MetadataFile {
			if meta >= 0 && e.name == entries[meta].name {
				return nil, unsafeEntry("%s appears twice", MetadataFile)
			}
			continue
		}
		name := e.name
		if prefix != "" {
			if name+"/" == prefix {
				continue
			}
			name = strings.TrimPrefix(name, prefix)
		}
		var err error
		if e.dir {
			_, err = s.files.addDir(name, true)
		} else {
			err = s.files.addFile(name, e.data)
			files++
			if len(e.data) == 0 {
				empty++
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if plainOK && meta < 0 && files > 0 && files == empty {
		return nil, ErrEmptyFiles
	}
	s.files.freeze()
	if err := s.checkLayout(); err != nil {
		return nil, err
	}
	return s, nil
}

// checkLayout checks the recorded mode and controller directories
// against the tree, which Snapshot.FS would otherwise take as given: the
// cgroup version the layout shows (v1 controller directories, or a v2
// root), hybrid only with a unified/ directory and legacy only without,
// and a directory for every recorded controller.
func (s *Snapshot) checkLayout() error {
	mode := s.Info.Mode
	if mode == "" {
		return nil
	}
	l, err := inferLayout(ioDir{s.files, "."})
	if err == nil && l.mode.Version() != mode.Version() {
		return badMetadata("%s: mode %s, but the tree is laid out as cgroup %s (%s)", MetadataFile, mode, l.mode.Version(), l.mode)
	}
	if mode != ModeUnified {
		unified, _ := s.files.Stat("unified")
		if hasUnified := unified != nil && unified.IsDir(); hasUnified != (mode == ModeHybrid) {
			what := "has no unified/ directory"
			if hasUnified {
				what = "has a unified/ directory"
			}
			return badMetadata("%s: mode %s, but the tree %s", MetadataFile, mode, what)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(s.Info.Controllers)) {
		d := s.Info.Controllers[c]
		if fi, err := s.files.Stat(d); err != nil || !fi.IsDir() {
			return badMetadata("%s: controller %s is recorded in %s, which is not a directory of the tree", MetadataFile, c, quoteName(d))
		}
	}
	return nil
}

func readTxtar(ctx context.Context, r io.Reader, limits SnapshotLimits) (*Snapshot, error) {
	data, err := readAtMost(r, limits.MaxBytes)
	if err != nil {
		return nil, err
	}
	ar := txtar.Parse(data)
	if len(ar.Files) > limits.MaxEntries {
		return nil, overLimit("more than %d entries", limits.MaxEntries)
	}
	var meta []byte
	var desc []string
	for line := range strings.Lines(string(ar.Comment)) {
		line = strings.TrimRight(line, "\r\n")
		if rest, ok := strings.CutPrefix(line, metadataPrefix); ok {
			if meta != nil {
				return nil, unsafeEntry("two %s lines in the txtar comment", metadataPrefix)
			}
			meta = []byte(strings.TrimSpace(rest))
			continue
		}
		desc = append(desc, line)
	}
	entries := make([]archiveEntry, 0, len(ar.Files)+1)
	kept := int64(0)
	sh := newArchiveShape(limits)
	for i, f := range ar.Files {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		name, err := cleanArchiveName(f.Name)
		if err != nil {
			return nil, err
		}
		if name == "" || path.Base(name) == MetadataFile {
			return nil, unsafeEntry("entry %s: not a file name", quoteName(f.Name))
		}
		dir := strings.HasSuffix(f.Name, "/")
		if err := sh.check(name, dir); err != nil {
			return nil, err
		}
		if dir {
			if len(bytes.TrimSpace(f.Data)) > 0 {
				return nil, unsafeEntry("entry %s: a directory (ending in /) with content", quoteName(f.Name))
			}
			entries = append(entries, archiveEntry{name: name, dir: true})
			continue
		}
		if int64(len(f.Data)) > limits.MaxFileBytes {
			return nil, overLimit("entry %s: more than the %d-byte limit", quoteName(f.Name), limits.MaxFileBytes)
		}
		if kept += int64(len(f.Data)); kept > limits.MaxDataBytes {
			return nil, overLimit("entry %s: the files kept hold more than %d bytes", quoteName(f.Name), limits.MaxDataBytes)
		}
		entries = append(entries, archiveEntry{name: name, data: f.Data})
	}
	if meta != nil {
		entries = append(entries, archiveEntry{name: MetadataFile, data: meta})
	}
	s, err := buildSnapshot(ctx, entries, false, limits.MaxEntries)
	if err != nil {
		return nil, err
	}
	if d := strings.TrimSpace(strings.Join(desc, "\n")); d != "" {
		if s.Info.Description != "" {
			d = s.Info.Description + "\n" + d
		}
		s.Info.Description = d
	}
	return s, nil
}

// walk visits every path of the snapshot in lexical order, parents first.
func (s *Snapshot) walk(fn func(name string, n *memNode) error) error {
	var visit func(prefix string, n *memNode) error
	visit = func(prefix string, n *memNode) error {
		for _, c := range n.children {
			name := c.name
			if prefix != "" {
				name = prefix + "/" + c.name
			}
			if err := fn(name, c); err != nil {
				return err
			}
			if c.dir {
				if err := visit(name, c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return visit("", s.files.nodes["."])
}

// WriteTarGz writes the snapshot as a gzip-compressed tar archive:
// MetadataFile first, then every directory and file in lexical order, all
// stamped with the capture time, so the same snapshot always gives the
// same bytes.
func (s *Snapshot) WriteTarGz(w io.Writer) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	mtime := s.Info.CapturedAt
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	put := func(name string, dir bool, data []byte) error {
		h := &tar.Header{Name: name, Mode: 0o644, ModTime: mtime, Typeflag: tar.TypeReg, Size: int64(len(data))}
		if dir {
			h.Name, h.Mode, h.Typeflag, h.Size = name+"/", 0o755, tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := put(MetadataFile, false, append(s.Info.marshal(), '\n')); err != nil {
		return err
	}
	if err := s.walk(func(name string, n *memNode) error { return put(name, n.dir, n.data) }); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// WriteTxtar writes the snapshot in txtar form: the description and a
// "kubecgroups-snapshot: {...}" metadata line as the comment, then every
// file; a directory without files is an entry whose name ends in "/".
func (s *Snapshot) WriteTxtar(w io.Writer) error {
	info := s.Info
	var comment bytes.Buffer
	if info.Description != "" {
		comment.WriteString(strings.TrimRight(info.Description, "\n") + "\n")
	}
	info.Description = ""
	fmt.Fprintf(&comment, "%s %s\n", metadataPrefix, info.marshal())
	ar := &txtar.Archive{Comment: comment.Bytes()}
	err := s.walk(func(name string, n *memNode) error {
		switch {
		case !n.dir:
			ar.Files = append(ar.Files, txtar.File{Name: name, Data: n.data})
		case len(n.children) == 0:
			ar.Files = append(ar.Files, txtar.File{Name: name + "/"})
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = w.Write(txtar.Format(ar))
	return err
}

// recorder collects what a capture reads, from any goroutine. Names
// ReadSnapshot would refuse (a control character, a bidirectional
// override, bytes that are not UTF-8) are left out and counted: a
// container that names a cgroup so must not make its node's snapshot
// unreadable.
type recorder struct {
	mu     sync.Mutex
	files  map[string][]byte
	dirs   map[string]bool
	unsafe int
}

func (r *recorder) file(name string, data []byte) {
	data = bytes.Clone(data)
	r.mu.Lock()
	if safetext.IsSafe(name) {
		r.files[name] = data
	} else {
		r.unsafe++
	}
	r.mu.Unlock()
}

func (r *recorder) dir(name string) {
	r.mu.Lock()
	if safetext.IsSafe(name) {
		r.dirs[name] = true
	} else {
		r.unsafe++
	}
	r.mu.Unlock()
}

// CaptureOptions describe a capture.
type CaptureOptions struct {
	// Node selects the kubepods cgroup to capture (driver, cgroupRoot);
	// PodUID and ContainerID narrow the capture to one pod or container.
	Node NodeOptions
	// CapturedAt is recorded as the capture time; zero means now (UTC, to
	// the second).
	CapturedAt time.Time
	// Hostname is recorded as the captured host's name.
	Hostname string
	// ToolVersion is recorded as the capturing tool's version.
	ToolVersion string
	// Description is recorded as given.
	Description string
	// Machine is recorded as given: facts about the machine that the
	// tree does not show (the capturing tool reads them from the host).
	Machine *MachineInfo
}

// Capture copies the Kubernetes part of a tree into a Snapshot: the
// kubepods, tier, pod and container cgroups (and unknown entries: as
// empty directories, or as empty files when they are not directories,
// links included, so that reading the snapshot reports them again rather
// than a cgroup without files), with exactly the files Node reads, from every
// controller, copied by reading them (never by their size), plus what
// tells the layout apart (the v1 controller directories, unified/ in
// hybrid mode, the v2 root's cgroup.controllers). The snapshot records
// the mode, the capture time, the page size (unless it was only assumed)
// and where kubepods was found. Entries whose names ReadSnapshot would
// refuse (see ErrUnsafeArchive) are left out, with a note.
func Capture(f *FS, opts CaptureOptions) (*Snapshot, error) {
	if err := opts.Node.validate(); err != nil {
		return nil, fmt.Errorf("cgroupfs: %w", err)
	}
	rec := &recorder{files: map[string][]byte{}, dirs: map[string]bool{}}
	r := f.newReader(opts.Node, rec)
	defer r.close()
	n, err := r.node()
	if err != nil {
		return nil, err
	}
	switch f.lay.mode {
	case ModeUnified:
		if data, err := f.root.read("cgroup.controllers", nil); err == nil {
			rec.file("cgroup.controllers", data)
		}
	case ModeHybrid:
		rec.dir("unified")
	}
	for _, d := range f.lay.ctrl {
		rec.dir(d)
	}
	pageSize := f.pageSize
	if f.pageSizeAssumed {
		pageSize = 0 // still unknown: do not record the assumption as a fact
	}
	at := opts.CapturedAt
	if at.IsZero() {
		at = time.Now().UTC().Truncate(time.Second)
	}
	s := &Snapshot{
		Info: SnapshotInfo{
			Mode: f.lay.mode, CapturedAt: at, PageSizeBytes: pageSize,
			Hostname: opts.Hostname, ToolVersion: opts.ToolVersion,
			Driver: n.Driver, CgroupRoot: n.CgroupRoot, KubepodsPath: n.Kubepods.Path,
			Controllers: maps.Clone(f.lay.ctrl), Description: opts.Description,
			Machine: opts.Machine,
		},
		files: newMemFS(),
	}
	for _, name := range slices.Sorted(maps.Keys(rec.dirs)) {
		if _, err := s.files.addDir(name, true); err != nil {
			return nil, fmt.Errorf("cgroupfs: capture: %w", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rec.files)) {
		if err := s.files.addFile(name, rec.files[name]); err != nil {
			return nil, fmt.Errorf("cgroupfs: capture: %w", err)
		}
	}
	s.files.freeze()
	if rec.unsafe > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("left out %d entries whose names have a control character, a bidirectional override or bytes that are not UTF-8", rec.unsafe))
	}
	return s, nil
}

// readAtMost reads r whole when it holds at most max bytes, in chunks
// (32 KiB doubling to 1 MiB) joined once at the end: an input over the
// limit costs about max bytes before it is refused, not the doubling
// buffers of io.ReadAll.
func readAtMost(r io.Reader, max int64) ([]byte, error) {
	var chunks [][]byte
	var n int64
	size := int64(32 << 10)
	for {
		buf := make([]byte, min(size, max+1-n))
		size = min(2*size, 1<<20)
		k, err := io.ReadFull(r, buf)
		n += int64(k)
		chunks = append(chunks, buf[:k])
		if n > max {
			return nil, overLimit("txtar is larger than %d bytes", max)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return bytes.Join(chunks, nil), nil
		}
		if err != nil {
			return nil, err
		}
	}
}
