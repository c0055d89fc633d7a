package table

import (
	"bytes"
	"fmt"
	"testing"
)

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, ProgressOptions{Total: 3, Draw: true})
	p.Start()
	p.Start()
	fmt.Fprintf(p, "warning: x\n")
	p.Done(false)
	p.Done(true)
	p.Finish()
	want := "\r\x1b[Kchecking 3 nodes: 0 done, 1 running" +
		"\r\x1b[Kchecking 3 nodes: 0 done, 2 running" +
		"\r\x1b[Kwarning: x\n" +
		"\r\x1b[Kchecking 3 nodes: 0 done, 2 running" +
		"\r\x1b[Kchecking 3 nodes: 1 done, 1 running" +
		"\r\x1b[Kchecking 3 nodes: 2 done, 0 running, 1 failed" +
		"\r\x1b[K"
	if b.String() != want {
		t.Errorf("progress output %q\nwant %q", b.String(), want)
	}
	var quiet bytes.Buffer
	q := NewProgress(&quiet, ProgressOptions{Total: 3})
	q.Start()
	fmt.Fprintf(q, "warning: y\n")
	q.Done(false)
	q.Finish()
	if quiet.String() != "warning: y\n" {
		t.Errorf("off: %q", quiet.String())
	}
}
