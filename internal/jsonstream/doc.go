// Package jsonstream writes a value as JSON, byte for byte as
// encoding/json's Encoder does, but a struct member or a slice element at
// a time, so that memory does not grow with the document.
//
// An Encoder encodes the whole value into one buffer before it writes it
// (and, with SetIndent, indents it into a second): for a node's report of
// several megabytes, in a fresh process, that buffer doubles its way up
// from nothing and every new page of it is a page fault and a clearing.
// Encode walks structs and slices itself, down to a few levels, and hands
// every other value (and every struct or slice deeper down) to an
// Encoder, indented by the Encoder at the depth it sits at. What it
// cannot write exactly as encoding/json does (a type with its own
// marshalling, an embedded field, a tag option other than omitempty, a
// map) it hands to the Encoder whole.
package jsonstream
