package cgroupfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/internal/testutil"
)

// nodeJSON compares Files by their JSON form, which compares errors by
// message.
var nodeJSON = cmp.Comparer(func(a, b File) bool {
	ja, _ := a.MarshalJSON()
	jb, _ := b.MarshalJSON()
	return bytes.Equal(ja, jb)
})

// sameFile compares Files by text, value and status, not by error
// message (which names the backend's operations).
var sameFile = cmp.Comparer(func(a, b File) bool {
	return a.Raw == b.Raw && a.Status() == b.Status() && cmp.Equal(a.Value, b.Value)
})

// TestSnapshotRoundTrip captures every fake tree, writes it as tar.gz and
// as txtar, loads both back and checks that they read exactly like the
// tree itself.
func TestSnapshotRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	for _, name := range golden.TreeNames(t) {
		t.Run(name, func(t *testing.T) {
			fsys := openTree(t, name)
			want := readNode(t, fsys, NodeOptions{})
			s, err := Capture(fsys, CaptureOptions{CapturedAt: at, Hostname: "node-1", ToolVersion: "test"})
			if err != nil {
				t.Fatal(err)
			}
			// A page size that was only assumed is not recorded as a fact.
			if s.Info.Mode != fsys.Mode() || s.Info.PageSizeBytes != loadTree(t, name).Info.PageSizeBytes || !s.Info.CapturedAt.Equal(at) ||
				s.Info.Driver != want.Driver || s.Info.CgroupRoot != want.CgroupRoot || s.Info.KubepodsPath != want.Kubepods.Path {
				t.Errorf("info: %+v", s.Info)
			}
			for _, format := range []string{"tar.gz", "txtar"} {
				var buf bytes.Buffer
				if format == "tar.gz" {
					err = s.WriteTarGz(&buf)
				} else {
					err = s.WriteTxtar(&buf)
				}
				if err != nil {
					t.Fatal(err)
				}
				loaded, err := ReadSnapshot(bytes.NewReader(buf.Bytes()), SnapshotLimits{})
				if err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				if diff := cmp.Diff(s.Info, loaded.Info); diff != "" {
					t.Errorf("%s: info (-captured +loaded):\n%s", format, diff)
				}
				lfs, err := loaded.FS()
				if err != nil {
					t.Fatal(err)
				}
				got := readNode(t, lfs, NodeOptions{})
				// Notes about what the original tree lacked (mode, page
				// size) are settled by the capture.
				want := *want
				want.Notes, got.Notes = nil, nil
				if diff := cmp.Diff(&want, got, nodeJSON); diff != "" {
					t.Errorf("%s: node (-tree +snapshot):\n%s", format, diff)
				}
				// Writing the loaded snapshot again gives the same bytes.
				var again bytes.Buffer
				if format == "tar.gz" {
					err = loaded.WriteTarGz(&again)
				} else {
					err = loaded.WriteTxtar(&again)
				}
				if err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
					t.Errorf("%s: writing the loaded snapshot again gives different bytes (%v)", format, err)
				}
			}
		})
	}
}

// TestCaptureKeepsOnlyWhatIsRead checks that a capture holds the files
// Node reads and the layout markers, and nothing else.
func TestCaptureKeepsOnlyWhatIsRead(t *testing.T) {
	s, err := Capture(openTree(t, "crio-conmon"), CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	s.walk(func(name string, n *memNode) error {
		if strings.Contains(name, "crio-conmon") {
			t.Errorf("conmon cgroup captured: %s", name)
		}
		if !n.dir {
			names = append(names, name)
		}
		return nil
	})
	// 1 cgroup.controllers + 3 (kubepods, tiers) + 3 pods + 7 containers,
	// 13 files each.
	if want := 1 + (3+3+7)*13; len(names) != want {
		t.Errorf("captured %d files, want %d", len(names), want)
	}
	if s.Info.CapturedAt.IsZero() || s.Info.CapturedAt.Location() != time.UTC {
		t.Errorf("capture time %v", s.Info.CapturedAt)
	}
}

// tarEntry is one entry of a hand-made tar.gz.
type tarEntry struct {
	name     string
	typeflag byte
	data     string
	link     string
}

func makeTarGz(tb testing.TB, entries ...tarEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.data)), Linkname: e.link}
		if e.typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			tb.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte(e.data))
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// TestPlainArchive loads tar.gz files of copied trees without metadata.
func TestPlainArchive(t *testing.T) {
	for _, tree := range []string{"hybrid", "v2-cgroupfs", "comounted", "kind"} {
		for _, prefix := range []string{"./", "", "node-x/", "./node-x/"} {
			src := loadTree(t, tree)
			// A `cp -r` copy: no metadata, names under prefix, and files
			// this package never reads.
			plain := testutil.ArchiveOptions{Prefix: prefix, DirFiles: map[string]string{"cgroup.procs": "1\n2\n"}}
			s, err := ReadSnapshot(bytes.NewReader(testutil.PlainArchive(t, src, plain)), SnapshotLimits{})
			if err != nil {
				t.Fatalf("%s %q: %v", tree, prefix, err)
			}
			if s.Info.Mode != "" {
				t.Errorf("%s %q: mode %q recorded in a plain archive", tree, prefix, s.Info.Mode)
			}
			fsys, err := s.FS()
			if err != nil {
				t.Fatalf("%s %q: %v", tree, prefix, err)
			}
			got := readNode(t, fsys, NodeOptions{})
			want := readNode(t, openTree(t, tree), NodeOptions{})
			if got.Mode != want.Mode || len(got.Pods) != len(want.Pods) || got.Kubepods.Path != want.Kubepods.Path {
				t.Errorf("%s %q: %s %s %d pods, want %s %s %d", tree, prefix, got.Mode, got.Kubepods.Path, len(got.Pods), want.Mode, want.Kubepods.Path, len(want.Pods))
			}
			notes := strings.Join(got.Notes, "\n")
			for _, w := range []string{"no " + MetadataFile, "skipped", "mode not recorded", "page size not recorded"} {
				if !strings.Contains(notes, w) {
					t.Errorf("%s %q: notes lack %q:\n%s", tree, prefix, w, notes)
				}
			}
		}
	}
}

// TestArchiveRefusals checks every refused archive shape, each with an
// error naming the entry.
func TestArchiveRefusals(t *testing.T) {
	reg := func(name, data string) tarEntry { return tarEntry{name: name, typeflag: tar.TypeReg, data: data} }
	dir := func(name string) tarEntry { return tarEntry{name: name, typeflag: tar.TypeDir} }
	ok := reg("cpu/kubepods/cpu.shares", "1024\n")
	tests := []struct {
		name    string
		archive []byte
		limits  SnapshotLimits
		want    string
	}{
		{"absolute", makeTarGz(t, reg("/cpu/kubepods/cpu.shares", "2\n")), SnapshotLimits{}, "absolute paths are refused"},
		{"dotdot", makeTarGz(t, ok, reg("cpu/../../etc/cpu.shares", "2\n")), SnapshotLimits{}, `".." is refused`},
		{"symlink", makeTarGz(t, ok, tarEntry{name: "cpu", typeflag: tar.TypeSymlink, link: "cpu,cpuacct"}), SnapshotLimits{}, `is a link to "cpu,cpuacct"`},
		{"hardlink", makeTarGz(t, ok, tarEntry{name: "cpu/kubepods/cpu.weight", typeflag: tar.TypeLink, link: "cpu/kubepods/cpu.shares"}), SnapshotLimits{}, "links are refused"},
		{"fifo", makeTarGz(t, ok, tarEntry{name: "cpu/kubepods/fifo", typeflag: tar.TypeFifo}), SnapshotLimits{}, "only regular files and directories"},
		{"device", makeTarGz(t, ok, tarEntry{name: "dev", typeflag: tar.TypeChar}), SnapshotLimits{}, "only regular files and directories"},
		{"duplicate file", makeTarGz(t, ok, ok), SnapshotLimits{}, "appears twice"},
		{"duplicate dir", makeTarGz(t, dir("cpu/"), dir("cpu/kubepods/"), dir("./cpu/"), ok), SnapshotLimits{}, "appears twice"},
		{"file and dir", makeTarGz(t, reg("cpu/kubepods/cpu.shares/cpu.shares", "2\n"), ok), SnapshotLimits{}, "both a file and a directory"},
		{"unclean", makeTarGz(t, reg("cpu//kubepods/cpu.shares", "2\n")), SnapshotLimits{}, "not a clean relative path"},
		{"backslash", makeTarGz(t, reg(`cpu\kubepods\cpu.shares`, "2\n")), SnapshotLimits{}, "backslash"},
		{"big file", makeTarGz(t, reg("cpu/kubepods/cpu.shares", strings.Repeat("1", 100))), SnapshotLimits{MaxFileBytes: 64}, "more than the 64-byte limit"},
		{"entries", makeTarGz(t, dir("a/"), dir("b/"), dir("c/"), ok), SnapshotLimits{MaxEntries: 3}, "more than 3 entries"},
		{"total", makeTarGz(t, ok, reg("cpu/big", strings.Repeat("x", 10000))), SnapshotLimits{MaxBytes: 4096}, "larger than 4096 bytes uncompressed"},
		{"empty files", makeTarGz(t, reg("cpu/kubepods/cpu.shares", ""), reg("memory/kubepods/memory.limit_in_bytes", "")), SnapshotLimits{}, "tar directly on cgroupfs"},
		{"bad metadata", makeTarGz(t, reg(MetadataFile, `{"apiVersion":"kubecgroups.io/v1alpha1","kind":"CgroupSnapshot","mode":"v3"}`), ok), SnapshotLimits{}, `unknown mode "v3"`},
		{"foreign metadata", makeTarGz(t, reg(MetadataFile, `{"apiVersion":"v1","kind":"Pod"}`), ok), SnapshotLimits{}, "want kubecgroups.io/v1alpha1 CgroupSnapshot"},
		{"page size", makeTarGz(t, reg(MetadataFile, `{"apiVersion":"kubecgroups.io/v1alpha1","kind":"CgroupSnapshot","pageSizeBytes":4097}`), ok), SnapshotLimits{}, "not a power of two"},
		{"txtar dotdot", []byte("-- ../cpu.shares --\n2\n"), SnapshotLimits{}, `".." is refused`},
		{"txtar absolute", []byte("-- /cpu/cpu.shares --\n2\n"), SnapshotLimits{}, "absolute"},
		{"txtar duplicate", []byte("-- cpu/cpu.shares --\n2\n-- cpu/cpu.shares --\n3\n"), SnapshotLimits{}, "appears twice"},
		{"txtar dir with content", []byte("-- cpu/kubepods/ --\n2\n"), SnapshotLimits{}, "a directory (ending in /) with content"},
		{"txtar two metadata lines", []byte(metadataPrefix + " {}\n" + metadataPrefix + " {}\n"), SnapshotLimits{}, "two kubecgroups-snapshot: lines"},
		{"txtar big", []byte("-- cpu/cpu.shares --\n" + strings.Repeat("1", 100) + "\n"), SnapshotLimits{MaxFileBytes: 64}, "more than the 64-byte limit"},
		{"not gzip", []byte{0x1f, 0x8b, 0, 0}, SnapshotLimits{}, "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSnapshot(bytes.NewReader(tt.archive), tt.limits)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if tt.name == "empty files" && !errors.Is(err, ErrEmptyFiles) {
				t.Errorf("error %v does not match ErrEmptyFiles", err)
			}
			for _, kind := range []error{ErrUnsafeArchive, ErrArchiveLimit} {
				if want := archiveErrorKinds[tt.name] == kind; errors.Is(err, kind) != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, kind, !want, want)
				}
			}
		})
	}
}

// archiveErrorKinds are the sentinels the refusals of TestArchiveRefusals
// match; the others (metadata, gzip) match neither.
var archiveErrorKinds = map[string]error{
	"absolute": ErrUnsafeArchive, "dotdot": ErrUnsafeArchive, "symlink": ErrUnsafeArchive,
	"hardlink": ErrUnsafeArchive, "fifo": ErrUnsafeArchive, "device": ErrUnsafeArchive,
	"duplicate file": ErrUnsafeArchive, "duplicate dir": ErrUnsafeArchive, "file and dir": ErrUnsafeArchive,
	"unclean": ErrUnsafeArchive, "backslash": ErrUnsafeArchive,
	"txtar dotdot": ErrUnsafeArchive, "txtar absolute": ErrUnsafeArchive, "txtar duplicate": ErrUnsafeArchive,
	"txtar dir with content": ErrUnsafeArchive, "txtar two metadata lines": ErrUnsafeArchive,
	"big file": ErrArchiveLimit, "entries": ErrArchiveLimit, "total": ErrArchiveLimit, "txtar big": ErrArchiveLimit,
}

// TestArchiveRootEntries checks entries that name the archive's root.
func TestArchiveRootEntries(t *testing.T) {
	s, err := ReadSnapshot(bytes.NewReader(makeTarGz(t,
		tarEntry{name: "./", typeflag: tar.TypeDir},
		tarEntry{name: ".", typeflag: tar.TypeDir},
		tarEntry{name: "./cpu/kubepods/cpu.shares", typeflag: tar.TypeReg, data: "2\n"},
	)), SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.files.ReadDir(".")
	if err != nil || len(b) != 1 || b[0].Name() != "cpu" {
		t.Errorf("root: %v %v", b, err)
	}
	f, err := s.Open("cpu/kubepods/cpu.shares")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	if string(data) != "2\n" {
		t.Errorf("content %q", data)
	}
}
