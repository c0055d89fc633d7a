package cgroupfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/convert"
)

// Hostile trees: every case ends in a typed error or a reported anomaly,
// within bounded time and memory, never in a hang, a panic or a silently
// wrong value. Cases that need a Unix file system or the real kernel are
// in hostile_unix_test.go and hostile_linux_test.go, archives in
// archive_hostile_test.go.

// allocated returns the bytes the heap allocated while f ran (TotalAlloc,
// which only grows, so a short burst counts even when it is freed).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// setFile replaces (or adds) a file of a cgroup in a loaded snapshot, in
// the directory of the file's controller.
func setFile(tb testing.TB, s *Snapshot, cgroupPath, file, content string) {
	tb.Helper()
	fsys, err := s.FS()
	if err != nil {
		tb.Fatal(err)
	}
	dir, ok := fsys.Controllers()[controllerOf(file)]
	if !ok {
		tb.Fatalf("no %s controller in the tree", controllerOf(file))
	}
	name := relPath(dir, cgroupPath) + "/" + file
	if n, ok := s.files.nodes[name]; ok {
		n.data = []byte(content)
		return
	}
	if err := s.files.addFile(name, []byte(content)); err != nil {
		tb.Fatal(err)
	}
	s.files.freeze()
}

// TestHostileValues puts values no kernel prints in cgroup files: NUL
// bytes, CRLF line ends, trailing garbage, negative and overflowing
// numbers, empty files. Each is a *ParseError naming the cgroup and the
// file, wrapping convert's ErrSyntax or ErrRange, with the raw text kept
// and no value, the same from a tree in memory, from a tree on disk read
// through os.Root, and in a whole-node read.
func TestHostileValues(t *testing.T) {
	const v1, v2 = "v1-cgroupfs", "v2-cgroupfs"
	syntax, rng := convert.ErrSyntax, convert.ErrRange
	tests := []struct {
		name, tree, file, content string
		want                      error
	}{
		// NUL bytes: inside a number, after it, and a file of NULs (what
		// a hole of a sparse file reads as).
		{"NUL inside", v1, "cpu.shares", "10\x0024\n", syntax},
		{"NUL after", v1, "memory.limit_in_bytes", "1024\x00\n", syntax},
		{"NULs only", v1, "cpu.shares", "\x00\x00\x00\x00", syntax},
		{"NUL separator", v2, "cpu.max", "max\x00100000\n", syntax},
		// CRLF line ends.
		{"CRLF number", v1, "cpu.shares", "1024\r\n", syntax},
		{"CRLF max", v1, "pids.max", "max\r\n", syntax},
		{"CRLF cpu.max", v2, "cpu.max", "max 100000\r\n", syntax},
		{"CRLF flag", v2, "memory.oom.group", "1\r\n", syntax},
		{"CRLF cpuset", v1, "cpuset.cpus", "0-1\r\n", syntax},
		// Trailing garbage.
		{"letters after", v1, "cpu.shares", "1024abc\n", syntax},
		{"second newline", v1, "cpu.shares", "1024\n\n", syntax},
		{"second newline cpuset", v1, "cpuset.cpus", "0-1\n\n", syntax},
		{"second line", v1, "cpu.cfs_period_us", "100000\nextra\n", syntax},
		{"third field", v2, "cpu.max", "max 100000 7\n", syntax},
		{"unit suffix", v1, "memory.limit_in_bytes", "4096k\n", syntax},
		{"trailing comma", v1, "cpuset.cpus", "0-3,\n", syntax},
		{"max prefix", v2, "memory.max", "maximum\n", syntax},
		{"escape sequence", v1, "pids.max", "100\x1b[0m\n", syntax},
		// Negative numbers.
		{"negative shares", v1, "cpu.shares", "-2\n", syntax},
		{"negative quota other than -1", v1, "cpu.cfs_quota_us", "-2\n", rng},
		{"negative period", v1, "cpu.cfs_period_us", "-100000\n", syntax},
		{"negative v1 limit", v1, "memory.limit_in_bytes", "-1\n", syntax},
		{"negative pids", v1, "pids.max", "-1\n", syntax},
		{"negative weight", v2, "cpu.weight", "-100\n", syntax},
		{"negative cpu.max quota", v2, "cpu.max", "-1 100000\n", syntax},
		{"negative cpu", v1, "cpuset.cpus", "-1\n", syntax},
		{"negative swap", v2, "memory.swap.max", "-4096\n", syntax},
		// Overflowing numbers.
		{"shares over 2^64", v1, "cpu.shares", "18446744073709551616\n", rng},
		{"limit at 2^63", v1, "memory.limit_in_bytes", "9223372036854775808\n", rng},
		{"limit of 26 digits", v1, "memory.limit_in_bytes", "99999999999999999999999999\n", rng},
		{"swap at 2^63", v2, "memory.swap.max", "9223372036854775808\n", rng},
		{"pids over any limit", v1, "pids.max", "4611686018427387905\n", rng},
		{"weight over 2^64", v2, "cpu.weight", "18446744073709551616\n", rng},
		// convert reports an int64 quota that does not fit as bad syntax.
		{"quota over 2^63", v1, "cpu.cfs_quota_us", "9223372036854775808\n", rng},
		{"quota under -2^63", v1, "cpu.cfs_quota_us", "-9223372036854775809\n", rng},
		{"cpu.max quota over 2^63", v2, "cpu.max", "99999999999999999999 100000\n", rng},
		{"cpu.max period over 2^64", v2, "cpu.max", "max 18446744073709551616\n", rng},
		{"cpu over int", v1, "cpuset.cpus", "0-99999999999999999999\n", syntax},
		// Empty files are not zero.
		{"empty shares", v1, "cpu.shares", "", syntax},
		{"newline only", v1, "cpu.cfs_quota_us", "\n", syntax},
		{"empty flag", v2, "memory.oom.group", "", syntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loadTree(t, tt.tree)
			setFile(t, s, "/kubepods", tt.file, tt.content)
			mem, err := s.FS()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeTree(t, s, dir)
			live := openLive(t, dir)
			for _, src := range []struct {
				what string
				fsys *FS
			}{{"memory", mem}, {"disk", live}} {
				check := func(how string, f File) {
					t.Helper()
					var pe *ParseError
					switch {
					case f.Err == nil:
						t.Errorf("%s %s: %q read as %#v without an error", src.what, how, tt.content, f.Value)
					case !errors.As(f.Err, &pe) || pe.Path != "/kubepods" || pe.File != tt.file:
						t.Errorf("%s %s: %v, want a *ParseError for /kubepods %s", src.what, how, f.Err, tt.file)
					case !errors.Is(f.Err, tt.want):
						t.Errorf("%s %s: %v does not match %v", src.what, how, f.Err, tt.want)
					case !strings.Contains(f.Err.Error(), tt.file) || !strings.Contains(f.Err.Error(), "/kubepods"):
						t.Errorf("%s %s: %q does not name the cgroup and the file", src.what, how, f.Err)
					}
					if f.Value != nil || f.Status() != "invalid" || f.Raw != strings.TrimSuffix(tt.content, "\n") {
						t.Errorf("%s %s: value %#v, status %s, raw %q; want no value, invalid, the text kept", src.what, how, f.Value, f.Status(), f.Raw)
					}
				}
				check("ReadFile", src.fsys.ReadFile("/kubepods", tt.file))
				n := readNode(t, src.fsys, NodeOptions{})
				check("Node", n.Kubepods.Files[tt.file])
				if len(n.Pods) != 3 {
					t.Errorf("%s: %d pods, want the tree's 3", src.what, len(n.Pods))
				}
			}
		})
	}
	// The bad text is quoted in the message with Go escapes, so a NUL or a
	// carriage return cannot garble a terminal or a log line.
	s := loadTree(t, v1)
	setFile(t, s, "/kubepods", "cpu.shares", "1\x00\r\x1b[2J\n")
	fsys, err := s.FS()
	if err != nil {
		t.Fatal(err)
	}
	if msg := fsys.ReadFile("/kubepods", "cpu.shares").Err.Error(); strings.ContainsAny(msg, "\x00\r\x1b") || !strings.Contains(msg, `\x00\r\x1b[2J`) {
		t.Errorf("message %q carries raw control characters", msg)
	}
}

// replaceInControllers replaces rel (a cgroup directory or file) by a
// regular file, or by a directory when dir is set, in every controller
// directory of the tree at root that has it.
func replaceInControllers(tb testing.TB, root, rel string, dir bool) {
	tb.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		tb.Fatal(err)
	}
	replaced := 0
	for _, e := range entries {
		p := filepath.Join(root, e.Name(), filepath.FromSlash(rel))
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		replaceWith(tb, p, dir)
		replaced++
	}
	if replaced == 0 {
		tb.Fatalf("%s is in no controller directory", rel)
	}
}

func replaceWith(tb testing.TB, p string, dir bool) {
	tb.Helper()
	if err := os.RemoveAll(p); err != nil {
		tb.Fatal(err)
	}
	if dir {
		err := os.Mkdir(p, 0o755)
		if err != nil {
			tb.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(p, []byte("1\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// hasUnknown reports whether n.Unknown lists path with a reason holding
// reason.
func hasUnknown(n *Node, path, reason string) bool {
	return slices.ContainsFunc(n.Unknown, func(e Entry) bool { return e.Path == path && strings.Contains(e.Reason, reason) })
}

// TestHostileNonDirectories replaces cgroup directories by files (and a
// value file by a directory), in every controller or in one, on disk, and
// reads the tree through os.Root and through os.DirFS: a pod or container
// that is a file is reported in Node.Unknown, a tier that is a file in a
// note, a cgroup directory that is a file in one controller makes that
// controller's files errors naming it, and kubepods as a file is an
// fs.ErrNotExist error. Nothing is read as a value.
func TestHostileNonDirectories(t *testing.T) {
	bPod := "kubepods/burstable/pod" + uidB
	gPod := "kubepods/pod" + uidG
	eCtr := "kubepods/besteffort/pod" + uidE + "/" + idE
	tests := []struct {
		name   string
		mutate func(t *testing.T, root string)
		check  func(t *testing.T, n *Node, err error)
	}{
		{"pod directory is a file", func(t *testing.T, root string) {
			replaceInControllers(t, root, bPod, false)
		}, func(t *testing.T, n *Node, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if !hasUnknown(n, "/"+bPod, "named like a pod cgroup but not a directory") {
				t.Errorf("unknown %+v, want %s reported", n.Unknown, bPod)
			}
			if n.Pod(uidB) != nil || len(n.Pods) != 2 {
				t.Errorf("pods %+v, want the other two only", shapeOf(n).Pods)
			}
		}},
		{"container directory is a file", func(t *testing.T, root string) {
			replaceInControllers(t, root, eCtr, false)
		}, func(t *testing.T, n *Node, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if !hasUnknown(n, "/"+eCtr, "named like a container cgroup but not a directory") {
				t.Errorf("unknown %+v, want %s reported", n.Unknown, eCtr)
			}
			if p := n.Pod(uidE); p == nil || len(p.Containers) != 1 || p.Container(idE) != nil {
				t.Errorf("BestEffort pod %+v, want its sandbox only", p)
			}
		}},
		{"pod directory is a file in memory only", func(t *testing.T, root string) {
			replaceWith(t, filepath.Join(root, "memory", filepath.FromSlash(gPod)), false)
		}, func(t *testing.T, n *Node, err error) {
			if err != nil {
				t.Fatal(err)
			}
			p := n.Pod(uidG)
			if p == nil {
				t.Fatalf("pod %s not read", uidG)
			}
			for _, name := range []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"} {
				f := p.Files[name]
				var pe *fs.PathError
				if !errors.As(f.Err, &pe) || !strings.Contains(f.Err.Error(), "/"+gPod+" in memory") ||
					!strings.Contains(f.Err.Error(), "not a directory") || f.Value != nil || f.Raw != "" || f.Status() != "unreadable" {
					t.Errorf("%s: %+v (%s), want an unreadable *fs.PathError naming the memory directory", name, f, f.Status())
				}
			}
			if f := p.Files["cpu.shares"]; f.Err != nil || f.Value != uint64(512) {
				t.Errorf("cpu.shares: %+v, want 512 from the cpu controller", f)
			}
			if len(p.Containers) != 2 || len(n.Unknown) != 0 {
				t.Errorf("containers %d, unknown %+v", len(p.Containers), n.Unknown)
			}
		}},
		{"tier directory is a file", func(t *testing.T, root string) {
			replaceInControllers(t, root, "kubepods/burstable", false)
		}, func(t *testing.T, n *Node, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if n.Burstable != nil || n.Pod(uidB) != nil || !slices.Contains(n.Notes, "no burstable tier cgroup at /kubepods/burstable") {
				t.Errorf("burstable %v, notes %q; want the missing tier noted", n.Burstable, n.Notes)
			}
		}},
		{"kubepods is a file", func(t *testing.T, root string) {
			replaceInControllers(t, root, "kubepods", false)
		}, func(t *testing.T, n *Node, err error) {
			if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no kubepods or kubepods.slice cgroup") {
				t.Errorf("Node: %v, want fs.ErrNotExist for kubepods", err)
			}
		}},
		{"value file is a directory", func(t *testing.T, root string) {
			replaceWith(t, filepath.Join(root, "cpu", "kubepods", "cpu.shares"), true)
		}, func(t *testing.T, n *Node, err error) {
			if err != nil {
				t.Fatal(err)
			}
			f := n.Kubepods.Files["cpu.shares"]
			if !errors.Is(f.Err, ErrNotRegularFile) || !strings.Contains(f.Err.Error(), "cpu.shares") ||
				!strings.Contains(f.Err.Error(), "directory") || f.Status() != "refused" || f.Value != nil {
				t.Errorf("cpu.shares: %+v, want ErrNotRegularFile (directory)", f)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, loadTree(t, "v1-cgroupfs"), root)
			tt.mutate(t, root)
			for _, src := range bothReaders(t, root) {
				t.Run(src.what, func(t *testing.T) {
					n, err := src.fsys.Node(NodeOptions{})
					tt.check(t, n, err)
				})
			}
		})
	}
}

// openCounter counts every Open of a tree in memory. It hides the
// snapshot's ReadDir and Stat, so that listings and lookups open too.
type openCounter struct {
	fsys  fs.FS
	opens *atomic.Int64
}

func (c openCounter) Open(name string) (fs.File, error) {
	c.opens.Add(1)
	return c.fsys.Open(name)
}

// chain returns n directory names d/d/.../d joined under prefix.
func chain(prefix string, n int) string {
	return prefix + strings.Repeat("/d", n)
}

// TestHostileDeepChain puts a 500-deep directory chain under kubepods,
// under a pod and under a container, and hides kubepods at the bottom of
// one: each chain is one unknown entry, never walked (the number of opens
// stays that of the tree without it), and the search for kubepods stops
// a few levels down with fs.ErrNotExist, while a cgroupRoot naming the
// chain finds it. In memory (counting opens) and on disk through os.Root.
func TestHostileDeepChain(t *testing.T) {
	const depth = 500
	gPod := "kubepods/pod" + uidG
	tests := []struct {
		name, chain, unknown, reason string
	}{
		{"under kubepods", chain("cpu/kubepods", depth), "/kubepods/d", "neither a QoS tier nor a pod cgroup"},
		{"under a pod", chain("cpu/"+gPod, depth), "/" + gPod + "/d", "not a container cgroup name"},
		{"under a container", chain("cpu/"+gPod+"/"+idG, depth), "/" + gPod + "/" + idG + "/d", "sub-cgroup of a container"},
	}
	read := func(t *testing.T, s *Snapshot) (*Node, int64) {
		t.Helper()
		var opens atomic.Int64
		fsys, err := NewTreeFS(openCounter{s, &opens}, TreeOptions{Mode: ModeLegacy, PageSizeBytes: 4096})
		if err != nil {
			t.Fatal(err)
		}
		return readNode(t, fsys, NodeOptions{}), opens.Load()
	}
	_, baseline := read(t, loadTree(t, "v1-cgroupfs"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loadTree(t, "v1-cgroupfs")
			if _, err := s.files.addDir(tt.chain, true); err != nil {
				t.Fatal(err)
			}
			s.files.freeze()
			n, opens := read(t, s)
			if len(n.Unknown) != 1 || !hasUnknown(n, tt.unknown, tt.reason) || len(n.Pods) != 3 {
				t.Errorf("in memory: unknown %+v, %d pods; want %s (%s) only", n.Unknown, len(n.Pods), tt.unknown, tt.reason)
			}
			t.Logf("in memory: %d opens, %d without the chain", opens, baseline)
			if opens > baseline+2 {
				t.Errorf("in memory: %d opens, %d without the chain: the chain was walked", opens, baseline)
			}

			dir := t.TempDir()
			writeTree(t, s, dir)
			live := openLive(t, dir)
			n = readNode(t, live, NodeOptions{})
			if len(n.Unknown) != 1 || !hasUnknown(n, tt.unknown, tt.reason) || len(n.Pods) != 3 {
				t.Errorf("on disk: unknown %+v, %d pods; want %s (%s) only", n.Unknown, len(n.Pods), tt.unknown, tt.reason)
			}
		})
	}

	t.Run("kubepods at the bottom", func(t *testing.T) {
		s := &Snapshot{files: newMemFS()}
		root := chain("", depth)
		for _, c := range []string{"cpu", "memory", "pids"} {
			if _, err := s.files.addDir(c+root+"/kubepods", true); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.files.addFile("cpu"+root+"/kubepods/cpu.shares", []byte("1843\n")); err != nil {
			t.Fatal(err)
		}
		s.files.freeze()
		var opens atomic.Int64
		fsys, err := NewTreeFS(openCounter{s, &opens}, TreeOptions{PageSizeBytes: 4096})
		if err != nil {
			t.Fatal(err)
		}
		_, err = fsys.Node(NodeOptions{})
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "3 levels below") {
			t.Errorf("search: %v, want fs.ErrNotExist after 3 levels", err)
		}
		t.Logf("search: %d opens", opens.Load())
		if o := opens.Load(); o > 4*(searchDepth+1) {
			t.Errorf("search: %d opens for a single chain, want at most a few per level searched", o)
		}
		n := readNode(t, fsys, NodeOptions{CgroupRoot: root})
		if n.Kubepods.Path != root+"/kubepods" || n.Kubepods.Files["cpu.shares"].Value != uint64(1843) {
			t.Errorf("cgroupRoot at depth %d: kubepods %s, cpu.shares %+v", depth, n.Kubepods.Path, n.Kubepods.Files["cpu.shares"])
		}
		dir := t.TempDir()
		writeTree(t, s, dir)
		live := openLive(t, dir)
		if _, err := live.Node(NodeOptions{}); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("on disk, search: %v, want fs.ErrNotExist", err)
		}
		n = readNode(t, live, NodeOptions{CgroupRoot: root})
		if n.Kubepods.Files["cpu.shares"].Value != uint64(1843) {
			t.Errorf("on disk, cgroupRoot at depth %d: cpu.shares %+v", depth, n.Kubepods.Files["cpu.shares"])
		}
	})
}

// tmpfsDir returns a new directory on a tmpfs (/dev/shm) when there is
// one, so that many files cost no disk, or else in t.TempDir(); it is
// removed when the test ends.
func tmpfsDir(t *testing.T) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "kcg-hostile-"); err == nil {
			t.Cleanup(func() {
				if err := os.RemoveAll(dir); err != nil {
					t.Errorf("removing %s: %v", dir, err)
				}
			})
			return dir
		}
	}
	return t.TempDir()
}

// TestHostileStrayEntries puts 100,000 stray directories next to the pods
// in kubepods: every one is reported in Node.Unknown, the pods are still
// read, and the read allocates a bounded amount per entry.
func TestHostileStrayEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 100,000 directories")
	}
	const strays = 100_000
	dir := tmpfsDir(t)
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	kp := filepath.Join(dir, "cpu", "kubepods")
	start := time.Now()
	for i := range strays {
		if err := os.Mkdir(filepath.Join(kp, fmt.Sprintf("stray-%06d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("made %d directories in %v", strays, time.Since(start))
	live := openLive(t, dir)
	var n *Node
	start = time.Now()
	bytes := allocated(func() { n = readNode(t, live, NodeOptions{}) })
	t.Logf("read the node in %v", time.Since(start))
	if len(n.Unknown) != strays || len(n.Pods) != 3 {
		t.Fatalf("%d unknown, %d pods; want %d and 3", len(n.Unknown), len(n.Pods), strays)
	}
	for i, e := range n.Unknown {
		if want := fmt.Sprintf("/kubepods/stray-%06d", i); e.Path != want || e.Reason != "neither a QoS tier nor a pod cgroup" {
			t.Fatalf("unknown[%d] = %+v, want %s", i, e, want)
		}
	}
	// A listing entry (os.Root lstats each one), an Entry and its path,
	// and the growth of both slices: about 900 bytes each on linux/amd64.
	perEntry := bytes / strays
	t.Logf("%d stray entries: %d bytes allocated, %d per entry", strays, bytes, perEntry)
	if perEntry > 2048 {
		t.Errorf("%d bytes allocated per stray entry, want at most 2 KiB", perEntry)
	}
}
