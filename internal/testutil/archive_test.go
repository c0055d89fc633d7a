package testutil

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"testing/fstest"
)

func TestPlainArchive(t *testing.T) {
	fsys := fstest.MapFS{
		"cpu/kubepods/cpu.shares": {Data: []byte("2\n")},
		"cpu/cpu.shares":          {Data: []byte("1024\n")},
	}
	data := PlainArchive(t, fsys, ArchiveOptions{Prefix: "./", MetadataName: "meta.json", Metadata: "{}\n",
		DirFiles: map[string]string{"cgroup.procs": "1\n"}})
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		got = append(got, h.Name+"="+strings.TrimSpace(string(body)))
	}
	want := "./= ./meta.json={} ./cpu/= ./cpu/cgroup.procs=1 ./cpu/cpu.shares=1024 ./cpu/kubepods/= ./cpu/kubepods/cgroup.procs=1 ./cpu/kubepods/cpu.shares=2"
	if strings.Join(got, " ") != want {
		t.Errorf("entries\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}
