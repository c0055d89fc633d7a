// Package golden compares test output with files under the repository's
// top-level testdata directory and rewrites them when tests run with
// -update:
//
//	go test ./... -update
//
// Every test package of the module imports it (directly or through a
// helper), so the -update flag is defined in each test binary and the
// command above works for the whole tree. Review the resulting git diff
// before committing.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files and captured fixtures instead of comparing with them")

// Updating reports whether the test binary runs with -update.
func Updating() bool { return *update }

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

// RepoRoot returns the directory holding the module's go.mod.
func RepoRoot() (string, error) {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = fmt.Errorf("golden: no go.mod above the working directory")
				return
			}
			dir = parent
		}
	})
	return rootDir, rootErr
}

// Path returns the path of a file under the top-level testdata directory,
// for example Path("golden", "convert", "weights.txt").
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	root, err := RepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(append([]string{root, "testdata"}, elem...)...)
}

// Check compares got with the golden file at path (see [Path]). With
// -update it writes got to the file instead. A mismatch reports the first
// differing line and how to regenerate.
func Check(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("golden: %v (run go test with -update to create it)", err)
	}
	if bytes.Equal(want, got) {
		return
	}
	tb.Errorf("golden: %s differs from the output at %s (run go test with -update and review the diff)", rel(path), firstDiff(want, got))
}

func rel(path string) string {
	root, err := RepoRoot()
	if err != nil {
		return path
	}
	if r, err := filepath.Rel(root, path); err == nil {
		return r
	}
	return path
}

func firstDiff(want, got []byte) string {
	wl := strings.Split(string(want), "\n")
	gl := strings.Split(string(got), "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %q\n  got:  %q", i+1, w, g)
		}
	}
	return "the end of file"
}

// RealNode returns the path of a file of the real node the live-node test
// captured (kubelet v1.37.2, containerd 1.6, runc 1.1.5, cgroup v1): the
// demo's own copy, internal/demo/data/1-real-node, which the binary
// embeds; tests read that one copy. With no name it is the directory.
func RealNode(tb testing.TB, name ...string) string {
	tb.Helper()
	root, err := RepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(append([]string{root, "internal", "demo", "data", "1-real-node"}, name...)...)
}

// TreeNames lists the fake trees, the names of testdata/trees/*.txtar
// without the extension, in lexical order.
func TreeNames(tb testing.TB) []string {
	tb.Helper()
	matches, err := filepath.Glob(Path(tb, "trees", "*.txtar"))
	if err != nil || len(matches) == 0 {
		tb.Fatalf("no fake trees: %v", err)
	}
	var names []string
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".txtar"))
	}
	return names
}
