package main

import (
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
)

// podInput reads pods for commands that take -f (expect, and later diff).
// Each -f value is a file, a directory (its *.yaml, *.yml and *.json
// files, sorted, not recursive) or "-" for standard input.
//
// resource.Builder (kubectl's -f) is not used: it reads files and URLs
// whole, with no size bound, where qos.ReadPods bounds what it reads.
type podInput struct {
	files     []string
	recursive bool
}

func (in *podInput) addFlags(c *pflag.FlagSet) {
	c.StringSliceVarP(&in.files, "filename", "f", nil,
		"Pod manifests: files, directories or - for standard input. Pods (as stored by the API server or plain), kind List, multi-document YAML and the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs.")
	c.BoolVarP(&in.recursive, "recursive", "R", false, "Read the directories given with -f recursively.")
}

// load reads every input. The caller applies the API server's defaulting
// for its profile (qos.Check does), so plain manifests and stored pods
// give the same result.
func (in *podInput) load(stdin io.Reader) ([]*corev1.Pod, error) {
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
		paths := []string{name}
		if in.recursive {
			var err error
			if paths, err = manifestFiles(name); err != nil {
				return nil, err
			}
		}
		for _, p := range paths {
			got, err := qos.ReadPodsPath(p)
			if err != nil {
				return nil, err
			}
			pods = append(pods, got...)
		}
	}
	if len(pods) == 0 {
		return nil, fmt.Errorf("no pods found in %s", strings.Join(in.files, ", "))
	}
	return pods, nil
}

// manifestFiles lists the .yaml, .yml and .json files below root (root
// itself when it is a file), in lexical order.
func manifestFiles(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				out = append(out, p)
			}
		}
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%s: no .yaml, .yml or .json files", root)
	}
	return out, err
}
