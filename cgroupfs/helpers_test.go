package cgroupfs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// The pods and containers of the fake trees in testdata/trees (generated
// from fixed labels, so every tree shares them).
const (
	uidG = "911d497f-fa06-585f-bfd3-61bb8a6cf5b3" // Guaranteed
	uidB = "571ef27d-d74b-5fc6-875f-3f5ac07d885a" // Burstable
	uidE = "5b2e20d9-95a7-5004-b435-f768274663a7" // BestEffort

	idG  = "812ef8bc4d15fc37238d706935a32ecfaafaf9e5609b087d90ded2cd32b161ed" // Guaranteed app
	idGs = "ff16cfc5684b159afaaba09e7a6e30edd0aa4a4cc85c484c6c39b6ec29e55c34" // its sandbox
	idB1 = "9db4f0d83dcfd97f94b220900d799919662e6a419b9c6de7cab33ebd69c3831a" // Burstable, limited
	idB2 = "1747ac4f01aaf599c77d365535fb4e56111e09491a9e0c7ff7bdab54ad798457" // Burstable, unlimited
	idBs = "f225d36e44de8acb17167676fa152086dbf17e4c0d95e482a3b7c8b125ae4e3b" // its sandbox
	idE  = "3cb9f33b69bd20ea23b7d36a043e4022e6e64d566743330dd5d1900e325ac950" // BestEffort app
	idEs = "f8b402ec6af5fc97fb3e183fba4a7d86556d368d5e2f2a4fe6990784081d30fa" // its sandbox
)

// loadTree reads testdata/trees/<name>.txtar.
func loadTree(tb testing.TB, name string) *Snapshot {
	tb.Helper()
	f, err := os.Open(golden.Path(tb, "trees", name+".txtar"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	s, err := ReadSnapshot(f, SnapshotLimits{})
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return s
}

// openTree opens a fake tree for reading.
func openTree(tb testing.TB, name string) *FS {
	tb.Helper()
	fsys, err := loadTree(tb, name).FS()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	tb.Cleanup(func() { fsys.Close() })
	return fsys
}

// readNode reads the whole node, failing the test on error.
func readNode(tb testing.TB, fsys *FS, opts NodeOptions) *Node {
	tb.Helper()
	n, err := fsys.Node(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// writeTree copies a snapshot to a directory on disk, as `cp -r` of a
// host's /sys/fs/cgroup would leave it.
func writeTree(tb testing.TB, s *Snapshot, dir string) {
	tb.Helper()
	err := s.walk(func(name string, n *memNode) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if n.dir {
			return os.MkdirAll(p, 0o755)
		}
		return os.WriteFile(p, n.data, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// namedFS is a reader of a test tree, named for subtests.
type namedFS struct {
	what string
	fsys *FS
}

// bothReaders opens the tree in dir twice: live (through os.Root) and as an
// fs.FS (os.DirFS), so a test can require the same outcome from both.
// They are closed when the test ends.
func bothReaders(t *testing.T, dir string) []namedFS {
	t.Helper()
	live := openLive(t, dir)
	dirfs, err := NewTreeFS(os.DirFS(dir), TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return []namedFS{{"os.Root", live}, {"os.DirFS", dirfs}}
}

// openDefault opens this machine's cgroup tree at DefaultMountPoint; it is
// closed when the test ends.
func openDefault(t *testing.T) *FS {
	t.Helper()
	fsys, err := NewDefaultFS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	return fsys
}

// openLive opens the tree in dir with the live constructor (os.Root); it
// is closed when the test ends.
func openLive(t *testing.T, dir string) *FS {
	t.Helper()
	live, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Close() })
	return live
}
