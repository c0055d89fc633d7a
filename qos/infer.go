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
		n := cpusetCount(kp["cpuset.cpus"])
		milli, file := int64(0), ""
		if n == 0 && !kubeletKnown {
			milli, file = allocatableCPU(kp, v1)
		}
		switch {
		case n > 0:
			inf.capacity[corev1.ResourceCPU] = *resource.NewQuantity(int64(n), resource.DecimalSI)
			inf.what = append(inf.what, fmt.Sprintf("cpu %d from kubepods cpuset.cpus", n))
		case milli > 0:
			inf.capacity[corev1.ResourceCPU] = *resource.NewMilliQuantity(milli, resource.DecimalSI)
			inf.what = append(inf.what, fmt.Sprintf("cpu %dm from kubepods %s", milli, file))
		default:
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

// allocatableCPU is the allocatable milli-CPU the kubepods cpu.shares
// (v1) or cpu.weight (v2, the kubelet's linear conversion) shows, and
// that file's name; 0 when the file does not give one value back exactly.
func allocatableCPU(kp map[string]cgroupfs.File, v1 bool) (int64, string) {
	name := "cpu.weight"
	if v1 {
		name = "cpu.shares"
	}
	f, ok := kp[name]
	if !ok || f.Err != nil {
		return 0, name
	}
	v, err := strconv.ParseUint(strings.TrimSpace(f.Raw), 10, 64)
	if err != nil || v == 0 {
		return 0, name
	}
	shares := v
	if !v1 {
		// The smallest shares with that weight (weight = 1 +
		// (shares-2)*9999/262142).
		shares = ((v-1)*262142+9998)/9999 + convert.MinShares
	}
	milli := convert.SharesToMilliCPU(shares)
	back := convert.MilliCPUToShares(milli)
	if !v1 {
		back = convert.SharesToWeightLinear(back)
	}
	if milli <= 0 || back != v || shares <= convert.MinShares {
		return 0, name
	}
	if !v1 {
		// A weight stands for about 26 milli-CPUs: prefer whole CPUs
		// among them, as a machine without reservations has.
		for m := milli; m < milli+30; m++ {
			if m%1000 == 0 && convert.SharesToWeightLinear(convert.MilliCPUToShares(m)) == v {
				return m, name
			}
		}
	}
	return milli, name
}
