// Package convert holds the exact integer arithmetic that turns Kubernetes
// resource amounts into the values the kernel shows in cgroup files, and
// back.
//
// Every function is pure: no I/O, no global state, no Kubernetes types.
// The numbers follow Kubernetes v1.37.2 (kubelet), the OCI runtimes runc and
// crun, and the Linux kernel's own rounding and clamping. Each formula's doc
// comment names the upstream function or kernel rule it reproduces, so a
// value can always be traced to its source.
//
// The package covers:
//
//   - CPU requests: milli-CPU to cpu.shares and back ([MilliCPUToShares],
//     [SharesToMilliCPU]).
//   - CPU limits: milli-CPU and a CFS period to a quota and back
//     ([MilliCPUToQuota], [QuotaToMilliCPU]), the cgroup v1 and v2 file
//     forms ([CPUMax], [ParseCPUMax], [ParseCFSQuota]) and the systemd
//     driver's rounding ([SystemdQuota]).
//   - cpu.weight: the two shares-to-weight formulas that exist in the wild,
//     each under its own name ([SharesToWeightLinear],
//     [SharesToWeightQuadratic]), their exact inverses
//     ([WeightFormula.SharesForWeight]) and a way to tell from observed
//     values which one a runtime used ([InferWeightFormula]).
//   - Memory: page rounding ([RoundDownToPage]), the cgroup v1 "unlimited"
//     value ([V1Unlimited]), the MemoryQoS memory.high formula
//     ([MemoryHigh]), swap ([SwapV2], [LimitedSwap]).
//   - pids.max, hugetlb page-size names and cpuset lists.
//   - Amounts written back in pod-spec units ([FormatBytes],
//     [FormatMilliCPU]).
//   - The OCI runtime-spec LinuxResources a runtime receives, turned into
//     the files and values it writes ([OCIFiles]).
//
// Parsers for the kernel's file formats return a *[ValueError] that wraps
// [ErrSyntax] or [ErrRange], so callers can use errors.Is.
package convert
