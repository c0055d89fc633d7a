package qos

import (
	"sync/atomic"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
)

// env is a profile resolved once (see resolve): everything the
// computation reads comes from here, grouped by where it comes from.
// An env is read-only once resolved, except for its shared build state.
type env struct {
	// p is the profile as resolved: capacity normalised, podPidsLimit
	// defaulted.
	p Profile
	// minor is the kubelet's minor version; the computation asks the
	// behaviours, the version only appears in explanations.
	minor int
	// gates is every feature gate's effective value.
	gates map[string]bool
	// v2 is the cgroup version; driver the kubelet's cgroup driver.
	v2     bool
	driver cgroupfs.Driver
	// formula is the OCI runtime's shares-to-weight conversion.
	formula convert.WeightFormula

	behaviours // of the kubelet's version
	switches   // from the feature gates and the kubelet configuration
	machine    // the node's capacity, page sizes and allocatable

	// notes are the profile-level notes of the expectation.
	notes []Note

	build
}

// switches are the kubelet settings the computation reads, resolved from
// the feature gates and the kubelet configuration.
type switches struct {
	plr, plrFixQOS, plrFixDefaulting, plrManagers bool
	memoryQoS                                     bool // gate on (cgroup version not considered)
	enforceMemoryQoS                              bool // gate on and cgroup v2
	tiered                                        bool // memoryReservationPolicy TieredReservation
	factor                                        *float64
	customPeriod                                  bool
	disableQuotaExclusive                         bool
	nodeSwap, dra, qosReserved                    bool
	singleProcessOOMKill                          bool
	staticCPU                                     bool // CPU manager policy static

	periodMicros      uint64 // configured period
	quotaPeriodMicros uint64 // the period MilliCPUToQuota and containers use
}

// machine is what the profile says about the node.
type machine struct {
	pageSize     int64
	hugeSizes    []uint64   // host huge page sizes, ascending
	huge         []hugeSize // the same, with their names, formatted once
	memCapacity  int64
	swapCapacity int64
	cpuCapacity  int64 // milli-CPU
	allocatable  corev1.ResourceList
}

// build is the state one Expect call shares between the env and its
// variants (see variant): both only make building faster and never
// change a value.
type build struct {
	// cache shares the file maps of equal cgroups (nil: none).
	cache *fileCache
	// files is the largest number of files a cgroup had so far: new
	// file maps are made that size.
	files *atomic.Int32
}

// newFiles returns an empty file map sized for a cgroup's files. A fixed
// hint of 16 would double a 13-file v2 map: Go rounds a map's groups of
// eight slots up to a power of two, so 16 entries take 32 slots where 13
// fit in 16.
func (e *env) newFiles() map[string]ExpectedFile {
	return make(map[string]ExpectedFile, max(8, int(e.files.Load())))
}

// sized records the size of a built file map for newFiles.
func (e *env) sized(files map[string]ExpectedFile) {
	for n := int32(len(files)); ; {
		old := e.files.Load()
		if n <= old || e.files.CompareAndSwap(old, n) {
			return
		}
	}
}

// hugeSize is a host huge page size and the names derived from it.
type hugeSize struct {
	size                uint64
	name                string // "2MB"
	why                 string // the key of its reason in criResources.why
	limitFile, rsvdFile string // of the profile's cgroup version
	unlimited           string // the limit file's value with no limit
}
