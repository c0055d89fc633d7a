//go:build linux

package cgroupfs

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestReadDirEntriesMatchesReadDir lists a directory holding every kind
// of entry with getdents64 and with os.ReadDir: same names, same types,
// and Info agrees.
func TestReadDirEntriesMatchesReadDir(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"cpu.shares", "tasks", "a b", strings.Repeat("x", 255)} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"pod1", "cpu.dir"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"link", "memory.high"} {
		if err := os.Symlink("/proc/self", filepath.Join(dir, l)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err := net.Listen("unix", filepath.Join(dir, "sock")); err == nil {
		defer l.Close()
	}
	// Enough entries to need several getdents64 calls.
	for i := range 2000 {
		if err := os.WriteFile(filepath.Join(dir, "stray-"+strings.Repeat("0", i%40)+strconv.Itoa(i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	// listChildren drops the regular interface files, and only those:
	// not the directory or the link named like one.
	wantChildren := slices.DeleteFunc(slices.Clone(want), func(e fs.DirEntry) bool {
		return e.Name() == "cpu.shares" || e.Name() == "tasks"
	})
	for _, c := range []struct {
		mode listMode
		want []fs.DirEntry
	}{{listAll, want}, {listChildren, wantChildren}} {
		got, err := rootDir{root}.list(c.mode)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Fatalf("mode %d: %d entries, want %d", c.mode, len(got), len(c.want))
		}
		for i, w := range c.want {
			if got[i].Name() != w.Name() || got[i].Type() != w.Type() || got[i].IsDir() != w.IsDir() {
				t.Errorf("mode %d, entry %d: %v, want %v", c.mode, i, got[i], w)
			}
			fi, err := got[i].Info()
			if err != nil || fi.Mode().Type() != w.Type() {
				t.Errorf("%s: Info %v, %v", got[i].Name(), fi, err)
			}
		}
	}
}

// TestListChildrenSkipsInterfaceFilesWithoutAllocating parses a cgroup
// directory's worth of interface file records for child cgroups: no
// entry, and no allocation.
func TestListChildrenSkipsInterfaceFilesWithoutAllocating(t *testing.T) {
	var b []byte
	for _, n := range DefaultFiles(2) {
		b = append(b, dirent64(n, syscall.DT_REG, 0)...)
	}
	b = append(b, dirent64("tasks", syscall.DT_REG, 0)...)
	var got []fs.DirEntry
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if got, err = parseDirents(b, nil, listChildren, got[:0]); err != nil {
			t.Fatal(err)
		}
	})
	if len(got) != 0 || allocs != 0 {
		t.Errorf("%d entries, %v allocations per listing; want none", len(got), allocs)
	}
	b = append(b, dirent64("pod1", syscall.DT_DIR, 0)...)
	if got, _ := parseDirents(b, nil, listChildren, nil); len(got) != 1 || got[0].Name() != "pod1" {
		t.Errorf("got %v, want pod1 alone", got)
	}
}

// dirent64 encodes one linux_dirent64 record.
func dirent64(name string, typ byte, pad int) []byte {
	n := direntName + len(name) + 1 + pad
	b := make([]byte, n)
	binary.NativeEndian.PutUint16(b[direntReclen:], uint16(n))
	b[direntType] = typ
	copy(b[direntName:], name)
	return b
}

// TestParseDirents checks the record parser on made-up buffers: types,
// padding, "." and "..", and truncated or lying records refused.
func TestParseDirents(t *testing.T) {
	var b []byte
	b = append(b, dirent64(".", syscall.DT_DIR, 4)...)
	b = append(b, dirent64("..", syscall.DT_DIR, 3)...)
	b = append(b, dirent64("cpu.max", syscall.DT_REG, 0)...)
	b = append(b, dirent64("pod1", syscall.DT_DIR, 7)...)
	b = append(b, dirent64("l", syscall.DT_LNK, 1)...)
	got, err := parseDirents(b, nil, listAll, nil) // no DT_UNKNOWN: root unused
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Name()+":"+e.Type().String())
	}
	if want := []string{"cpu.max:----------", "pod1:d---------", "l:L---------"}; !slices.Equal(names, want) {
		t.Errorf("got %q, want %q", names, want)
	}
	for _, bad := range [][]byte{
		b[:10],                         // shorter than a header
		append(dirent64("x", 8, 0), 1), // a trailing byte
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 8, 'x'},   // reclen below the header
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0, 8, 'x'}, // reclen past the buffer
	} {
		if _, err := parseDirents(bad, nil, listAll, nil); !errorsIsInvalid(err) {
			t.Errorf("%v: err %v, want EINVAL", bad, err)
		}
	}
}

func errorsIsInvalid(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && errors.Is(err, syscall.EINVAL)
}

// FuzzParseDirents feeds arbitrary bytes to the getdents64 parser: it
// must return entries or an error, never panic or loop.
func FuzzParseDirents(f *testing.F) {
	f.Add(append(dirent64("cpu.max", syscall.DT_REG, 0), dirent64("pod1", syscall.DT_DIR, 5)...))
	f.Add([]byte{})
	f.Add(dirent64("", syscall.DT_REG, 0))
	// DT_UNKNOWN records are lstat'ed: in an empty directory, so they
	// are dropped as gone.
	root, err := os.OpenRoot(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseDirents(b, root, listAll, nil)
		for _, e := range got {
			if e.Name() == "" || e.Name() == "." || e.Name() == ".." || strings.ContainsRune(e.Name(), 0) {
				t.Fatalf("bad name %q", e.Name())
			}
		}
		_ = err
	})
}
