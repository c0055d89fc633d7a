package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// apiVersion is the version of every document the CLI prints with -o json
// or -o yaml.
const apiVersion = "kubecgroups.io/v1alpha1"

// outputFlag holds -o/--output; the allowed values depend on the command.
type outputFlag struct {
	format  string
	allowed []string
}

func addOutputFlag(c *cobra.Command, o *outputFlag, allowed ...string) {
	o.allowed = allowed
	o.format = allowed[0]
	c.Flags().StringVarP(&o.format, "output", "o", o.format, "Output format: one of "+strings.Join(allowed, "|")+".")
}

func (o *outputFlag) validate() error {
	for _, a := range o.allowed {
		if o.format == a {
			return nil
		}
	}
	return fmt.Errorf("unsupported output format %q: allowed formats are %s", o.format, strings.Join(o.allowed, ", "))
}

// printStructured writes v as indented JSON or as YAML. Characters such
// as < and > are written as they are, not escaped for HTML.
func printStructured(w io.Writer, format string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	if format == "yaml" {
		y, err := yaml.JSONToYAML(buf.Bytes())
		if err != nil {
			return err
		}
		_, err = w.Write(y)
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeIndented(bw, buf.Bytes()); err != nil {
		return err
	}
	return bw.Flush()
}

// writeIndented writes compact JSON (as json.Encoder writes it, a trailing
// newline included) indented by two spaces per level, byte for byte what
// json.Indent or an Encoder with SetIndent("", "  ") gives, without their
// second buffer and validating scan: a diff of a large node prints
// megabytes of JSON. The input is trusted to be valid.
func writeIndented(w *bufio.Writer, b []byte) error {
	depth := 0
	open := false // just after { or [: the newline waits for the next byte
	newline := func() {
		w.WriteByte('\n')
		for range depth {
			w.WriteString("  ")
		}
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			if open {
				open = false
				newline()
			}
			// Copy the string whole, escapes included.
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			w.Write(b[i:min(j+1, len(b))])
			i = j
			continue
		}
		if open && c != '}' && c != ']' {
			open = false
			newline()
		}
		switch c {
		case '{', '[':
			w.WriteByte(c)
			depth++
			open = true
		case '}', ']':
			depth--
			if open {
				open = false // empty object or array
			} else {
				newline()
			}
			w.WriteByte(c)
		case ',':
			w.WriteByte(c)
			newline()
		case ':':
			w.WriteString(": ")
		case ' ', '\t', '\r':
			// none in compact JSON
		default:
			w.WriteByte(c)
		}
	}
	return nil
}

// newTable returns a tabwriter laid out like kubectl's tables: columns
// separated by at least three spaces, no trailing padding.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
}
