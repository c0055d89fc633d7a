package main

import (
	"fmt"
	"io"
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
		got, err := qos.ReadPodsPath(name)
		if err != nil {
			return nil, err
		}
		pods = append(pods, got...)
	}
	if len(pods) == 0 {
		return nil, fmt.Errorf("no pods found in %s", strings.Join(in.files, ", "))
	}
	return pods, nil
}
