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
	if err := os.Mkdir(filepath.Join(dir, "pod1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/proc/self", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
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
	got, err := rootDir{root}.list()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name() != want[i].Name() || got[i].Type() != want[i].Type() || got[i].IsDir() != want[i].IsDir() {
			t.Errorf("entry %d: %v, want %v", i, got[i], want[i])
		}
		fi, err := got[i].Info()
		if err != nil || fi.Mode().Type() != want[i].Type() {
			t.Errorf("%s: Info %v, %v", got[i].Name(), fi, err)
		}
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
	got, err := parseDirents(b, nil, nil) // no DT_UNKNOWN: root unused
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
		if _, err := parseDirents(bad, nil, nil); !errorsIsInvalid(err) {
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
		got, err := parseDirents(b, root, nil)
		for _, e := range got {
			if e.Name() == "" || e.Name() == "." || e.Name() == ".." || strings.ContainsRune(e.Name(), 0) {
				t.Fatalf("bad name %q", e.Name())
			}
		}
		_ = err
	})
}
