package cgroupfs

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// vanishFS is a tree in which some directories vanish right after their
// parent was listed: they still appear in listings but cannot be opened,
// as when a pod is deleted while the node is read.
type vanishFS struct {
	fs.FS
	gone []string
}

func (v vanishFS) Open(name string) (fs.File, error) {
	for _, g := range v.gone {
		if name == g || strings.HasPrefix(name, g+"/") {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
	}
	return v.FS.Open(name)
}

// TestGone checks that pods and containers that vanish mid-read are
// reported as gone, not as errors and not as pods.
func TestGone(t *testing.T) {
	s := loadTree(t, "v1-cgroupfs")
	bPod := "kubepods/burstable/pod" + uidB
	gPod := "kubepods/pod" + uidG
	var gone []string
	for _, ctrl := range []string{"cpu", "memory", "pids", "cpuset", "hugetlb"} {
		gone = append(gone, ctrl+"/"+bPod, ctrl+"/"+gPod+"/"+idGs)
	}
	fsys, err := NewTreeFS(vanishFS{s, gone}, TreeOptions{Mode: ModeLegacy, PageSizeBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	n := readNode(t, fsys, NodeOptions{})
	want := []Entry{
		{Path: "/" + bPod, Level: LevelPod, PodUID: uidB},
		{Path: "/" + gPod + "/" + idGs, Level: LevelContainer, PodUID: uidG, ContainerID: idGs},
	}
	if diff := cmp.Diff(want, n.Gone); diff != "" {
		t.Errorf("gone (-want +got):\n%s", diff)
	}
	if n.Pod(uidB) != nil || len(n.Pods) != 2 || len(n.Pod(uidG).Containers) != 1 {
		t.Errorf("gone entries read as pods or containers: %+v", shapeOf(n))
	}
	if _, err := fsys.Pod(uidB, NodeOptions{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Pod of a pod that vanished: %v", err)
	}
	if _, err := fsys.Container(idGs, NodeOptions{}); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "vanished") {
		t.Errorf("Container of a container that vanished: %v", err)
	}
}
