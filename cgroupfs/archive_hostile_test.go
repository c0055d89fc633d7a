package cgroupfs

import (
	"archive/tar"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"
)

// Hostile archives beyond the plain refusals of TestArchiveRefusals: names
// hidden in PAX and GNU long-name records, names too long or too deep,
// decompression bombs, truncated and corrupted streams. Each is refused
// with an error naming what is wrong, after allocating a few MiB at most.

// gzipBytes compresses data as one gzip member.
func gzipBytes(tb testing.TB, data []byte, level int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := gz.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// rawTar writes a tar stream with full control of the headers (a regular
// file without a size gets "2\n"); end says whether to close it with the
// end-of-archive marker. Without it, the stream stops right after the
// last header, whatever size that header claims.
func rawTar(tb testing.TB, end bool, entries ...tar.Header) []byte {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range entries {
		data := ""
		if h.Typeflag == tar.TypeReg && h.Size == 0 {
			data = "2\n"
			h.Size = int64(len(data))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			tb.Fatal(err)
		}
		if data != "" {
			if _, err := tw.Write([]byte(data)); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if end {
		if err := tw.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	return buf.Bytes()
}

// manyDirs returns a tar stream of n directory entries, cpu/d000000/ and
// on, made by patching the name and checksum of one header block
// (archive/tar takes seconds to write 20,000 headers under -race).
func manyDirs(tb testing.TB, n int) []byte {
	tb.Helper()
	block := rawTar(tb, false, tar.Header{Name: "cpu/d000000/", Typeflag: tar.TypeDir, Format: tar.FormatUSTAR})
	if len(block) != 512 {
		tb.Fatalf("a header of %d bytes", len(block))
	}
	out := make([]byte, 0, (n+2)*512)
	for i := range n {
		b := bytes.Clone(block)
		copy(b[len("cpu/d"):], fmt.Sprintf("%06d", i))
		copy(b[148:156], "        ") // the checksum counts its own field as spaces
		sum := 0
		for _, c := range b {
			sum += int(c)
		}
		copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
		out = append(out, b...)
	}
	return append(out, make([]byte, 1024)...)
}

// gzipZeros returns a gzip member of prefix followed by zeros zero bytes
// (at least 2 MiB), built without compressing them all: deflate blocks
// flushed after a MiB of zeros decode the same after any run of zeros, so
// one is repeated. 1 GiB takes about 1 MiB.
func gzipZeros(tb testing.TB, prefix []byte, zeros int64) []byte {
	tb.Helper()
	const chunk = 1 << 20
	n, rem := zeros/chunk, zeros%chunk
	if n < 2 {
		tb.Fatalf("gzipZeros: %d zero bytes, want at least 2 MiB", zeros)
	}
	zero := make([]byte, chunk)
	out := bytes.NewBuffer([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255})
	var body bytes.Buffer
	zw, err := flate.NewWriter(&body, flate.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	step := func(data ...[]byte) {
		for _, d := range data {
			zw.Write(d)
		}
		zw.Flush()
	}
	step(prefix, zero)
	out.Write(body.Bytes())
	body.Reset()
	step(zero)
	for range n - 2 {
		out.Write(body.Bytes())
	}
	out.Write(body.Bytes())
	body.Reset()
	zw.Write(zero[:rem])
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	out.Write(body.Bytes())
	crc := crc32.ChecksumIEEE(prefix)
	for range n {
		crc = crc32.Update(crc, crc32.IEEETable, zero)
	}
	crc = crc32.Update(crc, crc32.IEEETable, zero[:rem])
	out.Write(binary.LittleEndian.AppendUint32(nil, crc))
	out.Write(binary.LittleEndian.AppendUint32(nil, uint32(int64(len(prefix))+zeros)))
	return out.Bytes()
}

// TestGzipZeros checks the bomb builder itself: its output is a valid gzip
// member of exactly the bytes it claims.
func TestGzipZeros(t *testing.T) {
	prefix := []byte("kubecgroups")
	const zeros = 5<<20 + 123
	gz, err := gzip.NewReader(bytes.NewReader(gzipZeros(t, prefix, zeros)))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(gz)
	if err != nil {
		t.Fatalf("reading the bomb: %v", err)
	}
	if len(data) != len(prefix)+zeros || !bytes.HasPrefix(data, prefix) || bytes.ContainsFunc(data[len(prefix):], func(r rune) bool { return r != 0 }) {
		t.Errorf("decoded %d bytes, want %q and %d zeros", len(data), prefix, zeros)
	}
}

// TestArchiveHostile loads each hostile archive and checks the error, its
// errors.Is target where the cause has one, and the bytes allocated.
func TestArchiveHostile(t *testing.T) {
	reg := func(name string) tar.Header { return tar.Header{Name: name, Typeflag: tar.TypeReg} }
	ok := reg("cpu/kubepods/cpu.shares")

	// A valid capture, the base of the truncated and corrupted cases.
	var capture bytes.Buffer
	if err := loadTree(t, "v1-cgroupfs").WriteTarGz(&capture); err != nil {
		t.Fatal(err)
	}
	valid := capture.Bytes()
	if _, err := ReadSnapshot(bytes.NewReader(valid), SnapshotLimits{}); err != nil {
		t.Fatalf("the valid capture: %v", err)
	}
	cut := func(n int) []byte { return bytes.Clone(valid[:n]) }
	// A tar stream whose first entry is a file, cut inside its data and
	// after its data.
	twoFiles := rawTar(t, true, ok, reg("memory/kubepods/memory.limit_in_bytes"))
	afterFirst := 512 + 512 // header, then "2\n" padded to a block

	// Stored (uncompressed) deflate, so that a byte of a value can be
	// changed in place: only the gzip checksum tells.
	stored := gzipBytes(t, rawTar(t, true, ok), gzip.NoCompression)
	corrupt := bytes.Clone(stored)
	corrupt[bytes.Index(corrupt, []byte("2\n"))] = '3'

	var deepNames []tar.Header
	for i := range 20 {
		deepNames = append(deepNames, reg(fmt.Sprintf("x%02d", i)+strings.Repeat("/d", 1990)+"/cpu.shares"))
	}
	bomb := gzipZeros(t, rawTar(t, false, tar.Header{Name: "cpu/kubepods/junk.bin", Typeflag: tar.TypeReg, Size: 1 << 30}), 1<<30+1024)
	padded := gzipZeros(t, rawTar(t, true, ok), 1<<30)
	for _, b := range [][]byte{bomb, padded} {
		if len(b) > 2<<20 {
			t.Fatalf("a bomb of %d compressed bytes, want under 2 MiB for 1 GiB", len(b))
		}
	}
	const mib = 1 << 20

	tests := []struct {
		name    string
		archive []byte
		limits  SnapshotLimits
		want    string
		is      error
		alloc   uint64 // bytes the load may allocate
	}{
		{"dotdot in a PAX path", gzipBytes(t, rawTar(t, true, tar.Header{Name: strings.Repeat("x", 120) + "/../../../etc/cpu.shares", Typeflag: tar.TypeReg, Format: tar.FormatPAX}), 6),
			SnapshotLimits{}, `".." is refused`, ErrUnsafeArchive, mib},
		{"absolute GNU long name", gzipBytes(t, rawTar(t, true, tar.Header{Name: "/" + strings.Repeat("y", 120) + "/cpu.shares", Typeflag: tar.TypeReg, Format: tar.FormatGNU}), 6),
			SnapshotLimits{}, "absolute paths are refused", ErrUnsafeArchive, mib},
		{"duplicate through ./", gzipBytes(t, rawTar(t, true, ok, reg("./cpu/kubepods/cpu.shares")), 6),
			SnapshotLimits{}, `file "cpu/kubepods/cpu.shares" appears twice`, ErrUnsafeArchive, mib},
		{"name of 512 KiB", gzipBytes(t, rawTar(t, true, tar.Header{Name: strings.Repeat("a/", 256<<10) + "cpu.shares", Typeflag: tar.TypeReg, Format: tar.FormatPAX}), 9),
			SnapshotLimits{}, "a name of 524298 bytes, longer than the 4096", ErrUnsafeArchive, 4 * mib},
		{"deep names imply more directories than entries", gzipBytes(t, rawTar(t, true, deepNames...), 9),
			SnapshotLimits{MaxEntries: 10_000, MaxPathDepth: 4096}, "more than 10000 entries, counting the directories their paths imply", ErrArchiveLimit, 4 * mib},
		{"decompression bomb: a 1 GiB file", bomb,
			SnapshotLimits{MaxBytes: 8 * mib}, "archive is larger than 8388608 bytes uncompressed", ErrArchiveLimit, mib},
		{"decompression bomb: 1 GiB after the end of the archive", padded,
			SnapshotLimits{MaxBytes: 8 * mib}, "archive is larger than 8388608 bytes uncompressed", ErrArchiveLimit, mib},
		{"header claims 1 GiB for a value file", gzipBytes(t, rawTar(t, false, tar.Header{Name: "cpu/kubepods/cpu.shares", Typeflag: tar.TypeReg, Size: 1 << 30}), 6),
			SnapshotLimits{}, `entry "cpu/kubepods/cpu.shares": 1073741824 bytes, more than the 65536-byte limit`, ErrArchiveLimit, mib},
		// Under -race, sync.Pool drops some of the buffers archive/tar
		// skips entries with, hence the allowance.
		{"20,000 entries", gzipBytes(t, manyDirs(t, 20_000), gzip.BestSpeed),
			SnapshotLimits{MaxEntries: 5000}, "more than 5000 entries", ErrArchiveLimit, 16 * mib},
		{"truncated in the gzip header", cut(5), SnapshotLimits{}, "gzip", io.ErrUnexpectedEOF, mib},
		{"truncated in the compressed data", cut(len(valid) / 2), SnapshotLimits{}, "unexpected EOF", io.ErrUnexpectedEOF, mib},
		{"gzip trailer missing", cut(len(valid) - 8), SnapshotLimits{}, "gzip: after the end of the tar archive", io.ErrUnexpectedEOF, mib},
		{"gzip trailer cut", cut(len(valid) - 3), SnapshotLimits{}, "gzip: after the end of the tar archive", io.ErrUnexpectedEOF, mib},
		{"tar cut inside a file", gzipBytes(t, twoFiles[:512+1], 6), SnapshotLimits{}, `entry "cpu/kubepods/cpu.shares"`, io.ErrUnexpectedEOF, mib},
		{"tar cut between entries", gzipBytes(t, twoFiles[:afterFirst], 6), SnapshotLimits{}, "without its end-of-archive marker", io.ErrUnexpectedEOF, mib},
		{"tar cut after one end block", gzipBytes(t, twoFiles[:len(twoFiles)-512], 6), SnapshotLimits{}, "without its end-of-archive marker", io.ErrUnexpectedEOF, mib},
		{"corrupted value byte", corrupt, SnapshotLimits{}, "gzip: after the end of the tar archive", gzip.ErrChecksum, mib},
		{"garbage after the gzip stream", append(bytes.Clone(valid), "garbage after the archive\n"...), SnapshotLimits{}, "gzip: after the end of the tar archive", gzip.ErrHeader, mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			alloc := allocated(func() { _, err = ReadSnapshot(bytes.NewReader(tt.archive), tt.limits) })
			switch {
			case err == nil:
				t.Fatalf("loaded without an error")
			case !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cgroupfs: snapshot: "):
				t.Errorf("error %q, want one containing %q", err, tt.want)
			case tt.is != nil && !errors.Is(err, tt.is):
				t.Errorf("error %v does not match %v", err, tt.is)
			}
			if len(err.Error()) > 512 {
				t.Errorf("an error of %d bytes", len(err.Error()))
			}
			t.Logf("%d compressed bytes, %d allocated: %v", len(tt.archive), alloc, err)
			if alloc > tt.alloc {
				t.Errorf("allocated %d bytes loading %d, want at most %d", alloc, len(tt.archive), tt.alloc)
			}
		})
	}

	// The same stored archive, uncorrupted, loads and reads its value: the
	// corrupted case fails for its checksum, not for its form.
	s, err := ReadSnapshot(bytes.NewReader(stored), SnapshotLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if f, err := s.Open("cpu/kubepods/cpu.shares"); err != nil {
		t.Error(err)
	} else if b, _ := io.ReadAll(f); string(b) != "2\n" {
		t.Errorf("stored value %q", b)
	}
}
