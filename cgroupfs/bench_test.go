package cgroupfs

import (
	"fmt"
	"strings"
	"testing"
)

// benchTree builds a cgroup v2 snapshot of a node with pods Burstable pods
// of three containers each (a pause container and two apps).
func benchTree(pods int) *Snapshot {
	s := &Snapshot{Info: SnapshotInfo{Mode: ModeUnified, PageSizeBytes: 4096}, files: newMemFS()}
	put := func(dir string) {
		for _, f := range DefaultFiles(2) {
			s.files.addFile(dir+"/"+f, []byte("max\n"))
		}
		s.files.addFile(dir+"/hugetlb.2MB.max", []byte("0\n"))
	}
	s.files.addFile("cgroup.controllers", []byte("cpuset cpu io memory hugetlb pids\n"))
	put("kubepods")
	put("kubepods/burstable")
	put("kubepods/besteffort")
	for i := range pods {
		pod := fmt.Sprintf("kubepods/burstable/pod%08d-0000-4000-8000-000000000000", i)
		put(pod)
		for c := range 3 {
			put(pod + "/" + strings.Repeat(fmt.Sprintf("%02x", c), 28) + fmt.Sprintf("%08x", i))
		}
	}
	s.files.freeze()
	return s
}

// BenchmarkNode reads a 110-pod and a 1000-pod node from memory and from
// disk (through os.Root).
func BenchmarkNode(b *testing.B) {
	for _, pods := range []int{110, 1000} {
		s := benchTree(pods)
		mem, err := s.FS()
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		writeTree(b, s, dir)
		disk, err := NewFS(dir)
		if err != nil {
			b.Fatal(err)
		}
		for name, fsys := range map[string]*FS{"memory": mem, "disk": disk} {
			b.Run(fmt.Sprintf("%s/%d", name, pods), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					n, err := fsys.Node(NodeOptions{})
					if err != nil || len(n.Pods) != pods {
						b.Fatalf("%v, %d pods", err, len(n.Pods))
					}
				}
			})
		}
		disk.Close()
	}
}
