package jsonindent

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodeBoth returns v as an Encoder with SetIndent writes it, and as an
// Encoder without indentation writes it through a Writer that gets it in
// chunks of chunk bytes (0: in one Write).
func encodeBoth(t testing.TB, v any, chunk int) (want, got []byte) {
	t.Helper()
	var w bytes.Buffer
	enc := json.NewEncoder(&w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("> ", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	cenc := json.NewEncoder(&compact)
	cenc.SetEscapeHTML(false)
	if err := cenc.Encode(v); err != nil {
		t.Fatal(err)
	}
	var g bytes.Buffer
	jw := NewWriter(&g, 16, "> ", "  ")
	b := compact.Bytes()
	if chunk == 0 {
		chunk = len(b)
	}
	for len(b) > 0 {
		n := min(chunk, len(b))
		if k, err := jw.Write(b[:n]); err != nil || k != n {
			t.Fatalf("Write = %d, %v", k, err)
		}
		b = b[n:]
	}
	if err := jw.Flush(); err != nil {
		t.Fatal(err)
	}
	return w.Bytes(), g.Bytes()
}

func TestWriterMatchesEncoder(t *testing.T) {
	values := []any{
		nil, 1.5, "a", true, []int{}, map[string]any{},
		map[string]any{"a": []any{}, "b": map[string]any{}, "c": []any{1, "x", nil, map[string]any{"d": []int{1, 2}}}},
		[]string{`quote " and \ backslash`, "brackets {[,:]} in a string", "<html> & \u2028", "tab\tnewline\n", ""},
		map[string]string{`{"key":"with punctuation"}`: `\"`, "": ""},
		[]any{[]any{[]any{}}, []any{map[string]any{"x": []any{[]any{1}}}}},
	}
	for i, v := range values {
		for _, chunk := range []int{0, 1, 2, 3, 7} {
			want, got := encodeBoth(t, v, chunk)
			if !bytes.Equal(got, want) {
				t.Errorf("value %d, chunks of %d: got\n%s\nwant\n%s", i, chunk, got, want)
			}
		}
	}
}

func TestWriterSeveralValues(t *testing.T) {
	var want, got bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "\t")
	jw := NewWriter(&got, 4096, "", "\t")
	cenc := json.NewEncoder(jw)
	for _, v := range []any{map[string]int{"a": 1}, []int{}, "s", []any{1, []int{2}}} {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if err := cenc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := jw.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("got\n%s\nwant\n%s", got.Bytes(), want.Bytes())
	}
}

// FuzzWriter checks the Writer against the Encoder on any JSON value.
func FuzzWriter(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,{"b":"c\"]"}],"d":{}}`, `"x"`, `[[[]],{"":null}]`, `{"\\":"\\\\\"{"}`} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, chunk int) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		want, got := encodeBoth(t, v, max(0, chunk%64))
		if !bytes.Equal(got, want) {
			t.Errorf("%q: got\n%s\nwant\n%s", s, got, want)
		}
	})
}
