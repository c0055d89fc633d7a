package qos_test

// The phases of `kubectl-cgroups diff -o json` on a live tree, one
// benchmark each, in process, on a generated node written to tmpfs, so
// that their sum can be set against the whole process (go run
// ./internal/benchratio -cli 250 times it):
//
//	BenchmarkCLIPhases/<layout>/<pods>/<phase>
//	    ReadPods   qos.ReadPodsPath of `kubectl get pods -o json` (-f)
//	    Snapshot   cgroupfs.ReadSnapshotFile of the node's .tar.gz
//	               (--snapshot, instead of a live tree)
//	    Discovery  the node levels and the runtime's naming (the FS.Node
//	               that qos.Check runs first)
//	    Expect     qos.Expect
//	    Read       FS.Node of the files the expectation compares
//	    Diff       qos.Diff
//	    Encode     the report as encoding/json's indenting Encoder writes
//	               it (no HTML escaping, two-space indent, 64 KiB
//	               buffered writer): the bytes -o json must keep
//	    EncodeStream  the same bytes as -o json writes them
//	               (internal/jsonstream.Encode: a result at a time)
//	    Check      qos.Check (Discovery, the profile, Expect, Read, Diff)
//	    All        ReadPods, Check and EncodeStream: the process without
//	               its start-up and exit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/jsonstream"
	"github.com/kubecgroups/kubecgroups/internal/nodegen"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
)

// encodeJSON writes v as encoding/json's indenting Encoder does: the
// bytes `kubectl-cgroups ... -o json` writes (cmd/kubectl-cgroups
// printStructured, through internal/jsonstream).
func encodeJSON(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return bw.Flush()
}

// encodeJSONStream writes what encodeJSON writes, as -o json does: a
// member or an element at a time.
func encodeJSONStream(w io.Writer, v any) error {
	return jsonstream.Encode(w, v, jsonstream.Options{Indent: "  "})
}

// TestEncodeStreamSameBytes checks that a node's report indented on the
// way out is byte for byte what -o json writes today.
func TestEncodeStreamSameBytes(t *testing.T) {
	for _, l := range nodegen.Layouts() {
		n := benchNode(t, l, 20)
		x, err := qos.Expect(n.Pods, n.Profile)
		if err != nil {
			t.Fatal(err)
		}
		r := qos.Diff(x, memNode(t, n), diffOpts)
		var want, got bytes.Buffer
		if err := encodeJSON(&want, r); err != nil {
			t.Fatal(err)
		}
		if err := encodeJSONStream(&got, r); err != nil {
			t.Fatal(err)
		}
		if want.Len() < 10000 || !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: streamed %d bytes, want the %d bytes of the encoder's indentation", l, got.Len(), want.Len())
		}
	}
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func BenchmarkCLIPhases(b *testing.B) {
	for _, l := range nodegen.Layouts() {
		const pods = 250
		b.Run(fmt.Sprintf("%s/%d", l, pods), func(b *testing.B) {
			mount, n, err := trees.Dir(nodegen.Options{Pods: pods, Layout: l})
			if err != nil {
				b.Fatal(err)
			}
			files := b.TempDir()
			podsFile := filepath.Join(files, "pods.json")
			pj, err := n.PodsJSON()
			if err != nil {
				b.Fatal(err)
			}
			snapFile := filepath.Join(files, "node.tar.gz")
			tgz, err := n.TarGz()
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(podsFile, pj, 0o644); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(snapFile, tgz, 0o644); err != nil {
				b.Fatal(err)
			}
			fsys, err := cgroupfs.NewFS(mount)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { fsys.Close() })
			facts := qos.Facts{Machine: n.Machine(), MachineSource: "host", PageSizeBytes: n.Profile.Machine.PageSize}
			readPods := func() []*corev1.Pod {
				pods, err := qos.ReadPodsPath(podsFile)
				if err != nil {
					b.Fatal(err)
				}
				return pods
			}
			check := func(pods []*corev1.Pod) *qos.DiffReport {
				r, err := qos.Check(qos.CheckOptions{Tree: fsys, Pods: pods, PodsSource: podsFile, Facts: facts, Now: nodegen.CapturedAt})
				if err != nil {
					b.Fatal(err)
				}
				return r.Report
			}
			decoded := readPods()
			r := check(decoded)
			if u := r.Summary.Unexplained(); u != 0 {
				b.Fatalf("%d unexplained differences in a generated node", u)
			}
			x, err := qos.Expect(n.Pods, n.Profile)
			if err != nil {
				b.Fatal(err)
			}
			node, err := fsys.Node(cgroupfs.NodeOptions{Files: x.Files()})
			if err != nil {
				b.Fatal(err)
			}
			b.Run("ReadPods", func(b *testing.B) {
				for b.Loop() {
					readPods()
				}
			})
			b.Run("Snapshot", func(b *testing.B) {
				for b.Loop() {
					if _, err := cgroupfs.ReadSnapshotFile(snapFile, cgroupfs.SnapshotLimits{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Discovery", func(b *testing.B) {
				opts := cgroupfs.NodeOptions{Files: map[cgroupfs.Level][]string{cgroupfs.LevelPod: {}, cgroupfs.LevelContainer: {}}}
				for b.Loop() {
					if _, err := fsys.Node(opts); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Expect", func(b *testing.B) {
				for b.Loop() {
					if _, err := qos.Expect(n.Pods, n.Profile); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Read", func(b *testing.B) {
				opts := cgroupfs.NodeOptions{Files: x.Files()}
				for b.Loop() {
					if _, err := fsys.Node(opts); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Diff", func(b *testing.B) {
				for b.Loop() {
					qos.Diff(x, node, diffOpts)
				}
			})
			b.Run("Encode", func(b *testing.B) {
				var w countingWriter
				for b.Loop() {
					if err := encodeJSON(&w, r); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(w.n)/float64(b.N), "bytes/op")
			})
			b.Run("EncodeStream", func(b *testing.B) {
				var w countingWriter
				for b.Loop() {
					if err := encodeJSONStream(&w, r); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(w.n)/float64(b.N), "bytes/op")
			})
			b.Run("Check", func(b *testing.B) {
				for b.Loop() {
					check(decoded)
				}
			})
			b.Run("All", func(b *testing.B) {
				for b.Loop() {
					if err := encodeJSONStream(io.Discard, check(readPods())); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
