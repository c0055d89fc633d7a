package qos

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
)

// resourceConfig is what the kubelet writes to a cgroup it manages itself
// (ResourceConfig in pkg/kubelet/cm), with the reason of each value. nil
// pointers are fields the kubelet leaves alone.
type resourceConfig struct {
	shares   *uint64
	sharesBy string

	quota   *int64
	period  *uint64
	quotaBy string

	memory   *int64
	memoryBy string

	pids   *int64
	pidsBy string

	// hugePages maps page sizes to limits; the kubelet writes 0 for every
	// host size missing here (pkg/kubelet/cm/cgroup_manager_linux.go:
	// maybeSetHugetlb, v1.37.2).
	hugePages map[uint64]int64
	hugeBy    map[uint64]string

	unified   map[string]string
	unifiedBy map[string]string

	cpuset   string
	cpusetBy string
}

func (rc *resourceConfig) setUnified(key, value, why string) {
	if rc.unified == nil {
		rc.unified = map[string]string{}
		rc.unifiedBy = map[string]string{}
	}
	rc.unified[key] = value
	rc.unifiedBy[key] = why
}

func file(value, derivation string) ExpectedFile {
	return ExpectedFile{Accept: []string{value}, Derivation: derivation}
}

// kubeletFiles returns every file of a kubelet-written cgroup (kubepods,
// tiers, pods): toResources in pkg/kubelet/cm and the opencontainers/
// cgroups writes, then the kernel's read-back. The kubelet converts
// shares to cpu.weight with its linear formula whatever the runtime does.
func (e *env) kubeletFiles(rc *resourceConfig) map[string]ExpectedFile {
	files := e.newFiles()
	defer e.sized(files)
	ps := e.pageSize
	v := e.p.CgroupVersion
	untouched := "kernel default: the kubelet does not set it"

	// CPU weight or shares.
	if e.v2 {
		if rc.shares != nil {
			w := convert.SharesToWeightLinear(*rc.shares)
			f := file(strconv.FormatUint(w, 10), fmt.Sprintf("%s; kubelet (linear) cpu.weight = 1 + (%d - 2) x 9999 / 262142 = %d", rc.sharesBy, *rc.shares, w))
			if *rc.shares >= convert.MaxShares {
				f.Derivation = fmt.Sprintf("%s; kubelet cpu.weight = 10000 (shares at the maximum)", rc.sharesBy)
			}
			f.Shares = *rc.shares
			files["cpu.weight"] = f
		} else {
			files["cpu.weight"] = file("100", untouched)
		}
	} else {
		if rc.shares != nil {
			s := convert.ClampShares(*rc.shares)
			files["cpu.shares"] = file(strconv.FormatUint(s, 10), rc.sharesBy)
		} else {
			files["cpu.shares"] = file("1024", untouched)
		}
	}

	// CPU quota and period.
	var quota int64
	var period uint64
	if rc.quota != nil {
		quota = *rc.quota
	}
	if rc.period != nil {
		period = *rc.period
	}
	if e.v2 {
		if quota != 0 || period != 0 {
			p := period
			if p == 0 {
				p = convert.DefaultPeriodMicros
			}
			m := convert.CPUMax{QuotaMicros: quota, PeriodMicros: p}
			if quota <= 0 {
				m.QuotaMicros = convert.UnlimitedQuota
			}
			files["cpu.max"] = e.quotaFile(m.String(), rc.quotaBy, quota, p, func(q int64) string {
				return convert.CPUMax{QuotaMicros: q, PeriodMicros: p}.String()
			})
		} else {
			files["cpu.max"] = file("max 100000", orDefault(rc.quotaBy, untouched))
		}
	} else {
		if quota != 0 {
			p := period
			if p == 0 {
				p = convert.DefaultPeriodMicros
			}
			files["cpu.cfs_quota_us"] = e.quotaFile(convert.FormatCFSQuota(quota), rc.quotaBy, quota, p, convert.FormatCFSQuota)
		} else {
			files["cpu.cfs_quota_us"] = file("-1", orDefault(rc.quotaBy, untouched))
		}
		if period != 0 {
			files["cpu.cfs_period_us"] = file(strconv.FormatUint(period, 10), fmt.Sprintf("cpu.cfs_period_us = cpuCFSQuotaPeriod %d us", period))
		} else {
			files["cpu.cfs_period_us"] = file("100000", untouched)
		}
	}

	// Memory limit.
	memFile := "memory.max"
	if !e.v2 {
		memFile = "memory.limit_in_bytes"
	}
	if rc.memory != nil && *rc.memory != 0 {
		files[memFile] = file(convert.FormatMemory(*rc.memory, v, ps), fmt.Sprintf("%s%s", rc.memoryBy, pageNote(*rc.memory, ps)))
	} else {
		files[memFile] = file(convert.FormatMemory(-1, v, ps), orDefault(rc.memoryBy, untouched+" (no limit)"))
	}
	if !e.v2 && e.p.Machine.SwapAccounting {
		files["memory.memsw.limit_in_bytes"] = file(convert.FormatMemory(-1, v, ps), untouched+" (no limit)")
	}

	// PIDs.
	if rc.pids != nil {
		n := *rc.pids
		val := convert.FormatPidsMax(n)
		why := rc.pidsBy
		if n == 0 && e.has(pidsZeroIsOne) {
			val = "1"
			why += "; opencontainers/cgroups writes a limit of 0 as 1"
		}
		files["pids.max"] = file(val, why)
	} else {
		files["pids.max"] = file("max", untouched)
	}

	// Hugetlb: every host size, 0 for those not given.
	for _, h := range e.huge {
		size, name := h.size, h.name
		limit, ok := rc.hugePages[size]
		why := rc.hugeBy[size]
		if !ok {
			why = "kubelet writes 0 for every host huge page size the config does not list"
		}
		val := convert.FormatHugetlb(limit, size, v, ps)
		if r := convert.RoundDownToHugePages(limit, size, ps); r != limit && limit >= 0 {
			why += fmt.Sprintf(", rounded down to whole %s pages", name)
		}
		files[h.limitFile] = file(val, why)
		if e.p.Machine.HugetlbRsvd {
			files[h.rsvdFile] = file(val, why+" (also written to the reservation limit)")
		}
	}

	// Unified keys (v2 only): MemoryQoS.
	if e.v2 {
		for _, k := range []string{"memory.min", "memory.low", "memory.high"} {
			if val, ok := rc.unified[k]; ok {
				n, err := strconv.ParseInt(val, 10, 64)
				if err == nil {
					files[k] = file(strconv.FormatInt(convert.RoundDownToPage(n, ps), 10), rc.unifiedBy[k]+pageNote(n, ps))
				} else {
					files[k] = file(val, rc.unifiedBy[k])
				}
				continue
			}
			def := "0"
			if k == "memory.high" {
				def = "max"
			}
			files[k] = file(def, untouched)
		}
		files["memory.swap.max"] = file("max", untouched)
		files["memory.oom.group"] = file("0", untouched)
	}

	if rc.cpuset != "" {
		files["cpuset.cpus"] = file(rc.cpuset, rc.cpusetBy)
	}
	return files
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// quotaFile builds a quota file; under the systemd driver the quota is
// rounded up to 10 ms per second, so both values are accepted.
func (e *env) quotaFile(value, why string, quota int64, period uint64, format func(int64) string) ExpectedFile {
	f := file(value, why)
	if e.driver == cgroupfs.DriverSystemd && quota > 0 {
		if r := convert.SystemdQuota(quota, period); r != quota {
			rv := format(r)
			f.Accept = append(f.Accept, rv)
			f.Explained = append(f.Explained, ExplainedValue{
				Values: []string{rv},
				Reason: ReasonSystemdQuotaRounding,
				Message: fmt.Sprintf("the systemd driver stores the quota per second in 10 ms steps: %d us per %d us period is rounded up to %d (harmless)",
					quota, period, r),
			})
		}
	}
	return f
}

// pageNote explains page rounding of a byte value.
func pageNote(n, pageSize int64) string {
	if n <= 0 || n%pageSize == 0 {
		return ""
	}
	return fmt.Sprintf(" (rounded down to %d-byte pages: %d)", pageSize, convert.RoundDownToPage(n, pageSize))
}

// memoryFiles are the files whose values the kernel rounds to pages.
var memoryFiles = []string{"memory.max", "memory.min", "memory.low", "memory.high", "memory.swap.max",
	"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"}

// addPageRounding explains what other common page sizes (16 KiB, 64 KiB)
// would show for memory files: a profile with the wrong page size is the
// usual cause of such a difference.
func (e *env) addPageRounding(files map[string]ExpectedFile) {
	if e.pageSize != convert.DefaultPageSize {
		return
	}
	for _, name := range memoryFiles {
		f, ok := files[name]
		if !ok || len(f.Accept) == 0 {
			continue
		}
		var alts []string
		for _, ps := range []int64{16384, 65536} {
			var alt string
			n, err := strconv.ParseInt(f.Accept[0], 10, 64)
			switch {
			case err != nil:
				continue
			case !e.v2 && convert.IsV1Unlimited(n, e.pageSize):
				alt = strconv.FormatInt(convert.V1Unlimited(ps), 10)
			default:
				alt = strconv.FormatInt(convert.RoundDownToPage(n, ps), 10)
			}
			if !f.Accepts(alt) && !slices.Contains(alts, alt) {
				alts = append(alts, alt)
			}
		}
		if len(alts) == 0 {
			continue
		}
		f.Explained = append(f.Explained, ExplainedValue{
			Values: alts,
			Reason: ReasonPageRounding,
			Message: fmt.Sprintf("the kernel rounds memory values down to the base page size; %s would read %s on a host with 16 KiB or 64 KiB pages (arm64, ppc64): set the profile's page size",
				f.Accept[0], joinValues(alts)),
		})
		files[name] = f
	}
}

func joinValues(vs []string) string {
	out := ""
	for i, v := range vs {
		if i > 0 {
			out += " or "
		}
		out += v
	}
	return out
}
