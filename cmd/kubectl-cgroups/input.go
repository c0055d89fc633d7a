package main

import (
	"fmt"
	"io"

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
	return qos.ReadPodsFrom(in.files, qos.ReadPodsOptions{Recursive: in.recursive, Stdin: stdin})
}
