package cgroupfs_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
)

// TestSnapshotInputErrors: an empty input and a .tar.gz that is not gzip
// are typed errors that say so and name the file.
func TestSnapshotInputErrors(t *testing.T) {
	if _, err := cgroupfs.ReadSnapshot(bytes.NewReader(nil), cgroupfs.SnapshotLimits{}); !errors.Is(err, cgroupfs.ErrEmptyArchive) {
		t.Errorf("empty input: %v", err)
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.tar.gz")
	os.WriteFile(empty, nil, 0o644)
	text := filepath.Join(dir, "text.tar.gz")
	os.WriteFile(text, []byte("hello\n"), 0o644)
	for _, tc := range []struct {
		name   string
		target error
		want   string
	}{
		{empty, cgroupfs.ErrEmptyArchive, "empty"},
		{text, cgroupfs.ErrNotGzip, "not a gzip"},
	} {
		_, err := cgroupfs.ReadSnapshotFile(tc.name, cgroupfs.SnapshotLimits{})
		if !errors.Is(err, tc.target) || !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestNoKubepodsNamesRoot: a tree without a kubepods cgroup is
// ErrNoKubepods (and fs.ErrNotExist), naming the tree it looked in.
func TestNoKubepodsNamesRoot(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte("cpu memory\n"), 0o644)
	f, err := cgroupfs.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, opts := range []cgroupfs.NodeOptions{{}, {CgroupRoot: "/custom"}} {
		_, err = f.Node(opts)
		if !errors.Is(err, cgroupfs.ErrNoKubepods) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%+v: %v", opts, err)
		}
	}
	m := fstest.MapFS{"cgroup.controllers": {Data: []byte("cpu memory\n")}}
	tf, err := cgroupfs.NewTreeFS(m, cgroupfs.TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tf.Node(cgroupfs.NodeOptions{}); !errors.Is(err, cgroupfs.ErrNoKubepods) {
		t.Errorf("tree: %v", err)
	}
}
