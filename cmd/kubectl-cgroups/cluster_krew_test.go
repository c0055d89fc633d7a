package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"sigs.k8s.io/yaml"
)

// TestKrewManifest renders the krew plugin manifest template (.krew.yaml,
// for krew-release-bot) as the bot does and checks that it is a valid
// plugin manifest for every platform CI cross-builds.
func TestKrewManifest(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("..", "..", ".krew.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const tag = "v1.2.3"
	tmpl, err := template.New("krew").Funcs(template.FuncMap{
		// krew-release-bot's addURIAndSha: the URL (itself a template of
		// the tag) and the archive's checksum.
		"addURIAndSha": func(url, tag string) string {
			url = strings.ReplaceAll(url, "{{ .TagName }}", tag)
			return "uri: " + url + "\n    sha256: " + strings.Repeat("ab", 32)
		},
	}).Parse(string(text))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct{ TagName string }{tag}); err != nil {
		t.Fatal(err)
	}
	var m struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct{ Name string }
		Spec       struct {
			Version, Homepage, ShortDescription, Description, Caveats string
			Platforms                                                 []struct {
				Selector struct {
					MatchLabels map[string]string `json:"matchLabels"`
				}
				URI, Sha256, Bin string
			}
		}
	}
	if err := yaml.UnmarshalStrict(buf.Bytes(), &m); err != nil {
		t.Fatalf("%v:\n%s", err, buf.String())
	}
	if m.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || m.Kind != "Plugin" || m.Metadata.Name != "cgroups" ||
		m.Spec.Version != tag || m.Spec.ShortDescription == "" || !strings.Contains(m.Spec.Caveats, "kubectl cgroups rbac") {
		t.Errorf("manifest %+v", m)
	}
	seen := map[string]bool{}
	for _, p := range m.Spec.Platforms {
		os, arch := p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"]
		seen[os+"/"+arch] = true
		wantBin := "kubectl-cgroups"
		if os == "windows" {
			wantBin += ".exe"
		}
		if p.Bin != wantBin || !strings.Contains(p.URI, "/"+tag+"/") || !strings.Contains(p.URI, "_"+os+"_"+arch+".") || len(p.Sha256) != 64 {
			t.Errorf("platform %s/%s: %+v", os, arch, p)
		}
	}
	for _, osArch := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"} {
		if !seen[osArch] {
			t.Errorf("no platform %s", osArch)
		}
	}
}
