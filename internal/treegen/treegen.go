// Package treegen writes the cgroup tree a node would hold if every file
// had the value an expectation predicts, in the layout of /sys/fs/cgroup
// (cgroup v2, or one directory per v1 controller). Tests and the demo use
// it to build nodes that diff clean, then change chosen files to create
// drift and explained differences.
package treegen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	"golang.org/x/tools/txtar"
)

// Options shape the tree.
type Options struct {
	// Hybrid adds an empty unified/ cgroup2 directory to a v1 tree.
	Hybrid bool
	// Value chooses a file's value; nil (or ok false) takes the first
	// accepted value. It can return another value to create a drift or
	// pick an explained alternative.
	Value func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation, file string, ef qos.ExpectedFile) (value string, ok bool)
	// Skip drops a cgroup from the tree (a missing container).
	Skip func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation) bool
}

// SandboxID is the deterministic sandbox container ID treegen gives a pod.
func SandboxID(podUID string) string {
	sum := sha256.Sum256([]byte("sandbox/" + podUID))
	return hex.EncodeToString(sum[:])
}

// controllerOf is the v1 controller directory of a file.
func controllerOf(file string) string {
	ctrl, _, _ := strings.Cut(file, ".")
	return ctrl
}

// Files returns the tree as file paths (relative to the mount point) and
// contents, each value followed by a newline as the kernel prints it.
func Files(x *qos.Expectation, opts Options) (map[string]string, error) {
	out := map[string]string{}
	v2 := x.Profile.CgroupVersion == convert.CgroupV2
	ctrls := map[string]bool{}
	write := func(cg *qos.ExpectedCgroup, pod *qos.PodExpectation) error {
		if opts.Skip != nil && opts.Skip(cg, pod) {
			return nil
		}
		p := cg.Path
		if strings.Contains(p, "<sandbox>") && pod != nil {
			p = strings.ReplaceAll(p, "<sandbox>", SandboxID(pod.UID))
		}
		if strings.Contains(p, "<") {
			return fmt.Errorf("treegen: %s has a placeholder: give every container an ID in the pod status", p)
		}
		for _, name := range slices.Sorted(maps.Keys(cg.Files)) {
			ef := cg.Files[name]
			value := ""
			if len(ef.Accept) > 0 {
				value = ef.Accept[0]
			}
			if opts.Value != nil {
				if v, ok := opts.Value(cg, pod, name, ef); ok {
					value = v
				}
			}
			if value == Absent {
				continue
			}
			dir := strings.TrimPrefix(p, "/")
			if !v2 {
				ctrl := controllerOf(name)
				ctrls[ctrl] = true
				dir = path.Join(ctrl, dir)
			}
			out[path.Join(dir, name)] = value + "\n"
		}
		return nil
	}
	for i := range x.Node {
		if err := write(&x.Node[i], nil); err != nil {
			return nil, err
		}
	}
	for i := range x.Pods {
		pod := &x.Pods[i]
		for j := range pod.Cgroups {
			if err := write(&pod.Cgroups[j], pod); err != nil {
				return nil, err
			}
		}
	}
	if v2 {
		out["cgroup.controllers"] = "cpuset cpu io memory hugetlb pids\n"
	} else {
		for ctrl := range ctrls {
			out[ctrl+"/cgroup.procs"] = ""
		}
		if opts.Hybrid {
			out["unified/cgroup.controllers"] = "\n"
		}
	}
	return out, nil
}

// Absent is the value a Value function returns to leave a file out.
const Absent = "\x00absent"

// Txtar renders files as a txtar archive with the given comment, in path
// order.
func Txtar(files map[string]string, comment string) []byte {
	a := &txtar.Archive{Comment: []byte(comment)}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		a.Files = append(a.Files, txtar.File{Name: name, Data: []byte(files[name])})
	}
	return txtar.Format(a)
}

// Snapshot renders files as a txtar snapshot with the given metadata,
// written by cgroupfs itself so that the format is the one it reads.
func Snapshot(files map[string]string, info cgroupfs.SnapshotInfo) ([]byte, error) {
	plain, err := cgroupfs.ReadSnapshot(bytes.NewReader(Txtar(files, "")), cgroupfs.SnapshotLimits{})
	if err != nil {
		return nil, err
	}
	plain.Info = info
	var b bytes.Buffer
	if err := plain.WriteTxtar(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
