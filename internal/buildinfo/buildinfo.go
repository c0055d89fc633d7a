// Package buildinfo reads what a binary knows about its own build: the
// module version and the version-control revision the Go toolchain
// records (runtime/debug.ReadBuildInfo), for `kubectl-cgroups version`
// and the tool version snapshots record.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Devel is the version of a build with no module version (go build or go
// run in a checkout without version-control stamping, go test).
const Devel = "(devel)"

// Unknown is the revision of a build without version-control stamping.
const Unknown = "unknown"

// Info is a binary's version and revision.
type Info struct {
	// Version is the module version ("v0.3.1", a pseudo-version for a
	// build from a checkout) or Devel.
	Version string `json:"version"`
	// Revision is the commit the binary was built from, or Unknown.
	Revision string `json:"revision"`
	// Time is the commit's time (RFC 3339), when recorded.
	Time string `json:"revisionTime,omitempty"`
	// Modified says the checkout had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
}

// Read returns the running binary's Info. A non-empty version (set with
// -ldflags -X at release builds) replaces the module version.
func Read(version string) Info {
	bi, ok := debug.ReadBuildInfo()
	return FromBuildInfo(bi, ok, version)
}

// FromBuildInfo returns the Info of build information as
// debug.ReadBuildInfo returns it (bi, ok), with version, when not empty,
// replacing the module version.
func FromBuildInfo(bi *debug.BuildInfo, ok bool, version string) Info {
	i := Info{Version: version, Revision: Unknown}
	if ok && bi != nil {
		if i.Version == "" {
			i.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if s.Value != "" {
					i.Revision = s.Value
				}
			case "vcs.time":
				i.Time = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if i.Version == "" {
		i.Version = Devel
	}
	return i
}

// String is the version and short revision, as
// "v0.3.1 (revision 29d22480a1b2, modified)" or "(devel) (revision
// unknown)".
func (i Info) String() string {
	var b strings.Builder
	b.WriteString(i.Version + " (revision ")
	rev := i.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	b.WriteString(rev)
	if i.Modified {
		b.WriteString(", modified")
	}
	b.WriteString(")")
	return b.String()
}

// Document is what "version -o json" prints (kind Version): the build,
// the Go toolchain and platform, and the Kubernetes release whose
// behaviour the predictions follow.
type Document struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Info
	GoVersion         string `json:"goVersion"`
	Platform          string `json:"platform"`
	KubernetesVersion string `json:"kubernetesVersion"`
}

// Current is the Document of this binary; version is the one set at
// build time ("" for the module's), apiVersion the document's and
// kubernetes the release the predictions follow.
func Current(version, apiVersion, kubernetes string) Document {
	return Document{
		APIVersion: apiVersion, Kind: "Version", Info: Read(version),
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		KubernetesVersion: kubernetes,
	}
}
