package qos

import (
	"maps"
	"slices"
)

// own gives x its own copy of every map and slice that it may share
// with other cgroups of x or with the inputs: the expectation builds
// each distinct set of files once and points every cgroup computed from
// equal inputs at it (fileCache), and a pod's start time points into
// the pod. Strings are immutable and stay shared. After own, a caller
// may change any part of x without changing another part, a later
// result or the pods.
func (x *Expectation) own() {
	x.Profile = x.Profile.clone()
	x.Notes = slices.Clone(x.Notes)
	x.Node = slices.Clone(x.Node)
	for i := range x.Node {
		x.Node[i].own()
	}
	x.Pods = slices.Clone(x.Pods)
	for i := range x.Pods {
		pe := &x.Pods[i]
		pe.Cgroups = slices.Clone(pe.Cgroups)
		for j := range pe.Cgroups {
			pe.Cgroups[j].own()
		}
		pe.OOMScoreAdj = maps.Clone(pe.OOMScoreAdj)
		pe.Notes = slices.Clone(pe.Notes)
		if pe.CreationTimestamp != nil {
			t := *pe.CreationTimestamp
			pe.CreationTimestamp = &t
		}
		if pe.StartTime != nil {
			t := *pe.StartTime
			pe.StartTime = &t
		}
	}
}

// own gives the cgroup its own file map, files and notes. The files'
// slices are cut from one array per cgroup, each with its capacity
// limited to its length, so that appending to one copies it rather than
// overwriting the next.
func (cg *ExpectedCgroup) own() {
	cg.Notes = slices.Clone(cg.Notes)
	if cg.Files == nil {
		return
	}
	nstr, nex := 0, 0
	for _, f := range cg.Files {
		nstr += len(f.Accept)
		nex += len(f.Explained)
		for _, e := range f.Explained {
			nstr += len(e.Values)
		}
	}
	strs := make([]string, 0, nstr)
	exs := make([]ExplainedValue, 0, nex)
	cut := func(v []string) []string {
		if v == nil {
			return nil
		}
		i := len(strs)
		strs = append(strs, v...)
		return strs[i:len(strs):len(strs)]
	}
	files := make(map[string]ExpectedFile, len(cg.Files))
	for name, f := range cg.Files {
		f.Accept = cut(f.Accept)
		if f.Explained != nil {
			i := len(exs)
			for _, e := range f.Explained {
				e.Values = cut(e.Values)
				exs = append(exs, e)
			}
			f.Explained = exs[i:len(exs):len(exs)]
		}
		files[name] = f
	}
	cg.Files = files
}

// clone returns p with its own maps, slices and pointed-to values.
func (p Profile) clone() Profile {
	p.FeatureGates = maps.Clone(p.FeatureGates)
	k := &p.Kubelet
	if k.MemoryThrottlingFactor != nil {
		f := *k.MemoryThrottlingFactor
		k.MemoryThrottlingFactor = &f
	}
	if k.SingleProcessOOMKill != nil {
		b := *k.SingleProcessOOMKill
		k.SingleProcessOOMKill = &b
	}
	k.KubeReserved = k.KubeReserved.DeepCopy()
	k.SystemReserved = k.SystemReserved.DeepCopy()
	k.EnforceNodeAllocatable = slices.Clone(k.EnforceNodeAllocatable)
	k.QOSReserved = maps.Clone(k.QOSReserved)
	p.Machine.Capacity = p.Machine.Capacity.DeepCopy()
	return p
}
