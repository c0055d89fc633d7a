package qos

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// SourceInferred is the profile source of capacity inferred from the
// tree: the CPU count from kubepods cpuset.cpus, and, when the kubelet's
// reservations are not known either, memory and pids from the kubepods
// limits the kubelet wrote (allocatable, taken as the capacity with no
// reservation).
const SourceInferred = "inferred from tree"

// inference is what the tree proves about inputs not given, and what
// remains assumed.
type inference struct {
	// capacity holds the inferred capacity entries.
	capacity corev1.ResourceList
	// what says, per inferred entry, where it came from.
	what []string
	// guessed are the inputs still assumed.
	guessed []Guess
}

// infer works out, for a tree read with its kubepods files, which profile
// inputs are neither given (facts, overrides) nor proved by the tree, and
// infers those the tree proves.
func infer(node *cgroupfs.Node, facts Facts, o Overrides) inference {
	inf := inference{capacity: corev1.ResourceList{}}
	kubeletKnown := o.KubeletConfig != nil || facts.KubeletConfig != nil
	given := func(names ...corev1.ResourceName) bool {
		for _, n := range names {
			if _, ok := o.Capacity[n]; ok {
				return true
			}
		}
		return false
	}
	m := facts.Machine
	if m == nil {
		m = &cgroupfs.MachineInfo{}
	}
	var kp map[string]cgroupfs.File
	if node.Kubepods != nil {
		kp = node.Kubepods.Files
	}
	v1 := node.Mode.Version() == convert.CgroupV1

	if m.CPUs <= 0 && !given(corev1.ResourceCPU) {
		if n := cpusetCount(kp["cpuset.cpus"]); n > 0 {
			inf.capacity[corev1.ResourceCPU] = *resource.NewQuantity(int64(n), resource.DecimalSI)
			inf.what = append(inf.what, fmt.Sprintf("cpu %d from kubepods cpuset.cpus", n))
		} else {
			inf.guessed = append(inf.guessed, CapacityGuess(InputCPUCapacity, ReasonCapacityUnknown))
		}
	}
	memFile := "memory.max"
	if v1 {
		memFile = "memory.limit_in_bytes"
	}
	if m.MemoryBytes <= 0 && !given(corev1.ResourceMemory) {
		if v, ok := limitValue(kp[memFile]); ok && !kubeletKnown {
			inf.capacity[corev1.ResourceMemory] = *resource.NewQuantity(v, resource.BinarySI)
			inf.what = append(inf.what, fmt.Sprintf("memory %d from kubepods %s", v, memFile))
		} else {
			inf.guessed = append(inf.guessed, CapacityGuess(InputMemoryCapacity, ReasonCapacityUnknown))
		}
	}
	pidGiven := given(resourcePID, "pids")
	if m.PIDMax <= 0 && !pidGiven {
		if v, ok := limitValue(kp["pids.max"]); ok && !kubeletKnown {
			inf.capacity[resourcePID] = *resource.NewQuantity(v, resource.DecimalSI)
			inf.what = append(inf.what, fmt.Sprintf("pid %d from kubepods pids.max", v))
		} else {
			inf.guessed = append(inf.guessed, CapacityGuess(InputPIDCapacity, ReasonCapacityUnknown))
		}
	}
	for _, g := range facts.Guessed {
		if g.Input == InputPIDCapacity && pidGiven || g.Input == InputCPUCapacity && given(corev1.ResourceCPU) || g.Input == InputMemoryCapacity && given(corev1.ResourceMemory) {
			continue
		}
		inf.guessed = append(inf.guessed, g)
	}
	if !kubeletKnown {
		var except []Input
		if o.PodPidsLimit != nil {
			except = append(except, InputPodPidsLimit)
		}
		if len(o.FeatureGates) > 0 {
			except = append(except, InputMemoryQoS)
		}
		inf.guessed = append(inf.guessed, KubeletGuesses(except...)...)
	}
	return inf
}

// cpusetCount is the number of CPUs in a cpuset file; 0 when it is
// empty or unreadable.
func cpusetCount(f cgroupfs.File) int {
	if f.Err != nil || strings.TrimSpace(f.Raw) == "" {
		return 0
	}
	s, err := convert.ParseCPUSet(strings.TrimSpace(f.Raw))
	if err != nil {
		return 0
	}
	return s.Size()
}

// limitValue is a limit file's value when it is a limit ("max" and the
// kernel's unlimited values are not).
func limitValue(f cgroupfs.File) (int64, bool) {
	if f.Err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(f.Raw), 10, 64)
	if err != nil || v <= 0 || v >= 1<<62 {
		return 0, false
	}
	return v, true
}

// capacityGuessed reports whether some capacity input remains assumed.
func (inf inference) capacityGuessed() bool {
	for _, g := range inf.guessed {
		if strings.HasPrefix(string(g.Input), "capacity.") {
			return true
		}
	}
	return false
}
