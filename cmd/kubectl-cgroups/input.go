package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
)

// podInput reads pods for commands that take -f (expect, and later diff).
// Each -f value is a file, a directory (its *.yaml, *.yml and *.json
// files, sorted, not recursive) or "-" for standard input.
type podInput struct {
	files []string
}

func (in *podInput) addFlags(c interface {
	StringSliceVarP(p *[]string, name, shorthand string, value []string, usage string)
}) {
	c.StringSliceVarP(&in.files, "filename", "f", nil,
		"Pod manifests: files, directories or - for standard input. Pods (as stored by the API server or plain), kind List, multi-document YAML and the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs.")
}

// load reads every input and applies the API server's defaulting for
// the profile, so plain manifests and stored pods give the same result.
func (in *podInput) load(stdin io.Reader, p qos.Profile) ([]*corev1.Pod, error) {
	if len(in.files) == 0 {
		return nil, fmt.Errorf("no pods: give -f FILE (or -f - for standard input)")
	}
	var pods []*corev1.Pod
	usedStdin := false
	for _, name := range in.files {
		if name == "-" {
			if usedStdin {
				return nil, fmt.Errorf("-f -: standard input given twice")
			}
			usedStdin = true
			got, err := qos.ReadPods(stdin, "-")
			if err != nil {
				return nil, err
			}
			pods = append(pods, got...)
			continue
		}
		got, err := readPodPath(name)
		if err != nil {
			return nil, err
		}
		pods = append(pods, got...)
	}
	if len(pods) == 0 {
		return nil, fmt.Errorf("no pods found in %s", strings.Join(in.files, ", "))
	}
	for _, pod := range pods {
		if err := p.DefaultPod(pod); err != nil {
			return nil, err
		}
	}
	return pods, nil
}

// readPodPath reads the pods of a manifest file, or of every manifest
// file of a directory (see expandInput).
func readPodPath(name string) ([]*corev1.Pod, error) {
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
		got, err := qos.ReadPods(f, path)
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
