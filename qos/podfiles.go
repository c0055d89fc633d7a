package qos

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ReadPodsPath reads the pods of a manifest file, or of every .yaml,
// .yml and .json file of a directory (not its subdirectories), in name
// order; see ReadPods for what a manifest may hold.
func ReadPodsPath(name string) ([]*corev1.Pod, error) {
	return readPodsPath(name, false)
}

// ReadPodsOptions say how ReadPodsFrom reads its inputs.
type ReadPodsOptions struct {
	// Recursive reads directories with their subdirectories.
	Recursive bool
	// Stdin is read for the input "-" (at most once); nil refuses "-".
	Stdin io.Reader
}

// ReadPodsFrom reads the pods of every input, in order: a manifest file,
// a directory (its .yaml, .yml and .json files in name order, with their
// subdirectories when o.Recursive), or "-" for o.Stdin. Inputs that hold
// no pod at all are an error naming them. It does not default anything
// (see ReadPods).
func ReadPodsFrom(names []string, o ReadPodsOptions) ([]*corev1.Pod, error) {
	if len(names) == 0 {
		return nil, errors.New("no pods: give a manifest file, a directory or - for standard input")
	}
	var pods []*corev1.Pod
	usedStdin := false
	for _, name := range names {
		var got []*corev1.Pod
		var err error
		switch {
		case name == "-" && o.Stdin == nil:
			return nil, errors.New("-: no standard input to read")
		case name == "-" && usedStdin:
			return nil, errors.New("-: standard input given twice")
		case name == "-":
			usedStdin = true
			got, err = ReadPods(o.Stdin, "-")
		default:
			got, err = readPodsPath(name, o.Recursive)
		}
		if err != nil {
			return nil, err
		}
		pods = append(pods, got...)
	}
	if len(pods) == 0 {
		return nil, fmt.Errorf("no pods found in %s", strings.Join(names, ", "))
	}
	return pods, nil
}

// readPodsPath reads the manifests of a file or a directory.
func readPodsPath(name string, recursive bool) ([]*corev1.Pod, error) {
	paths, err := expandInput(name, recursive)
	if err != nil {
		return nil, err
	}
	var pods []*corev1.Pod
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		got, err := ReadPods(f, path)
		f.Close()
		if err != nil {
			return nil, err
		}
		pods = append(pods, got...)
	}
	return pods, nil
}

// expandInput lists the manifest files of a path, in lexical order.
func expandInput(name string, recursive bool) ([]string, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{name}, nil
	}
	var out []string
	err = filepath.WalkDir(name, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != name && !recursive {
			return filepath.SkipDir
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				out = append(out, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no .yaml, .yml or .json files", name)
	}
	return out, nil
}
