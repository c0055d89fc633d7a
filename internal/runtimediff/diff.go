package runtimediff

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Runtime is one runtime line as an adapter module drives it.
type Runtime struct {
	// Line names it in the report, such as "runc 1.4".
	Line string
	// OCI is the OCI runtime and version the profile names; it selects
	// the shares-to-weight formula of the prediction.
	OCI qos.OCIRuntime
	// CRI runs the CRI runtime's own conversion of the case's resources
	// into OCI resources (containerd's WithResources, or its sandbox
	// defaults with c.Sandbox); nil where that code cannot be imported.
	// Each case is compared through the CRI code when it is set, and
	// those with hugepage limits again with the prediction's OCI
	// resources handed to the OCI runtime (the OCI-to-files half, which
	// covers the limits containerd's defaults leave out); the OCI half
	// alone otherwise.
	CRI func(c Case) (*specs.LinuxResources, error)
	// CRIName names the CRI code in the report.
	CRIName string
	// SwapAccounting is the host's swap accounting as the CRI code sees it
	// (containerd probes the machine it runs on); nil lets cases vary it.
	SwapAccounting *bool
	// Apply runs the OCI runtime's conversion of res (runc's specconv)
	// and its cgroup manager's Set (fs on v1, fs2 on v2) on the cgroup
	// directory dir, which holds the files of [KernelFiles].
	Apply func(dir string, v convert.CgroupVersion, res *specs.LinuxResources) error
}

// Result counts a run.
type Result struct {
	Cases, Unexplained int
	// Failures describe the first unexplained differences.
	Failures []string
	// Refused counts the comparisons in which both sides refuse the
	// resources (the prediction with an error, the runtime or the kernel
	// with theirs): agreement, but no file to compare.
	Refused int
	// Paths says how the cases were run.
	Paths string
}

// Summary is the report line, "runc 1.4 v2: N cases, M unexplained".
func (r Result) Summary(line string, v convert.CgroupVersion) string {
	s := fmt.Sprintf("%s %s: %d cases, %d unexplained", line, v, r.Cases, r.Unexplained)
	if r.Refused > 0 {
		s += fmt.Sprintf(" (%d comparisons refused by both sides)", r.Refused)
	}
	if r.Paths != "" {
		s += "; " + r.Paths
	}
	return s
}

// maxFailures bounds the failures a Result keeps.
const maxFailures = 20

// Run draws n cases for cgroup version v from seed and compares each,
// using dir as scratch space for the cgroup directories.
func Run(rt Runtime, v convert.CgroupVersion, seed uint64, n int, dir string) Result {
	g := NewGenerator(seed)
	res := Result{Paths: "OCI half only (the CRI conversion is the prediction's)"}
	if rt.CRI != nil {
		res.Paths = "each through " + rt.CRIName + ", those with hugepage limits also as the OCI half"
	}
	cg := &cgroupDir{dir: filepath.Join(dir, "cg")}
	for range n {
		c := g.Next(v, rt.SwapAccounting)
		res.Cases++
		var diffs []Difference
		for _, viaCRI := range paths(rt, c) {
			ds, refused, err := compareCase(rt, c, viaCRI, cg)
			if err != nil {
				ds = append(ds, Difference{File: "(harness)", Ours: err.Error()})
			}
			if refused {
				res.Refused++
			}
			diffs = append(diffs, ds...)
		}
		for _, d := range diffs {
			if len(res.Failures) < maxFailures {
				res.Failures = append(res.Failures, fmt.Sprintf("%v\n    %v", c, d))
			}
		}
		if len(diffs) > 0 {
			res.Unexplained++
		}
	}
	return res
}

// paths are the ways case c is run: through the CRI code when there is
// one, and the OCI half. With CRI code, the OCI half adds something only
// where the CRI code's OCI resources differ from the prediction's by
// configuration: the hugepage limits containerd drops by default.
func paths(rt Runtime, c Case) []bool {
	switch {
	case rt.CRI == nil:
		return []bool{false}
	case len(c.CRI.HugepageLimits) > 0 && !c.Sandbox:
		return []bool{true, false}
	}
	return []bool{true}
}

// Difference is one file on which the prediction and the runtime differ.
// None is explained away: a difference is fixed in the prediction (or in
// this package's kernel model) once the runtime's source shows which side
// is right.
type Difference struct {
	// File is the file name, prefixed with the path the case took.
	File string
	// Ours is the prediction's accepted values (or its error).
	Ours string
	// Runtime is what the file reads after the runtime ran (or the
	// runtime's or kernel's error).
	Runtime string
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: ours %s, runtime %s", d.File, d.Ours, d.Runtime)
}

// Profile is the node profile of case c under rt: a v1.37 kubelet with
// the cgroupfs driver, containerd and rt's OCI runtime.
func Profile(rt Runtime, c Case) qos.Profile {
	p := qos.DefaultProfile()
	p.CgroupVersion = c.Version
	p.Runtime = qos.Runtime{CRI: qos.CRIContainerd, OCI: rt.OCI}
	p.Machine.PageSize = PageSize
	p.Machine.HugetlbRsvd = c.HugetlbRsvd
	p.Machine.SwapAccounting = c.SwapAccounting
	return p
}

// compareCase runs one case through both sides, through the runtime's
// CRI code with viaCRI.
func compareCase(rt Runtime, c Case, viaCRI bool, cg *cgroupDir) (diffs []Difference, refused bool, err error) {
	pred, ourErr := Profile(rt, c).ContainerRuntimeFiles(c.CRI, c.Sandbox)
	var oci *specs.LinuxResources
	var rtErr error
	via := "OCI half: "
	switch {
	case viaCRI:
		via = rt.CRIName + ": "
		oci, rtErr = rt.CRI(c)
	case ourErr == nil:
		oci, rtErr = deepCopy(pred.OCI)
	default:
		// The prediction refuses and there is no CRI code: hand runc the
		// CRI resources as containerd copies them.
		oci = copyCRI(c)
	}
	var got map[string]string
	if rtErr == nil {
		got, rtErr = runOCI(rt, c, oci, cg)
	}
	switch {
	case ourErr != nil && rtErr != nil:
		return nil, true, nil
	case ourErr != nil:
		return []Difference{{File: via + "(all)", Ours: "error: " + ourErr.Error(), Runtime: "ran"}}, false, nil
	case rtErr != nil:
		return []Difference{{File: via + "(all)", Ours: "files", Runtime: "error: " + rtErr.Error()}}, false, nil
	}
	initial := KernelFiles(c)
	for _, name := range slices.Sorted(maps.Keys(got)) {
		value := got[name]
		f, predicted := pred.Files[name]
		switch {
		case predicted && f.Accepts(value):
			continue
		case !predicted && value == initial[name]:
			continue // a file the prediction does not cover, untouched
		}
		d := Difference{File: via + name, Runtime: fmt.Sprintf("%q", value), Ours: "(not predicted)"}
		if predicted {
			d.Ours = fmt.Sprintf("%q", f.Accept)
		}
		diffs = append(diffs, d)
	}
	for _, name := range slices.Sorted(maps.Keys(pred.Files)) {
		if _, ok := got[name]; !ok {
			diffs = append(diffs, Difference{File: via + name, Ours: fmt.Sprintf("%q", pred.Files[name].Accept), Runtime: "(no such file on this host)"})
		}
	}
	return diffs, false, nil
}

// cgroupDir is the simulated cgroup directory, reused from case to case;
// disk is what its files hold.
type cgroupDir struct {
	dir  string
	disk map[string]string
}

// reset makes the directory hold exactly the files of initial, writing
// only those that differ.
func (cg *cgroupDir) reset(initial map[string]string) error {
	if cg.disk == nil {
		if err := os.RemoveAll(cg.dir); err != nil {
			return err
		}
		if err := os.MkdirAll(cg.dir, 0o700); err != nil {
			return err
		}
		cg.disk = map[string]string{}
	}
	for name := range cg.disk {
		if _, ok := initial[name]; !ok {
			if err := os.Remove(filepath.Join(cg.dir, name)); err != nil {
				return err
			}
			delete(cg.disk, name)
		}
	}
	for name, v := range initial {
		if cg.disk[name] == v+"\n" {
			continue
		}
		if err := os.WriteFile(filepath.Join(cg.dir, name), []byte(v+"\n"), 0o600); err != nil {
			return err
		}
		cg.disk[name] = v + "\n"
	}
	return nil
}

// runOCI prepares the cgroup directory, lets the runtime write it and
// returns every file as the kernel would show it.
func runOCI(rt Runtime, c Case, oci *specs.LinuxResources, cg *cgroupDir) (_ map[string]string, err error) {
	defer func() {
		if err != nil {
			cg.disk = nil // unknown: start the next case from an empty directory
		}
	}()
	initial := KernelFiles(c)
	if err := cg.reset(initial); err != nil {
		return nil, err
	}
	dir := cg.dir
	if err := rt.Apply(dir, c.Version, oci); err != nil {
		return nil, fmt.Errorf("%s: %w", rt.Line, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	got := map[string]string{}
	cg.disk = map[string]string{}
	for _, e := range entries {
		name := e.Name()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		cg.disk[name] = string(b)
		written := strings.TrimSuffix(string(b), "\n")
		init, exists := initial[name]
		switch {
		case !exists && strings.Contains(name, ".rsvd."):
			// The kernel has no such file: runc's hugetlb writer sees
			// ENOENT and skips the .rsvd files (fs/hugetlb.go, fs2/hugetlb.go).
			continue
		case !exists:
			return nil, fmt.Errorf("%s writes %s = %q, a file this kernel does not have (ENOENT)", rt.Line, name, written)
		case written == init:
			got[name] = init
			continue
		}
		if name == "cpu.max" && !strings.Contains(written, " ") {
			written += " 100000" // a single token keeps the period
		}
		v, err := ReadBack(c.Version, name, written)
		if err != nil {
			return nil, err
		}
		got[name] = v
	}
	if c.Version == convert.CgroupV1 && c.SwapAccounting {
		// memory.memsw.limit_in_bytes below memory.limit_in_bytes is EINVAL.
		mem, _ := memoryPages(c.Version, got["memory.limit_in_bytes"])
		sw, _ := memoryPages(c.Version, got["memory.memsw.limit_in_bytes"])
		if sw < mem {
			return nil, fmt.Errorf("memory.memsw.limit_in_bytes %s below memory.limit_in_bytes %s: %w", got["memory.memsw.limit_in_bytes"], got["memory.limit_in_bytes"], ErrKernel)
		}
	}
	return got, nil
}

// copyCRI is containerd's WithResources reduced to the fields the
// generator fills, for the cases the prediction refuses: non-zero values
// are copied, memory+swap defaults to the memory limit with swap
// accounting, hugepage limits are dropped (disable_hugetlb_controller).
func copyCRI(c Case) *specs.LinuxResources {
	r := c.CRI
	res := &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: r.CPUSetCPUs, Mems: r.CPUSetMems}, Memory: &specs.LinuxMemory{}}
	if r.CPUPeriod != 0 {
		p := uint64(r.CPUPeriod)
		res.CPU.Period = &p
	}
	if r.CPUQuota != 0 {
		res.CPU.Quota = &r.CPUQuota
	}
	if r.CPUShares != 0 {
		s := uint64(r.CPUShares)
		res.CPU.Shares = &s
	}
	if r.MemoryLimit != 0 {
		res.Memory.Limit = &r.MemoryLimit
		if r.MemorySwapLimit == 0 && c.SwapAccounting {
			res.Memory.Swap = &r.MemoryLimit
		}
	}
	if r.MemorySwapLimit != 0 && c.SwapAccounting {
		res.Memory.Swap = &r.MemorySwapLimit
	}
	if len(r.Unified) > 0 {
		res.Unified = maps.Clone(r.Unified)
	}
	return res
}

func deepCopy(r *specs.LinuxResources) (*specs.LinuxResources, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var out specs.LinuxResources
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
