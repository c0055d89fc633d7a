package jsonindent

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
)

// maxExpand is how many levels of structs and slices streamValue writes
// piece by piece before it hands a value to the Encoder whole: enough
// for a report's results (report, results, result) and for a list of
// reports (list, items, report, results, result).
const maxExpand = 4

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// streamValue writes v as the Encoder would, but a struct member by
// member and a slice element by element, down to maxExpand levels, so
// that the Encoder's buffer holds one piece at a time rather than the
// whole document (for a node's report, several megabytes grown from
// nothing). Whatever it cannot write exactly as encoding/json does (a
// type with its own marshalling, an embedded field, a tag option other
// than omitempty, a map) is given to the Encoder whole.
//
// streamed reports that v was written in pieces: the Encoder, when it
// writes a value whole, ends it with a newline, and a streamed value has
// none.
func streamValue(enc *json.Encoder, w *Writer, v reflect.Value, depth int) (streamed bool, err error) {
	if depth >= maxExpand || !v.IsValid() || marshals(v.Type()) {
		return false, encodeWhole(enc, v)
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return false, encodeWhole(enc, v)
		}
		return streamValue(enc, w, v.Elem(), depth)
	case reflect.Struct:
		fields, ok := plainFields(v.Type())
		if !ok {
			return false, encodeWhole(enc, v)
		}
		w.writeByte('{')
		first := true
		for _, f := range fields {
			fv := v.Field(f.index)
			if f.omitEmpty && isEmptyValue(fv) {
				continue
			}
			if !first {
				w.writeByte(',')
			}
			first = false
			if err := enc.Encode(f.name); err != nil {
				return true, err
			}
			w.writeByte(':')
			if _, err := streamValue(enc, w, fv, depth+1); err != nil {
				return true, err
			}
		}
		w.writeByte('}')
		return true, nil
	case reflect.Slice:
		if v.IsNil() || v.Type().Elem().Kind() == reflect.Uint8 {
			return false, encodeWhole(enc, v) // null, or base64
		}
		w.writeByte('[')
		for i := range v.Len() {
			if i > 0 {
				w.writeByte(',')
			}
			if _, err := streamValue(enc, w, v.Index(i), depth+1); err != nil {
				return true, err
			}
		}
		w.writeByte(']')
		return true, nil
	}
	return false, encodeWhole(enc, v)
}

// encodeWhole hands v to the Encoder. An addressable value goes as its
// address, so that methods on its pointer apply as they do when
// encoding/json reaches it inside a larger value.
func encodeWhole(enc *json.Encoder, v reflect.Value) error {
	if !v.IsValid() {
		return enc.Encode(nil)
	}
	if v.CanAddr() {
		return enc.Encode(v.Addr().Interface())
	}
	return enc.Encode(v.Interface())
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
