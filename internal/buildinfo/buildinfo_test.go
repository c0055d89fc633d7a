package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{Main: debug.Module{Path: "github.com/kubecgroups/kubecgroups", Version: "v0.3.1"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "29d22480a1b2c3d4e5f60718293a4b5c6d7e8f90"},
		{Key: "vcs.time", Value: "2026-12-06T04:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	for _, tt := range []struct {
		name     string
		bi       *debug.BuildInfo
		ok       bool
		override string
		want     Info
		str      string
	}{
		{"stamped", stamped, true, "", Info{Version: "v0.3.1", Revision: "29d22480a1b2c3d4e5f60718293a4b5c6d7e8f90", Time: "2026-12-06T04:00:00Z", Modified: true},
			"v0.3.1 (revision 29d22480a1b2, modified)"},
		{"ldflags", stamped, true, "v1.0.0", Info{Version: "v1.0.0", Revision: "29d22480a1b2c3d4e5f60718293a4b5c6d7e8f90", Time: "2026-12-06T04:00:00Z", Modified: true},
			"v1.0.0 (revision 29d22480a1b2, modified)"},
		{"go run", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "", Info{Version: "(devel)", Revision: "unknown"}, "(devel) (revision unknown)"},
		{"no module version", &debug.BuildInfo{}, true, "", Info{Version: "(devel)", Revision: "unknown"}, "(devel) (revision unknown)"},
		{"no build info", nil, false, "", Info{Version: "(devel)", Revision: "unknown"}, "(devel) (revision unknown)"},
	} {
		got := FromBuildInfo(tt.bi, tt.ok, tt.override)
		if got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("%s: String() = %q, want %q", tt.name, s, tt.str)
		}
	}
}

func TestCurrent(t *testing.T) {
	d := Current("v9.8.7", "kubecgroups.io/v1alpha1", "v1.37.2")
	if d.Version != "v9.8.7" || d.Kind != "Version" || d.APIVersion != "kubecgroups.io/v1alpha1" || d.KubernetesVersion != "v1.37.2" ||
		d.Platform != runtime.GOOS+"/"+runtime.GOARCH || d.GoVersion != runtime.Version() {
		t.Errorf("Current: %+v", d)
	}
}
