package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"
)

type convertOptions struct {
	limits        string
	cgroupVersion string
	formula       string
	out           outputFlag
}

func newConvertCmd(s streams) *cobra.Command {
	o := &convertOptions{}
	c := &cobra.Command{
		Use:   "convert REQUESTS [--limits LIMITS]",
		Short: "Show every cgroup file a container with these requests and limits gets",
		Long: `Show every cgroup file, and its value as the kernel shows it, that a
container with the given requests and limits gets on a node running a
default v1.37.2 kubelet with containerd and runc.

REQUESTS and LIMITS are comma-separated resource=quantity pairs, in the
syntax of a pod spec: cpu (250m, 1.5), memory (100M, 256Mi) and
hugepages-<size> (hugepages-2Mi=4Mi). As the API server does, a resource
with a limit but no request gets the limit as its request. Use "" for no
requests.

The kubelet writes the pod cgroup itself and always uses the linear
shares-to-weight formula there; the container's cpu.weight depends on the
runtime: --weight-formula quadratic for runc >= 1.3.2 or crun >= 1.23,
linear for older runtimes.`,
		Example: `  # A Burstable container on cgroup v2 with runc >= 1.3.2
  kubectl-cgroups convert cpu=250m,memory=100M --limits cpu=1,memory=256Mi

  # The same on a cgroup v1 node
  kubectl-cgroups convert cpu=250m,memory=100M --limits cpu=1,memory=256Mi --cgroup-version v1

  # Limits only (requests default to the limits), as JSON
  kubectl-cgroups convert "" --limits cpu=500m,memory=128Mi -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return o.run(s, args[0])
		},
	}
	c.Flags().StringVar(&o.limits, "limits", "", "Resource limits, for example cpu=1,memory=256Mi.")
	c.Flags().StringVar(&o.cgroupVersion, "cgroup-version", "v2", "cgroup version of the node: v1 or v2.")
	c.Flags().StringVar(&o.formula, "weight-formula", "quadratic", "Shares-to-weight formula of the container runtime (cgroup v2): linear or quadratic.")
	addOutputFlag(c, &o.out, "table", "json", "yaml")
	return c
}

// conversion is the -o json/yaml document of the convert command.
type conversion struct {
	APIVersion    string                `json:"apiVersion"`
	Kind          string                `json:"kind"`
	CgroupVersion string                `json:"cgroupVersion"`
	WeightFormula string                `json:"weightFormula,omitempty"`
	Requests      map[string]string     `json:"requests"`
	Limits        map[string]string     `json:"limits"`
	Files         []conversionFile      `json:"files"`
	OCI           *specs.LinuxResources `json:"oci"`
	Notes         []string              `json:"notes,omitempty"`
}

type conversionFile struct {
	Name       string `json:"name"`
	Value      string `json:"value"`
	Derivation string `json:"derivation"`
}

func (o *convertOptions) run(s streams, requestsArg string) error {
	if err := o.out.validate(); err != nil {
		return err
	}
	v, err := convert.ParseCgroupVersion(o.cgroupVersion)
	if err != nil {
		return fmt.Errorf("--cgroup-version: %w", err)
	}
	formula, err := convert.ParseWeightFormula(o.formula)
	if err != nil || formula == convert.WeightUnknown {
		return fmt.Errorf("--weight-formula %q: want linear or quadratic", o.formula)
	}
	requests, err := parseResourceList("requests", requestsArg)
	if err != nil {
		return err
	}
	limits, err := parseResourceList("--limits", o.limits)
	if err != nil {
		return err
	}
	for name, q := range limits {
		if _, ok := requests[name]; !ok {
			requests[name] = q
		}
		if rq := requests[name]; rq.Cmp(q) > 0 {
			return fmt.Errorf("request %s=%s is above its limit %s", name, rq.String(), q.String())
		}
	}
	doc, err := containerConversion(requests, limits, v, formula)
	if err != nil {
		return err
	}
	if o.out.format != "table" {
		return printStructured(s.Out, o.out.format, doc)
	}
	tw := newTable(s.Out)
	fmt.Fprintln(tw, "FILE\tVALUE\tDERIVATION")
	for _, f := range doc.Files {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.Value, f.Derivation)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range doc.Notes {
		fmt.Fprintf(s.Out, "\nNote: %s\n", n)
	}
	return nil
}

// parseResourceList parses "cpu=250m,memory=100M" into quantities. Errors
// name the offending token.
func parseResourceList(what, arg string) (map[string]resource.Quantity, error) {
	out := map[string]resource.Quantity{}
	if strings.TrimSpace(arg) == "" {
		return out, nil
	}
	for tok := range strings.SplitSeq(arg, ",") {
		name, value, ok := strings.Cut(tok, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("%s: bad token %q: want resource=quantity, for example cpu=250m", what, tok)
		}
		if name != "cpu" && name != "memory" && !strings.HasPrefix(name, "hugepages-") {
			return nil, fmt.Errorf("%s: bad token %q: resource %q is not cpu, memory or hugepages-<size>", what, tok, name)
		}
		if strings.HasPrefix(name, "hugepages-") {
			if _, err := convert.ParseHugePageResourceName(name); err != nil {
				return nil, fmt.Errorf("%s: bad token %q: %w", what, tok, err)
			}
		}
		q, err := resource.ParseQuantity(strings.TrimSpace(value))
		if err != nil {
			return nil, fmt.Errorf("%s: bad token %q: %v", what, tok, err)
		}
		if q.Sign() < 0 {
			return nil, fmt.Errorf("%s: bad token %q: quantities may not be negative", what, tok)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s: resource %q given twice", what, name)
		}
		out[name] = q
	}
	return out, nil
}

// containerConversion computes the CRI resources a default v1.37.2
// kubelet sends for a lone container (cpuCFSQuota on, default period,
// MemoryQoS on with policy None and no throttling factor, NoSwap,
// singleProcessOOMKill unset), applies containerd's defaulting, and lets
// convert.OCIFiles produce the files.
func containerConversion(requests, limits map[string]resource.Quantity, v convert.CgroupVersion, f convert.WeightFormula) (*conversion, error) {
	doc := &conversion{
		APIVersion: apiVersion, Kind: "Conversion", CgroupVersion: v.String(),
		Requests: quantityStrings(requests), Limits: quantityStrings(limits),
	}
	if v == convert.CgroupV2 {
		doc.WeightFormula = f.String()
	}
	k8s := map[string]string{} // file → the Kubernetes side of the derivation

	res := &specs.LinuxResources{CPU: &specs.LinuxCPU{}, Memory: &specs.LinuxMemory{}}
	cpuReq, hasReq := requests["cpu"]
	milli := int64(0)
	if hasReq {
		milli = cpuReq.MilliValue()
	}
	shares := convert.MilliCPUToShares(milli)
	res.CPU.Shares = &shares
	if hasReq {
		k8s["shares"] = fmt.Sprintf("cpu request %s: %dm × 1024 / 1000 = %d shares", cpuReq.String(), milli, shares)
	} else {
		k8s["shares"] = "no cpu request: 2 shares (the minimum)"
	}
	period := convert.DefaultPeriodMicros
	res.CPU.Period = &period
	if lim, ok := limits["cpu"]; ok && lim.MilliValue() > 0 {
		q := convert.MilliCPUToQuota(lim.MilliValue(), period)
		res.CPU.Quota = &q
		k8s["quota"] = fmt.Sprintf("cpu limit %s: %dm × %d / 1000 = %d µs", lim.String(), lim.MilliValue(), period, q)
	} else {
		k8s["quota"] = "no cpu limit: no quota"
	}
	if lim, ok := limits["memory"]; ok && lim.Value() > 0 {
		b := lim.Value()
		res.Memory.Limit = &b
		res.Memory.Swap = &b // containerd: memory+swap = memory when the kubelet sends no swap
		k8s["memory"] = fmt.Sprintf("memory limit %s = %d bytes", lim.String(), b)
		if v == convert.CgroupV1 {
			k8s["memsw"] = "NoSwap: the kubelet sets memory+swap to the memory limit"
		}
	}
	var hugeNames []string
	for name := range limits {
		if strings.HasPrefix(name, "hugepages-") {
			hugeNames = append(hugeNames, name)
		}
	}
	sort.Strings(hugeNames)
	for _, name := range hugeNames {
		size, _ := convert.ParseHugePageResourceName(name)
		unit, err := convert.HugePageSizeName(size)
		if err != nil {
			return nil, fmt.Errorf("--limits: %s: %w", name, err)
		}
		q := limits[name]
		res.HugepageLimits = append(res.HugepageLimits, specs.LinuxHugepageLimit{Pagesize: unit, Limit: uint64(q.Value())})
	}
	if v == convert.CgroupV2 {
		res.Unified = map[string]string{
			"memory.oom.group": "1", // singleProcessOOMKill unset on v2
			"memory.min":       "0", // MemoryQoS on, memoryReservationPolicy None
			"memory.low":       "0",
			"memory.swap.max":  "0", // swapBehavior NoSwap with swap accounting
		}
		k8s["memory.oom.group"] = "kubelet: singleProcessOOMKill is not set, so the whole container is OOM-killed as a group"
		k8s["memory.min"] = "kubelet: MemoryQoS (on in 1.37) with memoryReservationPolicy None"
		k8s["memory.low"] = k8s["memory.min"]
		k8s["memory.swap.max"] = "kubelet: swapBehavior NoSwap"
		doc.Notes = append(doc.Notes, fmt.Sprintf("the pod cgroup is written by the kubelet with the linear formula: shares %d → cpu.weight %d.", shares, convert.SharesToWeightLinear(shares)))
	}
	files, err := convert.OCIFiles(res, convert.OCIOptions{Version: v, Formula: f, HugetlbRsvd: true})
	if err != nil {
		return nil, err
	}
	for _, fv := range files {
		var pre string
		switch {
		case fv.Name == "cpu.shares" || fv.Name == "cpu.weight":
			pre = k8s["shares"]
		case fv.Name == "cpu.max" || fv.Name == "cpu.cfs_quota_us":
			pre = k8s["quota"]
		case fv.Name == "memory.max" || fv.Name == "memory.limit_in_bytes":
			pre = k8s["memory"]
		case fv.Name == "memory.memsw.limit_in_bytes":
			pre = k8s["memsw"]
		default:
			pre = k8s[fv.Name]
		}
		d := fv.Derivation
		if pre != "" {
			d = pre + "; " + d
		}
		doc.Files = append(doc.Files, conversionFile{Name: fv.Name, Value: fv.Value, Derivation: d})
	}
	doc.OCI = res
	return doc, nil
}

func quantityStrings(m map[string]resource.Quantity) map[string]string {
	out := make(map[string]string, len(m))
	for k, q := range m {
		out[k] = q.String()
	}
	return out
}
