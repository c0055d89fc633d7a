package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/jsonstream"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/yaml"
)

// outputFlag holds -o/--output; the allowed values depend on the command.
type outputFlag struct {
	format  string
	allowed []string
}

// templateFormats are kubectl's template outputs, through cli-runtime's
// PrintFlags: each takes its template after "=".
var templateFormats = []string{"jsonpath", "jsonpath-file", "go-template", "go-template-file"}

func addOutputFlag(c *cobra.Command, o *outputFlag, allowed ...string) {
	o.allowed = allowed
	o.format = allowed[0]
	c.Flags().StringVarP(&o.format, "output", "o", o.format, "Output format: one of "+strings.Join(allowed, "|")+
		"|jsonpath=TEMPLATE|jsonpath-file=FILE|go-template=TEMPLATE|go-template-file=FILE (templates apply to the JSON document).")
	c.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		out := slices.Clone(allowed)
		for _, t := range templateFormats {
			out = append(out, t+"=")
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
}

func (o *outputFlag) validate() error {
	if slices.Contains(o.allowed, o.format) {
		return nil
	}
	if name, _, ok := strings.Cut(o.format, "="); ok && slices.Contains(templateFormats, name) && slices.Contains(o.allowed, "json") {
		_, err := templatePrinter(o.format)
		return err
	}
	return fmt.Errorf("unsupported output format %q: allowed formats are %s, jsonpath=, jsonpath-file=, go-template=, go-template-file=", o.format, strings.Join(o.allowed, ", "))
}

// structured reports whether the output is the document itself (JSON,
// YAML or a template over the JSON), not a table.
func (o *outputFlag) structured() bool {
	return structured(o.format)
}

func structured(format string) bool {
	name, _, _ := strings.Cut(format, "=")
	return format == "json" || format == "yaml" || slices.Contains(templateFormats, name)
}

// templatePrinter is cli-runtime's printer for a template output format.
func templatePrinter(format string) (printers.ResourcePrinter, error) {
	pf := genericclioptions.NewPrintFlags("")
	pf.OutputFormat = &format
	p, err := pf.ToPrinter()
	if err != nil {
		return nil, fmt.Errorf("-o %s: %w", format, err)
	}
	return p, nil
}

// printStructured writes v as indented JSON or as YAML. Characters such
// as < and > are written as they are, not escaped for HTML.
func printStructured(w io.Writer, format string, v any) error {
	if format != "json" && format != "yaml" {
		p, err := templatePrinter(format)
		if err != nil {
			return err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(b); err != nil {
			return err
		}
		return p.PrintObj(obj, w)
	}
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
	// A member or an element at a time: the bytes of an Encoder with
	// SetIndent, without a buffer the size of the document.
	return jsonstream.Encode(w, v, jsonstream.Options{Indent: "  "})
}

// printStructuredList writes several documents as one: with -o json (or a
// template) a List of them, as kubectl prints several objects; with -o
// yaml a stream of YAML documents separated by "---". A lone document is
// written alone, as kubectl prints one named object.
func printStructuredList[T any](w io.Writer, format string, items []T) error {
	if len(items) == 1 {
		return printStructured(w, format, items[0])
	}
	if format != "yaml" {
		return printStructured(w, format, struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Items      []T    `json:"items"`
		}{cgroupfs.APIVersion, "List", items})
	}
	for i, it := range items {
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if err := printStructured(w, format, it); err != nil {
			return err
		}
	}
	return nil
}
