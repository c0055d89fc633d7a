package qos

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KindConversion is the kind of the Conversion document.
const KindConversion = "Conversion"

// Conversion is every cgroup file a lone container gets from a default
// v1.37.2 kubelet with containerd, kernel defaults included, with the
// derivation of each value (the document of `kubectl-cgroups convert -o
// json`).
type Conversion struct {
	APIVersion    string                `json:"apiVersion"`
	Kind          string                `json:"kind"`
	CgroupVersion string                `json:"cgroupVersion"`
	WeightFormula string                `json:"weightFormula,omitempty"`
	Requests      map[string]string     `json:"requests"`
	Limits        map[string]string     `json:"limits"`
	Files         []ConversionFile      `json:"files"`
	OCI           *specs.LinuxResources `json:"oci"`
	Notes         []string              `json:"notes,omitempty"`
}

// ConversionFile is one file of a Conversion.
type ConversionFile struct {
	Name       string `json:"name"`
	Value      string `json:"value"`
	Derivation string `json:"derivation"`
}

// ConvertContainer computes the CRI resources a default v1.37.2 kubelet
// sends for a lone container with these requests and limits (cpuCFSQuota
// on, default period, MemoryQoS on with policy None and no throttling
// factor, NoSwap, singleProcessOOMKill unset), applies containerd's
// defaulting, and lets convert.OCIFiles produce the files, for cgroup
// version v and, on v2, the runtime's shares-to-weight formula f. Every
// other file of the container's cgroup follows at the value [Expect]
// gives it (kernel defaults such as cpu.cfs_quota_us -1 on v1 without a
// CPU limit), so that the two agree. Requests should already carry the
// limits' defaults: a resource with a limit and no request gets the
// limit as its request, as the API server defaults a pod.
func ConvertContainer(requests, limits map[string]resource.Quantity, v convert.CgroupVersion, f convert.WeightFormula) (*Conversion, error) {
	doc := &Conversion{
		APIVersion: APIVersion, Kind: KindConversion, CgroupVersion: v.String(),
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
			return nil, fmt.Errorf("limits: %s: %w", name, err)
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
		doc.Files = append(doc.Files, ConversionFile{Name: fv.Name, Value: fv.Value, Derivation: d})
	}
	if err := addKernelDefaults(doc, requests, limits, v, f); err != nil {
		return nil, err
	}
	doc.OCI = res
	return doc, nil
}

// addKernelDefaults adds every other file the container's cgroup has, as
// [Expect] gives it for the same lone container on a [DefaultProfile] of
// cgroup version v (with runc 1.1, the last linear runtime, for the
// linear formula): the files nothing writes, at their kernel defaults
// (cpu.cfs_quota_us -1 without a CPU limit), and the hugetlb files of
// every page size. The list is sorted by name, as expect's.
func addKernelDefaults(doc *Conversion, requests, limits map[string]resource.Quantity, v convert.CgroupVersion, f convert.WeightFormula) error {
	p := DefaultProfile()
	p.CgroupVersion = v
	if f == convert.WeightLinear {
		p.Runtime.OCI = OCIRuntime{Name: "runc", Version: "1.1.15"}
	}
	c := corev1.Container{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}}
	for name, q := range requests {
		c.Resources.Requests[corev1.ResourceName(name)] = q
	}
	for name, q := range limits {
		c.Resources.Limits[corev1.ResourceName(name)] = q
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "convert", UID: "00000000-0000-0000-0000-000000000000"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}
	if err := p.DefaultPod(pod); err != nil {
		return err
	}
	x, err := Expect([]*corev1.Pod{pod}, p)
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, fl := range doc.Files {
		listed[fl.Name] = true
	}
	for _, cg := range x.Pods[0].Cgroups {
		if cg.Level != cgroupfs.LevelContainer || cg.Container != c.Name {
			continue
		}
		for name, ef := range cg.Files {
			if !listed[name] && len(ef.Accept) > 0 {
				doc.Files = append(doc.Files, ConversionFile{Name: name, Value: ef.Accept[0], Derivation: ef.Derivation})
			}
		}
	}
	sort.Slice(doc.Files, func(i, j int) bool { return doc.Files[i].Name < doc.Files[j].Name })
	return nil
}

// quantityStrings renders quantities as a pod spec writes them.
func quantityStrings(m map[string]resource.Quantity) map[string]string {
	out := make(map[string]string, len(m))
	for k, q := range m {
		out[k] = q.String()
	}
	return out
}
