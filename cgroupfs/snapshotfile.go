package cgroupfs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// ReadSnapshotFile reads a snapshot archive from a file (.tar.gz, a plain
// tar.gz of a copied /sys/fs/cgroup, or .txtar) within limits; errors
// name the file. An empty file is ErrEmptyArchive; a file named .tar.gz
// or .tgz that is not gzip is ErrNotGzip, with what it looks like. The
// tree is Snapshot.FS.
func ReadSnapshotFile(name string, limits SnapshotLimits) (*Snapshot, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 4096)
	if strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".tgz") {
		head, _ := br.Peek(512)
		if len(head) > 0 && !bytes.HasPrefix(head, []byte{0x1f, 0x8b}) {
			return nil, fmt.Errorf("%s: %w: the name says a gzip'd tar, the content %s", name, ErrNotGzip, looksLike(head))
		}
	}
	snap, err := ReadSnapshot(br, limits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return snap, nil
}

// looksLike says what the first bytes of a file that is not gzip look
// like.
func looksLike(head []byte) string {
	switch {
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return "is an uncompressed tar (compress it with gzip)"
	case bytes.Contains(head, []byte("\n-- ")) || bytes.HasPrefix(head, []byte("-- ")) || bytes.Contains(head, []byte(metadataPrefix)):
		return "is a txtar (name it .txtar)"
	}
	return "does not start with the gzip magic number 1f 8b"
}
