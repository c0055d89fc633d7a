package jsonstream

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"io"
	"reflect"
	"strings"
)

// Options say how Encode writes.
type Options struct {
	// Indent is written once per level of nesting, as
	// Encoder.SetIndent("", Indent) does; "" writes compact JSON.
	Indent string
	// EscapeHTML escapes <, > and & in strings, as json.Marshal and a new
	// Encoder do.
	EscapeHTML bool
}

// Encode writes v and a newline to w, byte for byte what a json.Encoder
// with SetEscapeHTML(o.EscapeHTML) and SetIndent("", o.Indent) writes,
// through a 64 KiB buffer, holding one member or element of v's
// structs and slices in memory at a time.
func Encode(w io.Writer, v any, o Options) error {
	s := &streamer{w: bufio.NewWriterSize(w, 64<<10), o: o}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(o.EscapeHTML)
	if err := s.value(reflect.ValueOf(v), 0); err != nil {
		return err
	}
	s.w.WriteByte('\n') // as an Encoder ends a value
	return s.w.Flush()
}

// A streamer writes one document.
type streamer struct {
	w   *bufio.Writer
	o   Options
	enc *json.Encoder // writes into buf
	buf bytes.Buffer
	// margins[d] is a newline and the indentation of depth d.
	margins []string
}

// newline writes a line break and the indentation of depth d (nothing
// when compact).
func (s *streamer) newline(d int) {
	if s.o.Indent != "" {
		s.w.WriteString(s.margin(d))
	}
}

// margin returns a newline and the indentation of depth d.
func (s *streamer) margin(d int) string {
	for len(s.margins) <= d {
		s.margins = append(s.margins, "\n"+strings.Repeat(s.o.Indent, len(s.margins)))
	}
	return s.margins[d]
}

// maxExpand is how many levels of structs and slices Encode writes
// piece by piece before it hands a value to the Encoder whole: enough
// for a report's results (report, results, result) and for a list of
// reports (list, items, report, results, result).
const maxExpand = 4

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// value writes v, which sits at the given depth of nesting: structs
// member by member and slices element by element down to maxExpand
// levels, everything else through the Encoder (see whole).
func (s *streamer) value(v reflect.Value, depth int) error {
	if depth >= maxExpand || !v.IsValid() || marshals(v.Type()) {
		return s.whole(v, depth)
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return s.whole(v, depth)
		}
		return s.value(v.Elem(), depth)
	case reflect.Struct:
		fields, ok := plainFields(v.Type())
		if !ok {
			return s.whole(v, depth)
		}
		n := 0
		for _, f := range fields {
			fv := v.Field(f.index)
			if f.omitEmpty && isEmptyValue(fv) {
				continue
			}
			if n == 0 {
				s.w.WriteByte('{')
			} else {
				s.w.WriteByte(',')
			}
			n++
			s.newline(depth + 1)
			// Names are plain (see plainFields): quoted as they are.
			s.w.WriteByte('"')
			s.w.WriteString(f.name)
			s.w.WriteString(`":`)
			if s.o.Indent != "" {
				s.w.WriteByte(' ')
			}
			if err := s.value(fv, depth+1); err != nil {
				return err
			}
		}
		if n == 0 {
			s.w.WriteString("{}")
			return nil
		}
		s.newline(depth)
		s.w.WriteByte('}')
		return nil
	case reflect.Slice:
		if v.IsNil() || v.Type().Elem().Kind() == reflect.Uint8 {
			return s.whole(v, depth) // null, or base64
		}
		if v.Len() == 0 {
			s.w.WriteString("[]")
			return nil
		}
		s.w.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				s.w.WriteByte(',')
			}
			s.newline(depth + 1)
			if err := s.value(v.Index(i), depth+1); err != nil {
				return err
			}
		}
		s.newline(depth)
		s.w.WriteByte(']')
		return nil
	}
	return s.whole(v, depth)
}

// whole hands v to the Encoder, indented for the depth it sits at (the
// Encoder indents the lines after the first by its prefix), and writes
// the result without the Encoder's final newline. An addressable value
// goes as its address, so that methods on its pointer apply as they do
// when encoding/json reaches it inside a larger value.
func (s *streamer) whole(v reflect.Value, depth int) error {
	var x any
	switch {
	case !v.IsValid():
	case v.CanAddr():
		x = v.Addr().Interface()
	default:
		x = v.Interface()
	}
	if s.o.Indent != "" {
		s.enc.SetIndent(s.margin(depth)[1:], s.o.Indent)
	}
	s.buf.Reset()
	if err := s.enc.Encode(x); err != nil {
		return err
	}
	b := s.buf.Bytes()
	s.w.Write(b[:len(b)-1])
	return nil
}

// marshals reports whether t or *t has a marshalling method that
// encoding/json would call.
func marshals(t reflect.Type) bool {
	if t.Kind() != reflect.Pointer {
		pt := reflect.PointerTo(t)
		if pt.Implements(marshalerType) || pt.Implements(textMarshalerType) {
			return true
		}
	}
	return t.Implements(marshalerType) || t.Implements(textMarshalerType)
}

// A field is a struct member streamValue writes.
type field struct {
	index     int
	name      string
	omitEmpty bool
}

// plainFields returns the exported fields of a struct type in order, with
// their JSON names, when encoding/json treats each as a plain member: no
// embedded field, no tag option but omitempty, a tag name made of
// letters, digits and "-_." (those it takes as they are). ok is false
// otherwise.
func plainFields(t reflect.Type) (fields []field, ok bool) {
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil, false
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		omit := false
		switch opts {
		case "":
		case "omitempty":
			omit = true
		default:
			return nil, false
		}
		if name == "" {
			name = sf.Name
		} else if !plainName(name) {
			return nil, false
		}
		fields = append(fields, field{index: i, name: name, omitEmpty: omit})
	}
	return fields, true
}

// plainName reports whether a tag name is made only of ASCII letters,
// digits and "-_.".
func plainName(s string) bool {
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// isEmptyValue is encoding/json's test for omitempty: false, 0, a nil
// pointer or interface, an empty array, slice, map or string.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
