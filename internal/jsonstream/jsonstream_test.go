package jsonstream

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// modes are the options the tests write with: the CLI's (indented, no
// HTML escaping), the agent's (compact, escaped as json.Marshal does),
// and the two others.
var modes = []Options{{Indent: "  "}, {EscapeHTML: true}, {Indent: "\t", EscapeHTML: true}, {}}

// encoderBytes is what Encode must write: an Encoder with the same
// options.
func encoderBytes(t testing.TB, v any, o Options) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(o.EscapeHTML)
	enc.SetIndent("", o.Indent)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type valueMarshal struct{ n int }

func (v valueMarshal) MarshalJSON() ([]byte, error) {
	return []byte(`{"value":` + strconv.Itoa(v.n) + `}`), nil
}

type pointerMarshal struct{ S string }

func (p *pointerMarshal) MarshalJSON() ([]byte, error) { return []byte(`"pointer:` + p.S + `"`), nil }

type text struct{ s string }

func (t text) MarshalText() ([]byte, error) { return []byte("<" + t.s + ">"), nil }

type Embedded struct {
	E string `json:"e"`
}

type withEmbedded struct {
	Embedded
	F int `json:"f"`
}

type stringOpt struct {
	N int `json:"n,string"`
}

type leaf struct {
	Name  string            `json:"name"`
	Tags  []string          `json:"tags,omitempty"`
	Ptr   *int              `json:"ptr,omitempty"`
	Map   map[string]string `json:"map,omitempty"`
	Inner *leaf             `json:"inner,omitempty"`
	Kids  []leaf            `json:"kids"`
}

type doc struct {
	APIVersion string  `json:"apiVersion"`
	Kind       string  `json:"kind,omitempty"`
	Count      int     `json:"count,omitempty"`
	Ratio      float64 `json:"ratio"`
	OK         bool    `json:"ok,omitempty"`
	NoTag      string
	Skipped    string `json:"-"`
	unexported string
	//lint:ignore SA5008 a member named "-" is one of the cases under test
	Dash      string           `json:"-,"`
	Bytes     []byte           `json:"bytes"`
	When      time.Time        `json:"when"`
	Text      text             `json:"text"`
	Value     valueMarshal     `json:"valueMarshal"`
	Pointers  []pointerMarshal `json:"pointers"`
	PtrOne    pointerMarshal   `json:"ptrOne"`
	Any       any              `json:"any,omitempty"`
	Embed     withEmbedded     `json:"embed"`
	Opt       stringOpt        `json:"opt"`
	Leaves    []leaf           `json:"leaves"`
	NilLeaves []leaf           `json:"nilLeaves"`
	Empty     []leaf           `json:"empty"`
	Items     []doc            `json:"items,omitempty"`
	Arr       [2]int           `json:"arr"`
	HTML      string           `json:"html"`
}

func sampleDoc(depth int) doc {
	one := 1
	d := doc{
		APIVersion: "kubecgroups.io/v1alpha1", Ratio: 0.5, NoTag: "x", Skipped: "no", unexported: "no", Dash: "dash",
		Bytes: []byte("bytes"), When: time.Date(2026, 12, 6, 1, 2, 3, 4, time.UTC), Text: text{"t"}, Value: valueMarshal{2},
		Pointers: []pointerMarshal{{"a"}, {"b"}}, PtrOne: pointerMarshal{"c"}, Any: map[string]any{"k": []any{1, "v"}},
		Embed: withEmbedded{Embedded{"e"}, 2}, Opt: stringOpt{3},
		Leaves: []leaf{{Name: "a", Kids: []leaf{{Name: "deep", Tags: []string{"x"}, Inner: &leaf{Name: "deeper", Ptr: &one, Kids: []leaf{{Name: "deepest"}}}}}}, {Name: "b", Map: map[string]string{"<": ">"}, Kids: []leaf{}}},
		Empty:  []leaf{}, HTML: "<b> & \u2028",
	}
	if depth > 0 {
		d.Items = []doc{sampleDoc(depth - 1), {}}
	}
	return d
}

// TestEncodeMatchesEncoder: Encode writes the bytes of an Encoder with
// the same options, indented or compact, for values it streams (structs,
// slices, lists of them, at and beyond the depth it expands), for those
// it hands over whole (its own marshalling, embedded fields, tag
// options, maps), and at the top level
// for every kind.
func TestEncodeMatchesEncoder(t *testing.T) {
	d := sampleDoc(3)
	values := []any{
		d, &d, []doc{d, {}}, []*doc{&d, nil}, doc{}, (*doc)(nil), nil,
		map[string]doc{"a": d}, 1, "s", []int{}, []int(nil), []byte("b"),
		valueMarshal{1}, &pointerMarshal{"p"}, pointerMarshal{"v"}, withEmbedded{}, struct{}{}, []struct{}{{}, {}},
		struct {
			A []leaf `json:"a"`
		}{A: d.Leaves},
	}
	for _, o := range modes {
		for i, v := range values {
			var got bytes.Buffer
			if err := Encode(&got, v, o); err != nil {
				t.Fatalf("%+v, value %d: %v", o, i, err)
			}
			if want := encoderBytes(t, v, o); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%+v, value %d (%T): got\n%s\nwant\n%s", o, i, v, got.Bytes(), want)
			}
		}
	}
}

// TestEncodeError: an error of one piece is returned.
func TestEncodeError(t *testing.T) {
	v := struct {
		A []any `json:"a"`
	}{A: []any{1, make(chan int)}}
	if err := Encode(&bytes.Buffer{}, v, Options{Indent: "  "}); err == nil {
		t.Error("a channel encoded")
	}
}

// FuzzEncode: any document decoded into the typed structure encodes to
// the Encoder's bytes, in every mode.
func FuzzEncode(f *testing.F) {
	b, _ := json.Marshal(sampleDoc(2))
	f.Add(string(b))
	f.Add(`{"leaves":[{"name":"x","kids":null}],"items":[{"items":[{"items":[{"leaves":[]}]}]}]}`)
	f.Add(`{"any":{"":[{}]},"html":"<\u2028>"}`)
	f.Fuzz(func(t *testing.T, s string) {
		var v doc
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		for _, o := range modes {
			var got bytes.Buffer
			if err := Encode(&got, v, o); err != nil {
				t.Fatal(err)
			}
			if want := encoderBytes(t, v, o); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%+v, %q: got\n%s\nwant\n%s", o, s, got.Bytes(), want)
			}
		}
	})
}
