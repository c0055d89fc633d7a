package runtimediff

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
)

// Huge page sizes of the simulated host: the two x86_64 sizes that
// [qos.DefaultMachine] lists.
const (
	Huge2M uint64 = 2 << 20
	Huge1G uint64 = 1 << 30
)

// HostCPUs is the number of CPUs of the simulated host (cpusets stay in
// 0..HostCPUs-1, as the parent cgroup's cpuset would require).
const HostCPUs = 8

// Case is one random input: the CRI resources of a container (or, with
// Sandbox, the kubelet's pod-level sandbox resources) on a host.
type Case struct {
	// Index is the case number within its run; Seed the run's seed.
	Index int
	Seed  uint64
	// Version is the host's cgroup version.
	Version convert.CgroupVersion
	// Sandbox marks the kubelet's LinuxPodSandboxConfig resources (the
	// pod totals) sent for the pause container.
	Sandbox bool
	// CRI is the resources message.
	CRI qos.CRIResources
	// HugetlbRsvd and SwapAccounting describe the host's kernel.
	HugetlbRsvd, SwapAccounting bool
}

// String names the case for failure messages.
func (c Case) String() string {
	kind := "container"
	if c.Sandbox {
		kind = "sandbox"
	}
	return fmt.Sprintf("case %d (seed %d, %s, %s, rsvd=%v, swapacct=%v) CRI %+v", c.Index, c.Seed, c.Version, kind, c.HugetlbRsvd, c.SwapAccounting, c.CRI)
}

// Generator draws cases reproducibly from a seed.
type Generator struct {
	rng  *rand.Rand
	seed uint64
	n    int
}

// NewGenerator returns a generator whose cases depend only on seed.
func NewGenerator(seed uint64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), seed: seed}
}

func (g *Generator) chance(p float64) bool { return g.rng.Float64() < p }

// pick returns one of vs.
func pick[T any](g *Generator, vs ...T) T { return vs[g.rng.IntN(len(vs))] }

// Next draws a case for cgroup version v. swapAccounting is the host's
// swap accounting when the adapter cannot choose it (containerd probes the
// machine it runs on); nil draws it.
func (g *Generator) Next(v convert.CgroupVersion, swapAccounting *bool) Case {
	c := Case{Index: g.n, Seed: g.seed, Version: v}
	g.n++
	c.HugetlbRsvd = g.chance(0.7)
	if swapAccounting != nil {
		c.SwapAccounting = *swapAccounting
	} else {
		c.SwapAccounting = g.chance(0.8)
	}
	c.Sandbox = g.chance(0.1)
	r := &c.CRI
	r.CPUShares = g.shares()
	r.CPUPeriod, r.CPUQuota = g.quota()
	r.MemoryLimit = g.memory()
	if v == convert.CgroupV1 && c.SwapAccounting && r.MemoryLimit > 0 {
		// The kubelet's NoSwap on v1: memory+swap = the memory limit;
		// now and then a larger memory+swap, as a CRI client may send.
		r.MemorySwapLimit = r.MemoryLimit
		if g.chance(0.1) {
			r.MemorySwapLimit += g.rng.Int64N(1 << 32)
		}
	}
	if g.chance(0.3) {
		r.CPUSetCPUs = g.cpuset(HostCPUs)
		if g.chance(0.5) {
			r.CPUSetMems = "0"
		}
	}
	if g.chance(0.6) {
		r.HugepageLimits = map[uint64]uint64{Huge2M: g.huge(Huge2M), Huge1G: g.huge(Huge1G)}
	}
	if v == convert.CgroupV2 {
		r.Unified = g.unified(r.MemoryLimit, c.SwapAccounting)
	}
	return c
}

// shares covers 2..262144: the kubelet's values for milli-CPU requests,
// log-uniform and uniform draws, and the edges.
func (g *Generator) shares() int64 {
	switch g.rng.IntN(5) {
	case 0:
		return pick[int64](g, 2, 3, 4, 10, 102, 1024, 1025, 2048, 262142, 262143, 262144)
	case 1:
		return int64(convert.MilliCPUToShares(g.rng.Int64N(256000)))
	case 2:
		return 2 + g.rng.Int64N(262143)
	case 3:
		return 0 // no shares sent
	}
	// log-uniform in [2, 262144]
	e := 1 + g.rng.Float64()*17
	s := int64(1) << int(e)
	return min(max(2, s+g.rng.Int64N(s)), 262144)
}

// quota returns a CFS period and quota: none, a period alone, the
// kubelet's limit-derived quota, -1 (exclusive CPUs) or raw values.
func (g *Generator) quota() (period, quota int64) {
	period = 100000
	if g.chance(0.2) {
		period = 1000 + g.rng.Int64N(999001)
	}
	if g.chance(0.02) {
		// Values the kernel refuses (the kubelet never sends them): a
		// quota below 1 ms or a period outside 1 ms..1 s.
		if g.chance(0.5) {
			return period, 1 + g.rng.Int64N(999)
		}
		return pick[int64](g, 1+g.rng.Int64N(999), 1000001+g.rng.Int64N(1000000)), 100000
	}
	switch g.rng.IntN(6) {
	case 0:
		return 0, 0
	case 1:
		return period, 0
	case 2:
		return period, -1
	case 3:
		return 0, 1000 + g.rng.Int64N(10000000)
	}
	milli := 1 + g.rng.Int64N(64000)
	q := milli * period / 1000
	return period, max(q, 1000)
}

// memory returns 0 (no limit), or a limit of an odd, page-aligned or
// binary-unit size.
func (g *Generator) memory() int64 {
	switch g.rng.IntN(5) {
	case 0:
		return 0
	case 1:
		return 1 + g.rng.Int64N(1<<40) // odd sizes
	case 2:
		return (1 + g.rng.Int64N(1<<26)) * 4096
	case 3:
		return (1 + g.rng.Int64N(1<<16)) << 20
	}
	return pick[int64](g, 1, 4095, 4096, 4097, 6<<20, 1<<30+1, 123456789)
}

// huge returns a hugepage limit: 0 (what the kubelet sends for sizes the
// container does not ask for), whole pages, or an odd byte count.
func (g *Generator) huge(size uint64) uint64 {
	switch g.rng.IntN(4) {
	case 0, 1:
		return 0
	case 2:
		return size * uint64(1+g.rng.IntN(64))
	}
	return 1 + g.rng.Uint64N(size*16)
}

// cpuset returns a list such as "0-3", "1,3,5-7" or "2".
func (g *Generator) cpuset(n int) string {
	var cpus []int
	for i := range n {
		if g.chance(0.5) {
			cpus = append(cpus, i)
		}
	}
	if len(cpus) == 0 {
		cpus = []int{g.rng.IntN(n)}
	}
	// Write them unnormalised now and then ("0,1,2" rather than "0-2").
	out := ""
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 && g.chance(0.7) {
			j++
		}
		if out != "" {
			out += ","
		}
		if j > i {
			out += strconv.Itoa(cpus[i]) + "-" + strconv.Itoa(cpus[j])
		} else {
			out += strconv.Itoa(cpus[i])
		}
		i = j + 1
	}
	return out
}

// unified returns the unified keys a kubelet sends on v2: memory.oom.group,
// memory.swap.max (NoSwap or LimitedSwap), MemoryQoS's memory.min,
// memory.low and memory.high.
func (g *Generator) unified(limit int64, swapAccounting bool) map[string]string {
	u := map[string]string{}
	if g.chance(0.8) {
		u["memory.oom.group"] = "1"
	}
	if swapAccounting {
		switch g.rng.IntN(3) {
		case 0:
			u["memory.swap.max"] = "0"
		case 1:
			u["memory.swap.max"] = strconv.FormatInt(g.rng.Int64N(1<<34), 10)
		}
	}
	switch g.rng.IntN(4) {
	case 0:
		u["memory.high"] = "max"
	case 1:
		req := g.rng.Int64N(1 << 34)
		u["memory.min"] = strconv.FormatInt(req, 10)
		if limit > 0 && g.chance(0.7) {
			h := req + (limit-req)*9/10
			u["memory.high"] = strconv.FormatInt(max(h, 0)/4096*4096, 10)
		}
	case 2:
		u["memory.min"], u["memory.low"] = "0", "0"
		if g.chance(0.5) {
			u["memory.low"] = strconv.FormatInt(g.rng.Int64N(1<<34), 10)
		}
	}
	if len(u) == 0 {
		return nil
	}
	return u
}

// parseOCI parses "runc-1.1.15".
func parseOCI(s string) (qos.OCIRuntime, error) {
	return qos.ParseOCIRuntime(s)
}
