package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
)

// indentSeeds are JSON documents with every construct the indenter
// handles: nesting, empty objects and arrays, escapes and structural
// characters inside strings, numbers, literals.
var indentSeeds = []string{
	`{}`, `[]`, `0`, `"s"`, `null`,
	`{"a":[],"b":{},"c":[{}],"d":[[],[1,2]],"e":{"f":{"g":null}}}`,
	`{"quote \" brace { bracket [ comma , colon :":"\\\"","u":"\u00e9<>&","n":-1.5e3,"t":true}`,
	`[{"pod":"default/web","expected":["50000 100000","max 100000"],"actual":"","status":"drift"}]`,
	`{"k":"ends with backslash \\"}`,
}

// TestWriteIndentedMatchesIndent checks the indenter against
// json.Indent, which the output used before.
func TestWriteIndentedMatchesIndent(t *testing.T) {
	for _, s := range indentSeeds {
		checkIndent(t, []byte(s))
	}
}

// FuzzWriteIndented compares the indenter with json.Indent on every
// valid JSON document the fuzzer finds, compacted as the encoder writes.
func FuzzWriteIndented(f *testing.F) {
	for _, s := range indentSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		checkIndent(t, b)
	})
}

func checkIndent(t *testing.T, doc []byte) {
	t.Helper()
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil {
		t.Fatal(err)
	}
	compact.WriteByte('\n') // as json.Encoder ends a document
	var want bytes.Buffer
	if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	w := bufio.NewWriter(&got)
	if err := writeIndented(w, compact.Bytes()); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("%s:\ngot  %q\nwant %q", doc, got.Bytes(), want.Bytes())
	}
}
