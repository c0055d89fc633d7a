package qos

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ReadPodsPath reads the pods of a manifest file, or of every .yaml,
// .yml and .json file of a directory (not its subdirectories), in name
// order; see ReadPods for what a manifest may hold.
func ReadPodsPath(name string) ([]*corev1.Pod, error) {
	paths, err := expandInput(name)
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

// expandInput lists the manifest files of a path.
func expandInput(name string) ([]string, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{name}, nil
	}
	entries, err := os.ReadDir(name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			out = append(out, filepath.Join(name, e.Name()))
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no .yaml, .yml or .json files", name)
	}
	return out, nil
}
