package table

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
)

// Width is the width the tables are laid out for.
const Width = 80

const tableWidth = Width

// ExpectationOptions say how WriteExpectation lays an expectation out.
type ExpectationOptions struct {
	// Wide adds the derivation of every value (-o wide).
	Wide bool
}

// WriteExpectation renders an expectation as a table: node levels, then
// pods; per cgroup a heading with its level and path, then one FILE VALUE
// line per file.
func WriteExpectation(w io.Writer, x *qos.Expectation, o ExpectationOptions) error {
	return writeSafe(w, false, func(w io.Writer) error { return writeExpectation(w, x, o.Wide) })
}

func writeExpectation(w io.Writer, x *qos.Expectation, wide bool) error {
	p := x.Profile
	fmt.Fprintf(w, "NODE  kubelet %s, cgroup %s, %s driver, %s + %s\n", p.KubernetesVersion, p.CgroupVersion, p.Kubelet.CgroupDriver, p.Runtime.CRI, p.Runtime.OCI)
	for _, n := range x.Notes {
		printWrapped(w, "  note: ", n.Message)
	}
	for _, cg := range x.Node {
		fmt.Fprintln(w)
		printCgroup(w, cg, string(cg.Level), "", wide)
	}
	for _, pe := range x.Pods {
		fmt.Fprintln(w)
		uid := pe.UID
		if uid == "" {
			uid = "<none>"
		}
		head := fmt.Sprintf("POD %s/%s  %s  uid %s", nsOrDefault(pe.Namespace), pe.Name, pe.QOSClass, uid)
		fmt.Fprintln(w, truncate(head, tableWidth))
		if pe.Resize.State != qos.ResizeNone {
			printWrapped(w, "  resize: ", strings.TrimSpace(string(pe.Resize.State)+" "+pe.Resize.Reason+" "+pe.Resize.Message))
		}
		for _, n := range pe.Notes {
			printWrapped(w, "  note: ", n.Message)
		}
		podPath := ""
		for _, cg := range pe.Cgroups {
			label := string(cg.Level)
			if cg.Level == cgroupfs.LevelContainer {
				label = cg.Container
				if cg.ContainerType == qos.ContainerSandbox {
					label = "sandbox"
				} else {
					label += " (" + string(cg.ContainerType) + ")"
				}
				if adj, ok := pe.OOMScoreAdj[cg.Container]; ok && cg.Container != "" {
					label += fmt.Sprintf("  oom_score_adj %d", adj)
				} else if cg.ContainerType == qos.ContainerSandbox {
					label += fmt.Sprintf("  oom_score_adj %d", qos.SandboxOOMScoreAdj)
				}
			}
			fmt.Fprintln(w)
			printCgroup(w, cg, "  "+label, podPath, wide)
			if cg.Level == cgroupfs.LevelPod {
				podPath = cg.Path
			}
		}
	}
	return nil
}

func nsOrDefault(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// printCgroup prints a heading and the files of one cgroup. Container
// paths are shown relative to the pod path, long IDs shortened; the JSON
// output has the full paths.
func printCgroup(w io.Writer, cg qos.ExpectedCgroup, label, podPath string, wide bool) {
	indent := strings.Repeat(" ", len(label)-len(strings.TrimLeft(label, " ")))
	path := cg.Path
	if podPath != "" && strings.HasPrefix(path, podPath+"/") {
		path = "<pod>" + strings.TrimPrefix(path, podPath)
	}
	path = shortenIDs(path)
	if cg.Optional {
		path += "  (may be absent)"
	}
	if len(label)+2+len(path) <= tableWidth {
		fmt.Fprintf(w, "%s  %s\n", label, path)
	} else {
		fmt.Fprintln(w, label)
		for _, line := range wrapPath(path, tableWidth-len(indent)-4) {
			fmt.Fprintf(w, "%s    %s\n", indent, line)
		}
	}
	for _, n := range cg.Notes {
		if cg.ContainerType == qos.ContainerSandbox && n.Reason == qos.ReasonRuntimeSandboxDefault {
			continue // the oom_score_adj is in the heading
		}
		printWrapped(w, indent+"  note: ", n.Message)
	}
	names := make([]string, 0, len(cg.Files))
	for name := range cg.Files {
		names = append(names, name)
	}
	slices.Sort(names)
	type row struct {
		name string
		f    qos.ExpectedFile
	}
	var rows []row
	width := 0
	for _, name := range names {
		f := cg.Files[name]
		shown := name
		if rsvd := rsvdTwin(name); rsvd != "" {
			if r, ok := cg.Files[rsvd]; ok && slices.Equal(r.Accept, f.Accept) {
				shown += " (+rsvd)"
			}
		} else if strings.Contains(name, ".rsvd.") {
			if plain, ok := cg.Files[strings.Replace(name, ".rsvd.", ".", 1)]; ok && slices.Equal(plain.Accept, f.Accept) {
				continue
			}
		}
		rows = append(rows, row{shown, f})
		width = max(width, len(shown))
	}
	for _, r := range rows {
		value := strings.Join(r.f.Accept, " or ")
		line := fmt.Sprintf("%s  %-*s  %s", indent, width, r.name, value)
		if len(line) > tableWidth {
			fmt.Fprintf(w, "%s  %s\n", indent, r.name)
			printWrapped(w, indent+"      ", value)
		} else {
			fmt.Fprintln(w, line)
		}
		for _, ex := range r.f.Explained {
			if ex.Reason == qos.ReasonPageRounding && !wide {
				continue // another page size: in -o wide and json
			}
			printWrapped(w, indent+"      also ", strings.Join(ex.Values, " or ")+" ("+string(ex.Reason)+")")
		}
		if wide {
			printWrapped(w, indent+"      = ", r.f.Derivation)
		}
	}
}

// rsvdTwin returns the .rsvd file of a plain hugetlb file name.
func rsvdTwin(name string) string {
	if !strings.HasPrefix(name, "hugetlb.") || strings.Contains(name, ".rsvd.") {
		return ""
	}
	i := strings.LastIndex(name, ".")
	return name[:i] + ".rsvd" + name[i:]
}

// shortenIDs shortens the 64-hex container IDs of container cgroup
// directory names to 13 characters.
func shortenIDs(path string) string {
	parts := strings.Split(path, "/")
	for i, part := range parts {
		if id, _, ok := cgroupfs.ParseContainerDir(part); ok && len(id) == 64 {
			parts[i] = strings.Replace(part, id, id[:13]+"…", 1)
		}
	}
	return strings.Join(parts, "/")
}

// wrapPath splits a path at "/" boundaries into lines of at most width.
func wrapPath(path string, width int) []string {
	var lines []string
	cur := ""
	for i, part := range strings.Split(path, "/") {
		seg := part
		if i > 0 {
			seg = "/" + part
		}
		if cur != "" && len(cur)+len(seg) > width {
			lines = append(lines, cur)
			cur = ""
		}
		cur += seg
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// printWrapped prints text after prefix, wrapped at word boundaries.
func printWrapped(w io.Writer, prefix, text string) {
	pad := strings.Repeat(" ", len(prefix))
	line := prefix
	for _, word := range strings.Fields(text) {
		if len(line) > len(pad) && len(line)+1+len(word) > tableWidth {
			fmt.Fprintln(w, line)
			line = pad
		}
		if len(line) > len(pad) {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
