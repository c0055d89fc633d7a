package cgroupfs

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/convert"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/.

// FuzzParseMountinfo checks that any mountinfo text parses or fails
// cleanly, and that what parses has absolute mount points.
func FuzzParseMountinfo(f *testing.F) {
	f.Add([]byte(sampleMountinfo))
	f.Fuzz(func(t *testing.T, data []byte) {
		mounts, err := parseMountinfo(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, m := range mounts {
			if !strings.HasPrefix(m.MountPoint, "/") {
				t.Fatalf("mount point %q is not absolute", m.MountPoint)
			}
		}
		for rel := range v1Mounts(mounts, "/sys/fs/cgroup") {
			if strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, "..") {
				t.Fatalf("controller directory %q outside the mount point", rel)
			}
		}
	})
}

// fuzzSnapshot loads an archive and, when it loads, reads it as a node
// and writes it back as tar.gz, which must load again.
func fuzzSnapshot(t *testing.T, data []byte) {
	limits := SnapshotLimits{MaxBytes: 1 << 20, MaxEntries: 1000}
	s, err := ReadSnapshot(bytes.NewReader(data), limits)
	if err != nil {
		return
	}
	if fsys, err := s.FS(); err == nil {
		if n, err := fsys.Node(NodeOptions{}); err == nil && n.Kubepods == nil {
			t.Fatal("node without kubepods")
		}
	}
	var buf bytes.Buffer
	if err := s.WriteTarGz(&buf); err != nil {
		t.Fatal(err)
	}
	again, err := ReadSnapshot(&buf, SnapshotLimits{})
	if err != nil {
		t.Fatalf("a loaded snapshot does not load again: %v", err)
	}
	if again.Info.Mode != s.Info.Mode || again.Info.KubepodsPath != s.Info.KubepodsPath {
		t.Fatalf("metadata changed: %+v -> %+v", s.Info, again.Info)
	}
}

// FuzzReadSnapshotTxtar fuzzes the txtar loader (and the reader behind
// it).
func FuzzReadSnapshotTxtar(f *testing.F) {
	f.Add([]byte("kubecgroups-snapshot: {\"apiVersion\":\"kubecgroups.io/v1alpha1\",\"kind\":\"CgroupSnapshot\",\"mode\":\"unified\"}\n-- cgroup.controllers --\ncpu\n-- kubepods/cpu.weight --\n1\n-- kubepods/pod1/ --\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 0 && data[0] == 0x1f {
			return // the tar.gz target's
		}
		fuzzSnapshot(t, data)
	})
}

// FuzzReadSnapshotTarGz fuzzes the tar.gz loader.
func FuzzReadSnapshotTarGz(f *testing.F) {
	f.Add(makeTarGz(f, tarEntry{name: "./cpu/kubepods/cpu.shares", typeflag: '0', data: "2\n"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzSnapshot(t, data)
	})
}

// FuzzParsePath checks ParsePath and the name parsers behind it: what
// parses renders back to the same names.
func FuzzParsePath(f *testing.F) {
	f.Add("/kubepods/burstable/pod6f7e8d9c-0b1a-4c3d-8e5f-6a7b8c9d0e1f/" + strings.Repeat("ab", 32))
	f.Add("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1_2.slice/crio-abc.scope")
	f.Fuzz(func(t *testing.T, p string) {
		info, ok := ParsePath(p)
		if !ok {
			return
		}
		if !strings.HasPrefix(p, info.Kubepods) {
			t.Fatalf("kubepods %q is not a prefix of %q", info.Kubepods, p)
		}
		h := newHierarchy(info.Kubepods, "")
		if h.driver != info.Driver {
			t.Fatalf("driver %s, hierarchy %s", info.Driver, h.driver)
		}
		if info.PodUID != "" {
			if !validUID(info.PodUID) {
				t.Fatalf("invalid UID %q", info.PodUID)
			}
			if uid, ok := podUIDFromName(h.podName(info.Tier, info.PodUID)); !ok || uid != info.PodUID {
				t.Fatalf("pod name of %q parses back as %q", info.PodUID, uid)
			}
		}
		if info.ContainerID != "" {
			if id, n, _ := containerFromName(containerDirName(info.ContainerID, info.Naming)); id != info.ContainerID || n != info.Naming {
				t.Fatalf("container name of %q %s parses back as %q %s", info.ContainerID, info.Naming, id, n)
			}
		}
	})
}

// FuzzFileValue reads any text as each file this package parses, on both
// cgroup versions: the result is a value or a *ParseError naming the file
// with the text kept, never both and never neither; a parsed value
// renders as JSON, and its raw text has no second trailing newline.
func FuzzFileValue(f *testing.F) {
	for _, s := range []string{"1024\n", "max 100000\n", "-1\n", "max\n", "9223372036854771712\n", "0-3,5\n", "1\n", "", "\x00", "1024\r\n", "1024\n\n", "12abc", "-5", "99999999999999999999999"} {
		f.Add(s)
	}
	names := append(DefaultFiles(convert.CgroupV1), DefaultFiles(convert.CgroupV2)...)
	names = append(names, "hugetlb.2MB.limit_in_bytes", "hugetlb.1GB.max", "hugetlb.2MB.rsvd.max")
	f.Fuzz(func(t *testing.T, text string) {
		for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
			for _, name := range names {
				file := newFile("/kubepods", name, []byte(text), v)
				if file.Raw != strings.TrimSuffix(text, "\n") {
					t.Fatalf("%s: raw %q from %q", name, file.Raw, text)
				}
				if file.Err != nil {
					var pe *ParseError
					if !errors.As(file.Err, &pe) || pe.File != name || pe.Path != "/kubepods" {
						t.Fatalf("%s: %q: error %v is not a ParseError naming the file", name, text, file.Err)
					}
					if file.Value != nil {
						t.Fatalf("%s: %q: both a value and an error", name, text)
					}
					continue
				}
				if _, err := json.Marshal(file); err != nil {
					t.Fatalf("%s: %q: %v", name, text, err)
				}
			}
		}
	})
}
