package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

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
	if format == "yaml" {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		y, err := yaml.JSONToYAML(buf.Bytes())
		if err != nil {
			return err
		}
		_, err = w.Write(y)
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return bw.Flush()
}
