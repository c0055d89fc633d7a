package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out.tar.gz")
	if err := Write(name, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(name); err != nil || string(b) != "data" {
		t.Fatalf("%q %v", b, err)
	}
	if st, _ := os.Stat(name); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	missing := filepath.Join(dir, "no-such-dir", "out.tar.gz")
	err := Write(missing, []byte("data"), 0o644)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), ".out.tar.gz.") {
		t.Errorf("missing directory: %v", err)
	}
	// A directory in the target's place: the rename fails.
	target := filepath.Join(dir, "isdir")
	os.Mkdir(target, 0o755)
	os.WriteFile(filepath.Join(target, "x"), nil, 0o644)
	err = Write(target, []byte("data"), 0o644)
	if err == nil || !strings.Contains(err.Error(), target) || strings.Contains(err.Error(), ".isdir.") {
		t.Errorf("directory in the way: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("temporary files left: %v", entries)
	}
}
