package main

import (
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
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	b := buf.Bytes()
	if format == "yaml" {
		y, err := yaml.JSONToYAML(b)
		if err != nil {
			return err
		}
		b = y
	}
	_, err := w.Write(b)
	return err
}

// newTable returns a tabwriter laid out like kubectl's tables: columns
// separated by at least three spaces, no trailing padding.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
}
