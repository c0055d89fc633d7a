package cgroupfs

import (
	"errors"
	"runtime"
	"strings"
	"testing"

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
		{"quota over 2^63", v1, "cpu.cfs_quota_us", "9223372036854775808\n", syntax},
		{"quota under -2^63", v1, "cpu.cfs_quota_us", "-9223372036854775809\n", syntax},
		{"cpu.max quota over 2^63", v2, "cpu.max", "99999999999999999999 100000\n", syntax},
		{"cpu.max period over 2^64", v2, "cpu.max", "max 18446744073709551616\n", syntax},
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
			live, err := NewFS(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
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
