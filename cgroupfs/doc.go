// Package cgroupfs reads what a node's cgroups hold: a live /sys/fs/cgroup
// or a captured or hand-written tree, cgroup v1, v2 or hybrid, without
// ever writing to it or stepping outside it.
//
// # Opening a tree
//
// Every read goes through an [FS] rooted at an explicit place:
//
//   - [NewFS] opens a live mount point (usually [DefaultMountPoint]) through
//     os.Root, so no path, ".." or symbolic link can lead outside it; on
//     Linux the mode comes from statfs and the v1 controller mounts from
//     /proc/self/mountinfo. [NewDefaultFS] opens /sys/fs/cgroup.
//   - [NewTreeFS] opens any fs.FS laid out like /sys/fs/cgroup.
//   - [ReadSnapshot] loads a .tar.gz or txtar snapshot; [Snapshot.FS] opens
//     it with its recorded metadata.
//
// There is no package-level state: two FS values never share anything.
//
// # Modes and controllers
//
// A tree is [ModeUnified] (cgroup v2), [ModeHybrid] (v1 controllers plus a
// cgroup2 unified/ mount) or [ModeLegacy] (v1 only). Hybrid behaves as v1
// for every value. On v1 each file is read from its controller's
// directory (cpu.* from the cpu controller, memory.* from memory, ...); a
// controller mounted more than once is read from its shortest mount point,
// as the kubelet chooses, and co-mounted controllers ("cpu,cpuacct") are
// found by name. A file whose controller is not available (not mounted on
// v1, not in the root's cgroup.controllers on v2) has an error matching
// [ErrNotSupported], which is not the same as a missing file
// (fs.ErrNotExist). On v1, pods and containers are the union of the
// controllers (cpu, memory, pids, cpuset, hugetlb): a cgroup left in only
// one of them is found, its files in the others read as missing
// directories, and Node.Notes names where it is and where it is not.
//
// # The Kubernetes hierarchy
//
// [FS.Node] finds the kubepods cgroup under any cgroupRoot and with either
// driver: /kubepods or /kubepods.slice, /<root>/kubepods,
// /<root>.slice/<root>-kubepods.slice, nested slices such as kind's
// /kubelet.slice/kubelet-kubepods.slice (searched a few levels down when
// no cgroupRoot is given; [NodeOptions] can give the driver and the
// cgroupRoot). Below it: the burstable and besteffort tiers, pod cgroups
// ("pod<uid>" and "kubepods-burstable-pod<uid_with_underscores>.slice"; a
// pod's QoS tier is where its directory sits), and container cgroups of
// containerd ("<id>", "cri-containerd-<id>.scope"), CRI-O ("crio-<id>",
// "crio-<id>.scope"; "crio-conmon-*" is skipped) and cri-dockerd
// ("docker-<id>.scope"), with crun's "container" sub-cgroup reported as
// the container's LeafPath. Directories the naming does not explain are
// reported in [Node].Unknown; pods and containers that vanish while they
// are read are reported in Node.Gone. [FS.Pod] and [FS.Container] read one
// pod or container (a pod's path is built from the kubelet's naming, not
// found by listing); [FS.ReadFile] reads any file of any cgroup.
//
// [ParsePath] does the reverse: it tells the pod UID, container ID and QoS
// tier of any cgroup path, such as a line of /proc/<pid>/cgroup.
//
// # Files and values
//
// Each [Cgroup] read by Node has the files of [DefaultFiles] for the tree's
// cgroup version, plus the hugetlb limit files of every huge page size
// found in the kubepods directory:
//
//	v1: cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us, memory.limit_in_bytes,
//	    memory.memsw.limit_in_bytes, pids.max, cpuset.cpus, cpuset.mems,
//	    hugetlb.<size>.limit_in_bytes, hugetlb.<size>.rsvd.limit_in_bytes
//	v2: cpu.weight, cpu.max, memory.max, memory.min, memory.low, memory.high,
//	    memory.swap.max, memory.oom.group, pids.max, cpuset.cpus, cpuset.mems,
//	    hugetlb.<size>.max, hugetlb.<size>.rsvd.max
//
// With [NodeOptions].Counters, every level also reads [CounterFiles]: what
// the kernel counts (cpu.stat, memory.events or memory.oom_control and
// memory.failcnt, usage and peak, pids.current and pids.events, and on v2
// the PSI files), parsed into typed values ([CPUStat], [MemoryEvents],
// [OOMControl], [PidsEvents], [Pressure]) that [Cgroup.Counters] gathers.
// They are never read at the root, whose counters are the whole host's.
//
// A [File] keeps the raw text (without its single trailing newline), the
// value parsed with package convert, and a per-file error: missing,
// not supported, a [*ParseError] (naming the cgroup, the file and the bad
// text, and wrapping convert's ValueError so that errors.Is(err,
// convert.ErrSyntax) works), or a read error. Reads are bounded: files are
// read to EOF (cgroupfs files report size 0) but never more than
// [MaxFileBytes]; FIFOs, sockets, devices, symbolic links and directories
// are refused ([ErrNotRegularFile]) before they are read, and live files
// are opened read-only and non-blocking. The package never logs.
//
// # Snapshots
//
// [Capture] copies the Kubernetes part of a tree — exactly the files Node
// reads, from every controller, copied by reading them — into a
// [Snapshot], which writes itself as a .tar.gz ([Snapshot.WriteTarGz]) or
// as txtar ([Snapshot.WriteTxtar], small and reviewable, used for the
// fake trees in testdata/trees). Both forms hold the tree laid out as
// /sys/fs/cgroup (cpu/kubepods/cpu.shares, or kubepods/cpu.weight on v2).
// The metadata ([SnapshotInfo]: mode, capture time, page size, hostname,
// tool version, driver, cgroupRoot, kubepods path, controller directories,
// description) is one JSON document:
//
//	{"apiVersion":"kubecgroups.io/v1alpha1","kind":"CgroupSnapshot","mode":"hybrid",
//	 "capturedAt":"2026-11-25T14:00:00Z","pageSizeBytes":4096,...}
//
// stored as the file [MetadataFile] (kubecgroups-snapshot.json) at the top
// of a tar.gz, and as a comment line "kubecgroups-snapshot: {...}" of a
// txtar archive, whose other comment lines are the description. In txtar,
// an entry whose name ends in "/" is an empty directory.
//
// [ReadSnapshot] also accepts a plain tar.gz of a copied tree without
// metadata (`cp -r /sys/fs/cgroup /tmp/x && tar czf - -C /tmp/x .` in a
// pod, with or without "./" or a single top-level directory): the mode is
// inferred from the layout and the page size assumed, with notes. It
// keeps only the files this package reads, refuses absolute paths, "..",
// links, devices, FIFOs, duplicate entries and names a terminal would act
// on ([ErrUnsafeArchive]), and metadata that contradicts the tree
// ([ErrBadMetadata]), and bounds the total size, the number of entries,
// each file and all files kept, the pods, the cgroups per pod and the
// depth of names ([SnapshotLimits], [ErrArchiveLimit]). Errors quote at
// most 128 bytes of a name or value.
package cgroupfs
