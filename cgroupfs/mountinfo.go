package cgroupfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/kubecgroups/kubecgroups/internal/safetext"
)

// mount is one line of /proc/<pid>/mountinfo (proc(5)).
type mount struct {
	// Root is the directory of the file system that is mounted: "/" for a
	// whole cgroup hierarchy, deeper inside a cgroup namespace.
	Root string
	// MountPoint is where it is mounted.
	MountPoint string
	// FSType is the file system type: "cgroup" (v1), "cgroup2", "tmpfs".
	FSType string
	// SuperOptions are the per-superblock options; for a cgroup v1 mount
	// they name its controllers ("rw,cpu,cpuacct") or "name=systemd".
	SuperOptions string
}

// maxMountinfoBytes bounds how much of a mountinfo file is read.
const maxMountinfoBytes = 4 << 20

// parseMountinfo parses mountinfo text: fields separated by spaces, the
// optional fields ended by a lone "-", octal escapes (\040) in paths.
func parseMountinfo(r io.Reader) ([]mount, error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxMountinfoBytes))
	var out []mount
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		f := strings.Fields(string(line))
		// id parent major:minor root mountpoint options [optional...] - fstype source superoptions
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 10 || sep < 0 || len(f) < sep+4 {
			return nil, fmt.Errorf("mountinfo line %d: %q: want at least 10 fields with a \"-\" separator", n, safetext.Truncate(string(line), maxQuotedName))
		}
		m := mount{
			Root:         unescapeMountinfo(f[3]),
			MountPoint:   unescapeMountinfo(f[4]),
			FSType:       f[sep+1],
			SuperOptions: f[sep+3],
		}
		if !strings.HasPrefix(m.MountPoint, "/") {
			return nil, fmt.Errorf("mountinfo line %d: mount point %q is not absolute", n, safetext.Truncate(f[4], maxQuotedName))
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	return out, nil
}

// unescapeMountinfo undoes the kernel's octal escaping of space, tab,
// newline and backslash in mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// v1Mounts returns, for every cgroup v1 mount at or below mountPoint (an
// absolute, clean path), its directory relative to mountPoint ("." for
// mountPoint itself) and its controllers.
func v1Mounts(mounts []mount, mountPoint string) map[string][]string {
	out := map[string][]string{}
	for _, m := range mounts {
		if m.FSType != "cgroup" {
			continue
		}
		mp := path.Clean(m.MountPoint)
		var rel string
		switch {
		case mp == mountPoint:
			rel = "."
		case strings.HasPrefix(mp, strings.TrimSuffix(mountPoint, "/")+"/"):
			rel = mp[len(strings.TrimSuffix(mountPoint, "/"))+1:]
		default:
			continue
		}
		for opt := range strings.SplitSeq(m.SuperOptions, ",") {
			if isV1Controller(opt) {
				out[rel] = append(out[rel], opt)
			}
		}
	}
	return out
}

// v1LayoutFromMounts picks each controller's directory among the mounts
// as the kubelet does: the shortest mount point.
func v1LayoutFromMounts(mounts map[string][]string) map[string]string {
	ctrl := map[string]string{}
	for rel, cs := range mounts {
		for _, c := range cs {
			if old, ok := ctrl[c]; !ok || len(rel) < len(old) || (len(rel) == len(old) && rel < old) {
				ctrl[c] = rel
			}
		}
	}
	return ctrl
}
