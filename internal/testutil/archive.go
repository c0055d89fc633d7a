package testutil

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"maps"
	"slices"
	"testing"
)

// ArchiveOptions shape a PlainArchive.
type ArchiveOptions struct {
	// Prefix goes before every name: "./" as `tar -C dir .` writes, ""
	// or "node-x/". It is written first as a directory of its own (even
	// when empty).
	Prefix string
	// MetadataName and Metadata, when Metadata is not empty, are a file
	// written right after the prefix directory (a snapshot's metadata).
	MetadataName, Metadata string
	// DirFiles are files (name to content) written into every directory
	// below the root, right after it: files a reader must skip, such as
	// cgroup.procs.
	DirFiles map[string]string
}

// PlainArchive writes every directory and file of fsys, walked in lexical
// order (directories before their contents), as a tar.gz without
// timestamps, the way a plain `cp -r` copy or `tar` of a cgroup tree
// arrives. Directories have mode 0755, files 0644. It fails the test on
// error.
func PlainArchive(tb testing.TB, fsys fs.FS, opts ArchiveOptions) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	dir := func(name string) error {
		return tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755})
	}
	file := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	err := dir(opts.Prefix)
	if err == nil && opts.Metadata != "" {
		err = file(opts.Prefix+opts.MetadataName, []byte(opts.Metadata))
	}
	if err == nil {
		err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == "." {
				return err
			}
			if !d.IsDir() {
				data, err := fs.ReadFile(fsys, p)
				if err != nil {
					return err
				}
				return file(opts.Prefix+p, data)
			}
			if err := dir(opts.Prefix + p + "/"); err != nil {
				return err
			}
			for _, name := range slices.Sorted(maps.Keys(opts.DirFiles)) {
				if err := file(opts.Prefix+p+"/"+name, []byte(opts.DirFiles[name])); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		tb.Fatalf("archive: %v", err)
	}
	return buf.Bytes()
}
