package cgroupfs

import (
	"bytes"
	"strings"
	"testing"
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
