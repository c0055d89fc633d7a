package cgroupfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// Hostile archives that are well formed but cost what a real node never
// does: a million pods, a pod with a hundred thousand cgroups, names deep
// or long or with terminal controls, metadata that contradicts itself or
// the archive, values of 64 KiB in every file. Each ends in a typed error
// naming what is over which limit, or in a bounded result, after
// allocating a few MiB; the figures are logged (go test -v -run
// TestBoundedHostile ./cgroupfs) for the README.

// sameLengthDirs returns a gzip-compressed tar stream of n directory
// entries named name(0) ... name(n-1), all of the same length (at most
// 100 bytes), made by patching the name and checksum of one header block
// and compressed as it is made, so that a million entries never sit in
// memory uncompressed.
func sameLengthDirs(tb testing.TB, n int, name func(i int) string) []byte {
	tb.Helper()
	first := name(0)
	block := rawTar(tb, false, tar.Header{Name: first, Typeflag: tar.TypeDir, Format: tar.FormatUSTAR})
	if len(block) != 512 || len(first) > 100 {
		tb.Fatalf("a header of %d bytes for %q", len(block), first)
	}
	var out bytes.Buffer
	gz, err := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 512)
	for i := range n {
		copy(b, block)
		nm := name(i)
		if len(nm) != len(first) {
			tb.Fatalf("name %q is not as long as %q", nm, first)
		}
		copy(b, nm)
		copy(b[148:156], "        ") // the checksum counts its own field as spaces
		sum := 0
		for _, c := range b {
			sum += int(c)
		}
		copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
		gz.Write(b)
	}
	gz.Write(make([]byte, 1024))
	if err := gz.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// withInfo returns the tar.gz of a fake tree whose metadata edit changed.
func withInfo(tb testing.TB, tree string, edit func(*SnapshotInfo)) []byte {
	tb.Helper()
	s := loadTree(tb, tree)
	edit(&s.Info)
	var buf bytes.Buffer
	if err := s.WriteTarGz(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// duplicateMetadata returns a capture with a second MetadataFile, "./"
// in front of its name, at the end: the first copy used to win.
func duplicateMetadata(tb testing.TB) []byte {
	tb.Helper()
	s := loadTree(tb, "v1-cgroupfs")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	meta := append(s.Info.marshal(), '\n')
	for _, name := range []string{MetadataFile, "cpu/kubepods/", "cpu/kubepods/cpu.shares", "./" + MetadataFile} {
		data := meta
		switch {
		case strings.HasSuffix(name, "/"):
			tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755})
			continue
		case name == "cpu/kubepods/cpu.shares":
			data = []byte("1024\n")
		}
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))})
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return gzipBytes(tb, buf.Bytes(), 6)
}

// TestBoundedHostile loads each hostile archive and checks the error,
// its errors.Is target, its length and the bytes allocated.
func TestBoundedHostile(t *testing.T) {
	reg := func(name string) tar.Header { return tar.Header{Name: name, Typeflag: tar.TypeReg} }
	tgz := func(entries ...tar.Header) []byte { return gzipBytes(t, rawTar(t, true, entries...), 6) }
	const mib = 1 << 20

	pods := 1_000_000
	if testing.Short() {
		pods = 50_000
	}
	start := time.Now()
	millionPods := sameLengthDirs(t, pods, func(i int) string { return fmt.Sprintf("cpu/kubepods/pod%07d/", i) })
	t.Logf("built %d pod directories in %d compressed bytes in %v", pods, len(millionPods), time.Since(start).Round(time.Millisecond))
	podCgroups := sameLengthDirs(t, 100_000, func(i int) string { return fmt.Sprintf("cpu/kubepods/podabc/c%06d/", i) })
	deepRoot := "/" + strings.Repeat("a/", 2047) + "a" // 4096 bytes, 2048 levels
	// 600 files of 64 KiB, one per pod: 39 MB of values in 180 KB.
	var values bytes.Buffer
	tw := tar.NewWriter(&values)
	value := bytes.Repeat([]byte("9"), MaxFileBytes)
	for i := range 600 {
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("cpu/kubepods/pod%03d/cpu.shares", i), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(value))})
		tw.Write(value)
	}
	tw.Close()
	bigValues := gzipBytes(t, values.Bytes(), gzip.BestCompression)
	// A txtar of 65 MiB: read whole, so bounded lower than a tar stream.
	bigTxtar := []byte(strings.Repeat("-- cpu/kubepods/cpu.shares --\n"+strings.Repeat("9", 1<<16-1)+"\n", 1040))

	tests := []struct {
		name    string
		archive []byte
		limits  SnapshotLimits
		want    string
		is      error
		alloc   uint64 // bytes the load may allocate
	}{
		{fmt.Sprintf("%d pod directories", pods), millionPods, SnapshotLimits{},
			"more than 2048 pods", ErrArchiveLimit, 16 * mib},
		{"100,000 cgroups in one pod", podCgroups, SnapshotLimits{},
			"more than 128 cgroups in one pod", ErrArchiveLimit, 16 * mib},
		{"600 files of 64 KiB", bigValues, SnapshotLimits{},
			"the files kept hold more than 33554432 bytes", ErrArchiveLimit, 48 * mib},
		{"a txtar of 65 MiB", bigTxtar, SnapshotLimits{},
			"txtar is larger than 67108864 bytes", ErrArchiveLimit, 160 * mib},
		{"33 levels", tgz(reg("cpu/" + strings.Repeat("d/", 31) + "cpu.shares")), SnapshotLimits{},
			"33 levels deep, more than the 32-level limit", ErrArchiveLimit, mib},
		{"an element of 300 bytes", tgz(reg("cpu/" + strings.Repeat("e", 300) + "/cpu.shares")), SnapshotLimits{},
			"an element of 300 bytes, longer than the 255", ErrUnsafeArchive, mib},
		// archive/tar bounds a PAX header to 1 MiB, record included.
		{"a link to a name of 1 MiB", tgz(tar.Header{Name: "cpu/kubepods/cpu.shares", Typeflag: tar.TypeSymlink, Linkname: strings.Repeat("l", mib-512), Format: tar.FormatPAX}), SnapshotLimits{},
			"is a link to \"" + strings.Repeat("l", 128) + "…(1048064 bytes)\"", ErrUnsafeArchive, 8 * mib},
		{"a file name of 4 KiB in an error", tgz(tar.Header{Name: "cpu/" + strings.Repeat("f/", 2040) + "x", Typeflag: tar.TypeFifo, Format: tar.FormatPAX}), SnapshotLimits{MaxPathDepth: 4096},
			"…(4085 bytes)\" has tar type", ErrUnsafeArchive, mib},
		{"OSC 52 (clipboard) in a name", tgz(reg("cpu/kubepods/pod\x1b]52;c;aGk=\a/cpu.shares")), SnapshotLimits{},
			`pod\x1b]52;c;aGk=\a/cpu.shares": name has a control character`, ErrUnsafeArchive, mib},
		{"clear screen in a name", tgz(reg("cpu/\x1b[2J/cpu.shares")), SnapshotLimits{},
			"name has a control character", ErrUnsafeArchive, mib},
		{"newline in a name", tgz(reg("cpu/x\n/kubepods/cpu.shares")), SnapshotLimits{},
			`x\n/kubepods`, ErrUnsafeArchive, mib},
		{"right-to-left override in a name", tgz(reg("cpu/kubepods/pod\u202eabc/cpu.shares")), SnapshotLimits{},
			`\u202e`, ErrUnsafeArchive, mib},
		{"C1 CSI in a name", tgz(reg("cpu/kubepods/\u009b2J/cpu.shares")), SnapshotLimits{},
			"name has a control character", ErrUnsafeArchive, mib},
		{"not UTF-8 in a name", tgz(reg("cpu/kubepods/\xff/cpu.shares")), SnapshotLimits{},
			"not UTF-8", ErrUnsafeArchive, mib},
		{"escape in a txtar name", []byte("-- cpu/kubepods/\x1b[2J/cpu.shares --\n2\n"), SnapshotLimits{},
			"name has a control character", ErrUnsafeArchive, mib},
		{"duplicate metadata", duplicateMetadata(t),
			SnapshotLimits{}, MetadataFile + " appears twice", ErrUnsafeArchive, mib},
		{"metadata cgroupRoot of 8,000 levels", withInfo(t, "v1-systemd", func(i *SnapshotInfo) { i.CgroupRoot = "/" + strings.Repeat("a/", 7999) + "a" }), SnapshotLimits{},
			"16000 bytes, more than 4096", ErrBadMetadata, 2 * mib},
		{"metadata systemd cgroupRoot of 2,048 levels", withInfo(t, "v1-systemd", func(i *SnapshotInfo) { i.Driver, i.CgroupRoot = DriverSystemd, deepRoot }), SnapshotLimits{},
			"2048 levels, more than the 16 of a systemd slice hierarchy", ErrBadMetadata, 2 * mib},
		{"metadata kubepodsPath not under the cgroupRoot", withInfo(t, "v1-cgroupfs", func(i *SnapshotInfo) { i.CgroupRoot, i.KubepodsPath = "/custom", "/kubepods" }), SnapshotLimits{},
			`kubepodsPath "/kubepods" is not where cgroupRoot "/custom" puts kubepods (/custom/kubepods or`, ErrBadMetadata, 2 * mib},
		{"metadata mode unified on a v1 tree", withInfo(t, "v1-cgroupfs", func(i *SnapshotInfo) { i.Mode = ModeUnified }), SnapshotLimits{},
			"mode unified, but the tree is laid out as cgroup v1 (legacy)", ErrBadMetadata, 2 * mib},
		{"metadata mode hybrid without unified/", withInfo(t, "v1-cgroupfs", func(i *SnapshotInfo) { i.Mode = ModeHybrid }), SnapshotLimits{},
			"mode hybrid, but the tree has no unified/ directory", ErrBadMetadata, 2 * mib},
		{"metadata controller in a missing directory", withInfo(t, "v1-cgroupfs", func(i *SnapshotInfo) { i.Controllers = map[string]string{"memory": "nomem"} }), SnapshotLimits{},
			`controller memory is recorded in "nomem", which is not a directory of the tree`, ErrBadMetadata, 2 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			start := time.Now()
			alloc := allocated(func() { _, err = ReadSnapshot(bytes.NewReader(tt.archive), tt.limits) })
			elapsed := time.Since(start)
			switch {
			case err == nil:
				t.Fatalf("loaded without an error")
			case !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cgroupfs: snapshot: "):
				t.Errorf("error %q, want one containing %q", err, tt.want)
			case !errors.Is(err, tt.is):
				t.Errorf("error %v does not match %v", err, tt.is)
			}
			if len(err.Error()) > 512 {
				t.Errorf("an error of %d bytes", len(err.Error()))
			}
			t.Logf("%d compressed bytes, %d allocated, %v: %v", len(tt.archive), alloc, elapsed.Round(time.Millisecond), err)
			if alloc > tt.alloc {
				t.Errorf("allocated %d bytes loading %d, want at most %d", alloc, len(tt.archive), tt.alloc)
			}
		})
	}

	t.Run("limits can be raised", func(t *testing.T) {
		s, err := ReadSnapshot(bytes.NewReader(podCgroups), SnapshotLimits{MaxCgroupsPerPod: 100_000})
		if err != nil {
			t.Fatal(err)
		}
		if es, err := s.ReadDir("cpu/kubepods/podabc"); err != nil || len(es) != 100_000 {
			t.Errorf("%d cgroups in the pod, %v", len(es), err)
		}
	})

	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := ReadSnapshotContext(ctx, bytes.NewReader(podCgroups), SnapshotLimits{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})

	// A deep cgroupRoot without a driver is read in cgroupfs form only:
	// the systemd rendering of 2,048 levels would be 4 GiB.
	t.Run("deep cgroupRoot read as cgroupfs", func(t *testing.T) {
		s := loadTree(t, "v1-cgroupfs")
		var err error
		alloc := allocated(func() {
			var f *FS
			if f, err = s.FS(); err == nil {
				_, err = f.Node(NodeOptions{CgroupRoot: deepRoot})
			}
		})
		t.Logf("%d allocated: %v", alloc, err)
		if !strings.Contains(err.Error(), "no kubepods cgroup for cgroupRoot") || !strings.Contains(err.Error(), "…(4096 bytes)") {
			t.Errorf("error %v", err)
		}
		if alloc > 2*mib {
			t.Errorf("allocated %d bytes", alloc)
		}
	})
}

// TestBoundedValueEcho reads a tree whose every file holds 64 KiB: each
// file's error quotes the value truncated, so the errors of a node stay
// a few hundred bytes per file, not 64 KiB.
func TestBoundedValueEcho(t *testing.T) {
	s := loadTree(t, "v1-cgroupfs")
	long := []byte(strings.Repeat("9", MaxFileBytes-1) + "\n")
	files := 0
	for _, n := range s.files.nodes {
		if !n.dir && isKnownFile(n.name) {
			n.data, files = long, files+1
		}
	}
	f, err := s.FS()
	if err != nil {
		t.Fatal(err)
	}
	var n *Node
	alloc := allocated(func() { n, err = f.Node(NodeOptions{}) })
	if err != nil {
		t.Fatal(err)
	}
	errs, total := 0, 0
	for cg := range n.Cgroups() {
		for name, file := range cg.Files {
			if file.Err == nil {
				continue
			}
			errs++
			msg := file.Err.Error()
			total += len(msg)
			if len(msg) > 512 || !strings.Contains(msg, "…(65535 bytes)") {
				t.Errorf("%s %s: an error of %d bytes: %.200s", cg.Path, name, len(msg), msg)
			}
		}
	}
	t.Logf("%d files of 64 KiB, %d errors, %d bytes of error text, %d allocated", files, errs, total, alloc)
	if errs == 0 {
		t.Fatal("no file failed to parse")
	}
}

// TestRemovePod removes a pod from snapshots of both drivers: the pod is
// gone from every controller, every other pod is read as before.
func TestRemovePod(t *testing.T) {
	for _, tree := range []string{"v1-cgroupfs", "v1-systemd", "v2-systemd"} {
		t.Run(tree, func(t *testing.T) {
			s := loadTree(t, tree)
			f, err := s.FS()
			if err != nil {
				t.Fatal(err)
			}
			before := readNode(t, f, NodeOptions{})
			if len(before.Pods) < 2 {
				t.Fatalf("%d pods", len(before.Pods))
			}
			victim := before.Pods[1]
			dirs := 1
			if s.Info.Mode != ModeUnified {
				dirs = 0
				for _, name := range slices.Sorted(maps.Keys(s.files.nodes)) {
					if strings.HasSuffix(name, strings.TrimPrefix(victim.Path, "/")) {
						dirs++
					}
				}
			}
			if got := s.RemovePod(victim.UID); got != dirs {
				t.Errorf("removed %d directories, want %d", got, dirs)
			}
			for name := range s.files.nodes {
				if strings.Contains(name, strings.TrimPrefix(victim.Path, "/")) {
					t.Errorf("%s is left", name)
				}
			}
			if got := s.RemovePod(victim.UID); got != 0 {
				t.Errorf("removed %d directories again", got)
			}
			f, err = s.FS()
			if err != nil {
				t.Fatal(err)
			}
			after := readNode(t, f, NodeOptions{})
			want := slices.DeleteFunc(slices.Clone(before.Pods), func(p Pod) bool { return p.UID == victim.UID })
			if len(after.Pods) != len(want) {
				t.Fatalf("%d pods after, want %d", len(after.Pods), len(want))
			}
			for i := range want {
				if after.Pods[i].UID != want[i].UID || len(after.Pods[i].Containers) != len(want[i].Containers) {
					t.Errorf("pod %d: %s, want %s", i, after.Pods[i].UID, want[i].UID)
				}
			}
		})
	}
}

// TestKubepodsUnder checks the metadata's cgroupRoot against its
// kubepodsPath, as captures record them: the kubelet's paths, and
// kubepods found by searching below a container's root.
func TestKubepodsUnder(t *testing.T) {
	tests := []struct {
		kubepods, root string
		d              Driver
		want           bool
	}{
		{"/kubepods", "/", DriverCgroupfs, true},
		{"/kubepods.slice", "/", DriverSystemd, true},
		{"/kubepods.slice", "/", "", true},
		{"/custom/kubepods", "/custom", "", true},
		{"/kubelet.slice/kubelet-kubepods.slice", "/kubelet", DriverSystemd, true},
		{"/kubelet.slice/kubelet-kubepods.slice", "/kubelet.slice", DriverSystemd, true},
		// Found by searching below a container's root.
		{"/docker/abc/kubelet.slice/kubelet-kubepods.slice", "/kubelet", DriverSystemd, true},
		{"/foo/kubepods.slice", "/", DriverSystemd, true},
		{"/foo/kubepods.slice", "/foo", DriverSystemd, true},
		{"/kubepods", "/custom", "", false},
		{"/custom/kubepods", "/other", "", false},
		{"/kubepods", "/", DriverSystemd, false},
		{"/kubelet.slice/kubelet-kubepods.slice", "/other", DriverSystemd, false},
		{"/custom/notkubepods", "/custom", "", false},
	}
	for _, tt := range tests {
		if got := kubepodsUnder(tt.kubepods, tt.root, tt.d); got != tt.want {
			t.Errorf("kubepodsUnder(%q, %q, %q) = %v, want %v", tt.kubepods, tt.root, tt.d, got, tt.want)
		}
	}
}

// TestCaptureLeavesOutUnsafeNames captures a tree in which a container
// made sub-cgroups named with terminal controls: the snapshot leaves them
// out, says so, and loads.
func TestCaptureLeavesOutUnsafeNames(t *testing.T) {
	s := loadTree(t, "v2-cgroupfs")
	f, err := s.FS()
	if err != nil {
		t.Fatal(err)
	}
	n := readNode(t, f, NodeOptions{})
	c := n.Pods[0].Containers[0]
	for _, name := range []string{"\x1b]52;c;aGk=\a", "x\n" + n.Pods[1].Path[1:], "rtl\u202e", "ok-sub"} {
		if _, err := s.files.addDir(c.Path[1:]+"/"+name, true); err != nil {
			t.Fatal(err)
		}
	}
	s.files.freeze()
	if f, err = s.FS(); err != nil {
		t.Fatal(err)
	}
	snap, err := Capture(f, CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "left out 3 entries whose names have a control character"; !slices.ContainsFunc(snap.Notes, func(n string) bool { return strings.Contains(n, want) }) {
		t.Errorf("notes %q, want one saying %q", snap.Notes, want)
	}
	var buf bytes.Buffer
	if err := snap.WriteTarGz(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSnapshot(&buf, SnapshotLimits{})
	if err != nil {
		t.Fatalf("the capture does not load: %v", err)
	}
	if _, err := back.Stat(c.Path[1:] + "/ok-sub"); err != nil {
		t.Errorf("the safe sub-cgroup is not kept: %v", err)
	}
}
