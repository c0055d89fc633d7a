// Package jsonindent indents JSON as it is written, so that a large
// document is indented on its way to the output instead of in a second
// buffer of its full size.
//
// encoding/json's Encoder with SetIndent encodes the value into one buffer
// and then indents the whole of it into another (appendIndent, Go 1.26
// src/encoding/json/indent.go), which for a report of several megabytes
// costs the growth, clearing and copying of two buffers that size. An
// Encoder without indentation writing through a Writer produces the same
// bytes with only the first.
package jsonindent

import (
	"bufio"
	"encoding/json"
	"io"
	"reflect"
)

// Writer indents the compact JSON written to it, as json.Indent and an
// Encoder with SetIndent do: each element and member on its own line,
// prefixed by prefix and one indent per level of nesting, ": " between a
// name and its value, empty objects and arrays as {} and []. Whitespace
// outside strings is dropped inside objects and arrays and copied outside
// them (the newline an Encoder writes after each value). The input must
// be valid JSON, such as what a json.Encoder writes; the writer does not
// validate it.
type Writer struct {
	w              *bufio.Writer
	prefix, indent string
	depth          int
	inString       bool
	escaped        bool
	// needIndent delays the line break after { or [ until the next byte
	// shows whether the object or array is empty.
	needIndent bool
}

// NewWriter returns a Writer that writes the indented JSON to w through
// a buffer of size bytes; call Flush at the end.
func NewWriter(w io.Writer, size int, prefix, indent string) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, size), prefix: prefix, indent: indent}
}

// Write indents p, which may end anywhere in a JSON text (the state is
// kept from one call to the next). It returns len(p) unless writing to
// the underlying writer fails.
func (j *Writer) Write(p []byte) (int, error) {
	w := j.w
	start := 0 // p[start:i] is copied as it is
	for i := 0; i < len(p); i++ {
		c := p[i]
		if j.inString {
			switch {
			case j.escaped:
				j.escaped = false
			case c == '\\':
				j.escaped = true
			case c == '"':
				j.inString = false
			}
			continue
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			w.Write(p[start:i])
			start = i + 1
			if j.depth == 0 && !j.needIndent {
				w.WriteByte(c)
			}
			continue
		}
		if j.needIndent && c != '}' && c != ']' {
			w.Write(p[start:i])
			start = i
			j.needIndent = false
			j.depth++
			j.newline()
		}
		switch c {
		case '"':
			j.inString = true
		case '{', '[':
			j.needIndent = true
		case ',':
			w.Write(p[start : i+1])
			start = i + 1
			j.newline()
		case ':':
			w.Write(p[start : i+1])
			start = i + 1
			w.WriteByte(' ')
		case '}', ']':
			w.Write(p[start:i])
			start = i
			if j.needIndent {
				j.needIndent = false
			} else {
				j.depth--
				j.newline()
			}
		}
	}
	if _, err := w.Write(p[start:]); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (j *Writer) newline() {
	j.w.WriteByte('\n')
	j.w.WriteString(j.prefix)
	for range j.depth {
		j.w.WriteString(j.indent)
	}
}

// Flush writes out what is buffered.
func (j *Writer) Flush() error { return j.w.Flush() }

// Encode writes v as JSON indented by two spaces, with no HTML escaping,
// through a 64 KiB Writer: the bytes of an encoding/json Encoder with
// SetEscapeHTML(false) and SetIndent("", "  "). Structs and slices are
// written a member or an element at a time (see streamValue), so that
// memory does not grow with the document.
func Encode(w io.Writer, v any) error {
	jw := NewWriter(w, 64<<10, "", "  ")
	enc := json.NewEncoder(jw)
	enc.SetEscapeHTML(false)
	streamed, err := streamValue(enc, jw, reflect.ValueOf(v), 0)
	if err != nil {
		return err
	}
	if streamed {
		jw.writeByte('\n') // as the Encoder ends a value
	}
	return jw.Flush()
}

// writeByte writes one byte of compact JSON (a bracket, a comma, a
// colon) through the indenter.
func (j *Writer) writeByte(c byte) {
	b := [1]byte{c}
	j.Write(b[:])
}
