package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"sigs.k8s.io/yaml"
)

// TestDemoStructuredIsOneDocument: several reports are one JSON value (a
// List) or a YAML stream of documents separated by "---".
func TestDemoStructuredIsOneDocument(t *testing.T) {
	list, _, _ := runCLI(t, "", "demo", "--list")
	n := strings.Count(list, "\n")
	if n < 2 {
		t.Fatalf("demo --list: %q", list)
	}
	out, errOut, code := runCLI(t, "", "demo", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var doc struct {
		APIVersion, Kind string
		Items            []struct{ Kind string }
	}
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("demo -o json: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("demo -o json: more than one JSON value (next: %v)", err)
	}
	if doc.APIVersion != cgroupfs.APIVersion || doc.Kind != "List" || len(doc.Items) != n || doc.Items[0].Kind != "DiffReport" {
		t.Errorf("demo -o json: %s %s with %d items, want a List of %d", doc.APIVersion, doc.Kind, len(doc.Items), n)
	}

	out, errOut, code = runCLI(t, "", "demo", "-o", "yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	docs := bytes.Split([]byte(out), []byte("\n---\n"))
	if len(docs) != n {
		t.Fatalf("demo -o yaml: %d documents, want %d", len(docs), n)
	}
	for i, d := range docs {
		var doc struct{ Kind string }
		if err := yaml.Unmarshal(d, &doc); err != nil || doc.Kind != "DiffReport" {
			t.Errorf("demo -o yaml: document %d: kind %q, %v", i, doc.Kind, err)
		}
	}

	// One scenario is one report, as kubectl prints one named object.
	out, _, _ = runCLI(t, "", "demo", "v2-systemd", "-o", "json")
	if !strings.Contains(out, `"kind": "DiffReport"`) || strings.Contains(out, `"kind": "List"`) {
		t.Errorf("demo v2-systemd -o json: %.200s", out)
	}
}
