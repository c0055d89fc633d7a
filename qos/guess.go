package qos

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/internal/safetext"
)

// Input names a profile input that predicted values rest on.
type Input string

// The inputs a caller may have had to assume. Capacity inputs are the
// machine's; kubelet inputs are settings of the kubelet's configuration.
const (
	// InputCPUCapacity is the machine's CPU count (kubepods cpu.shares or
	// cpu.weight, cpuset.cpus).
	InputCPUCapacity Input = "capacity.cpu"
	// InputMemoryCapacity is the machine's memory (kubepods memory.max).
	InputMemoryCapacity Input = "capacity.memory"
	// InputPIDCapacity is the kubelet's pid capacity, min(pid_max,
	// threads-max) (kubepods pids.max).
	InputPIDCapacity Input = "capacity.pid"
	// InputCPUCFSQuotaPeriod is the kubelet's cpuCFSQuotaPeriod (the CFS
	// period of pods and containers, and their quotas).
	InputCPUCFSQuotaPeriod Input = "kubelet.cpuCFSQuotaPeriod"
	// InputPodPidsLimit is the kubelet's podPidsLimit (pod pids.max).
	InputPodPidsLimit Input = "kubelet.podPidsLimit"
	// InputReserved is the kubelet's kubeReserved, systemReserved and
	// enforceNodeAllocatable (kubepods values are capacity minus them).
	InputReserved Input = "kubelet.reserved"
	// InputMemoryQoS is the kubelet's feature gates and
	// memoryThrottlingFactor (memory.high, memory.min, memory.low).
	InputMemoryQoS Input = "kubelet.memoryQoS"
	// InputMemorySwap is the kubelet's memorySwap and failSwapOn
	// (memory.swap.max).
	InputMemorySwap Input = "kubelet.memorySwap"
	// InputQOSReserved is the kubelet's qosReserved (QoS tier memory
	// limits).
	InputQOSReserved Input = "kubelet.qosReserved"
)

// kubeletInputs are the kubelet settings a missing kubelet configuration
// leaves at their defaults.
var kubeletInputs = []Input{InputCPUCFSQuotaPeriod, InputPodPidsLimit, InputReserved, InputMemoryQoS, InputMemorySwap, InputQOSReserved}

// Guess is a profile input the caller had to assume: a value that rests
// on it and differs from the prediction is StatusUnverified (naming the
// input and how to supply it), not drift.
type Guess struct {
	// Input is the assumed input.
	Input Input `json:"input"`
	// Reason says why it was assumed: ReasonCapacityUnknown,
	// ReasonCapacityUncertain or ReasonKubeletConfigUnknown.
	Reason Reason `json:"reason"`
	// Supply says which flag or permission gives the real value
	// ("--node-capacity cpu=N").
	Supply string `json:"supply"`
}

// Supplies of the inputs, for guesses made by Check.
const (
	supplyKubeletConfig = "--node-config (a KubeletConfiguration file or the kubelet's /configz; in cluster mode, get on nodes/proxy)"
)

// CapacityGuess is the guess of an unknown capacity input, with the flag
// that supplies it.
func CapacityGuess(in Input, reason Reason) Guess {
	name := strings.TrimPrefix(string(in), "capacity.")
	if in == InputPIDCapacity {
		name = "pids"
	}
	return Guess{Input: in, Reason: reason, Supply: "--node-capacity " + name + "=N"}
}

// KubeletGuesses are the guesses of a missing kubelet configuration: every
// kubelet input (kubelet.*) but those in except (settings a flag gave).
func KubeletGuesses(except ...Input) []Guess {
	var out []Guess
	for _, in := range kubeletInputs {
		if !slices.Contains(except, in) {
			out = append(out, Guess{Input: in, Reason: ReasonKubeletConfigUnknown, Supply: supplyKubeletConfig})
		}
	}
	return out
}

// guessOf returns the guess a differing file rests on, nil when none: the
// file's value must depend on the guessed input, and the value read must
// be one that input could explain (a CFS quota is unverified only when
// its period differs too).
func (d *differ) guessOf(level cgroupfs.Level, name string, ec *ExpectedCgroup, ac *cgroupfs.Cgroup, actual string) *Guess {
	if len(d.opts.Guessed) == 0 {
		return nil
	}
	for _, in := range fileInputs(level, name, ec, ac, actual) {
		for i := range d.opts.Guessed {
			if d.opts.Guessed[i].Input == in {
				return &d.opts.Guessed[i]
			}
		}
	}
	return nil
}

// fileInputs lists the inputs a differing value of the file may be due to.
func fileInputs(level cgroupfs.Level, name string, ec *ExpectedCgroup, ac *cgroupfs.Cgroup, actual string) []Input {
	node := level == cgroupfs.LevelKubepods
	tier := level == cgroupfs.LevelBurstable || level == cgroupfs.LevelBestEffort
	switch name {
	case "cpu.shares", "cpu.weight":
		if node {
			return []Input{InputCPUCapacity, InputReserved}
		}
	case "cpuset.cpus":
		if node {
			return []Input{InputCPUCapacity}
		}
	case "memory.max", "memory.limit_in_bytes":
		switch {
		case node:
			return []Input{InputMemoryCapacity, InputReserved}
		case tier:
			return []Input{InputQOSReserved}
		}
	case "pids.max":
		switch {
		case node:
			return []Input{InputPIDCapacity, InputReserved}
		case level == cgroupfs.LevelPod:
			return []Input{InputPodPidsLimit}
		}
	case "cpu.cfs_period_us":
		return []Input{InputCPUCFSQuotaPeriod}
	case "cpu.max":
		// Only a differing period: the same period with another quota
		// is not what cpuCFSQuotaPeriod changes.
		if ef, ok := ec.Files[name]; ok && len(ef.Accept) > 0 && cpuMaxPeriod(actual) != cpuMaxPeriod(ef.Accept[0]) {
			return []Input{InputCPUCFSQuotaPeriod}
		}
	case "cpu.cfs_quota_us":
		ef, ok := ec.Files["cpu.cfs_period_us"]
		af, ok2 := ac.Files["cpu.cfs_period_us"]
		if ok && ok2 && af.Err == nil && !slices.Contains(ef.Accept, af.Raw) {
			return []Input{InputCPUCFSQuotaPeriod}
		}
	case "memory.high", "memory.min", "memory.low":
		return []Input{InputMemoryQoS}
	case "memory.swap.max", "memory.memsw.limit_in_bytes":
		return []Input{InputMemorySwap}
	}
	return nil
}

func cpuMaxPeriod(v string) string {
	_, p, _ := strings.Cut(v, " ")
	return p
}

// unverifiedMessage says what a differing value rests on.
func unverifiedMessage(g *Guess, ef ExpectedFile, actual string) string {
	what := "assumed"
	switch g.Reason {
	case ReasonCapacityUnknown:
		what = "not known, so the default was assumed"
	case ReasonCapacityUncertain:
		what = "taken from a source that may not be the kubelet's"
	case ReasonKubeletConfigUnknown:
		what = "not known (no kubelet configuration), so the v1.37 default was assumed"
	}
	return fmt.Sprintf("expected %s, found %s; the value rests on %s, which was %s: give %s to verify it", strings.Join(quoteAll(ef.Accept), " or "), actual, g.Input, what, g.Supply)
}

// groupUnverified adds one note per cause shared by unverified results
// (the file, the value read and the guessed input), with a hint at the
// setting that would give that value.
func (d *differ) groupUnverified() {
	if d.r.Summary.Unverified == 0 {
		return
	}
	type key struct {
		file, actual string
		input        Input
	}
	type group struct {
		n        int
		expected []string
		reason   Reason
		levels   map[cgroupfs.Level]bool
	}
	type fileAt struct {
		file  string
		level cgroupfs.Level
	}
	var order []key
	groups := map[key]*group{}
	perLevel := map[fileAt]int{}
	for _, r := range d.r.Results {
		if r.File == "" {
			continue
		}
		perLevel[fileAt{r.File, r.Level}]++
		if r.Status != StatusUnverified {
			continue
		}
		k := key{r.File, groupValue(r.File, r.Actual), r.Input}
		gr := groups[k]
		if gr == nil {
			gr = &group{expected: r.Expected, reason: r.Reason, levels: map[cgroupfs.Level]bool{}}
			groups[k] = gr
			order = append(order, k)
		}
		gr.n++
		gr.levels[r.Level] = true
	}
	for _, k := range order {
		gr := groups[k]
		// The files of that name at the group's levels.
		compared := 0
		var level cgroupfs.Level
		for l := range gr.levels {
			compared += perLevel[fileAt{k.file, l}]
			level = l
		}
		what := k.file
		if len(gr.levels) == 1 {
			what = string(level) + " " + k.file
		}
		var count string
		switch {
		case gr.n == 1 && compared == 1:
			count = "the " + what + " reads"
		case gr.n == compared:
			count = fmt.Sprintf("every %s (%d files) reads", what, gr.n)
		case gr.n == 1:
			count = fmt.Sprintf("1 of %d %s files reads", compared, what)
		default:
			count = fmt.Sprintf("%d of %d %s files read", gr.n, compared, what)
		}
		value := strconv.Quote(safetext.Truncate(k.actual, safetext.DefaultMaxBytes)) + ", not " + strings.Join(quoteAll(gr.expected), " or ")
		switch k.file {
		case "cpu.cfs_quota_us":
			count = strings.TrimSuffix(strings.TrimSuffix(count, " reads"), " read") + " differ"
			value = "under a CFS period that differs too"
		case "cpu.max":
			value = "a period of " + strconv.Quote(k.actual)
			count = strings.TrimSuffix(strings.TrimSuffix(count, " reads"), " read") + " show"
		}
		supply := ""
		for _, g := range d.opts.Guessed {
			if g.Input == k.input {
				supply = g.Supply
				break
			}
		}
		d.note(gr.reason, fmt.Sprintf("unverified: %s %s: %s? give %s", count, value, guessHint(k.input, k.file, k.actual), supply))
	}
}

// groupValue is what unverified results of a file share when they have
// one cause: the value read; the period of a cpu.max; nothing for CFS
// quotas (each differs with its period).
func groupValue(file, actual string) string {
	switch file {
	case "cpu.cfs_quota_us":
		return ""
	case "cpu.max":
		return cpuMaxPeriod(actual)
	}
	return actual
}

// guessHint names the input value that would explain a reading (a group
// value of the file).
func guessHint(in Input, file, actual string) string {
	switch in {
	case InputCPUCFSQuotaPeriod:
		if us, err := strconv.ParseInt(actual, 10, 64); err == nil && us > 0 && file != "cpu.cfs_quota_us" {
			return "cpuCFSQuotaPeriod=" + (time.Duration(us) * time.Microsecond).String()
		}
	case InputPodPidsLimit:
		if actual == "max" {
			return "podPidsLimit=-1"
		}
		if _, err := strconv.ParseInt(actual, 10, 64); err == nil {
			return "podPidsLimit=" + actual
		}
	case InputMemoryCapacity, InputPIDCapacity:
		if _, err := strconv.ParseInt(actual, 10, 64); err == nil {
			return fmt.Sprintf("%s capacity %s plus any reservation", strings.TrimPrefix(string(in), "capacity."), actual)
		}
	case InputReserved:
		return "kubeReserved or systemReserved"
	}
	if file == "cpu.cfs_quota_us" {
		return "quotas scaled to another cpuCFSQuotaPeriod"
	}
	return "another " + string(in)
}
