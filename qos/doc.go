// Package qos computes the cgroup values the kubelet (v1.37.2) and the
// container runtime write for every level of a node (kubepods, the QoS
// tiers, pods, sandboxes and containers) from pod specs and a node
// profile, and explains differences from what a node holds.
//
// # Entry points
//
//   - [Profile] describes the node: Kubernetes version (1.30 to 1.37) and
//     feature gates, kubelet configuration, machine and runtimes.
//     [DefaultProfile] is a stock v1.37.2 kubelet on cgroup v2 with the
//     cgroupfs driver, containerd and runc 1.4, on an 8-CPU, 32 GiB x86_64
//     machine. [Profile.LoadKubeletConfiguration] fills it from a
//     KubeletConfiguration file or a kubelet's /configz JSON.
//   - [ReadPods] reads manifests (Pods, Lists, workload templates);
//     [Profile.DefaultPod] applies the API server's resource defaulting,
//     to the pods [Defaulting] selects (by default only those that have
//     not been through an API server).
//   - [QOSClass] decides a pod's QoS class as the kubelet does.
//   - [Expect] computes the [Expectation] of a whole node; an [Expecter]
//     computes it again as the pods change, computing only the pods whose
//     inputs changed ([SameInputs]). Every Expectation returned is the
//     caller's own: no map or slice in it is shared with another cgroup,
//     a later result or the pods.
//   - [Diff] compares an expectation with a node's cgroups; [Check] does
//     it all from a tree or a snapshot. A value that differs where the
//     prediction rests on an input nobody gave ([Guess]: the capacity, a
//     pid capacity from a pod's pid_max, the kubelet's settings) is
//     [StatusUnverified], not drift; Check first infers what the tree
//     proves (CPUs from kubepods cpuset.cpus, allocatable memory, pids and
//     CPU from the kubepods limits when the reservations are unknown too).
//
// Request and limit aggregation (overhead, init and sidecar containers,
// pod-level resources, DRA claims) is k8s.io/component-helpers/resource,
// the kubelet's own code; every number goes through package convert.
//
// # Version differences modelled
//
// The profile's version selects: feature-gate defaults and locks; a custom
// CFS period honoured by default from 1.36 (refused without the gate
// before); quota removal for exclusive CPUs (static CPU manager) from
// 1.33; "limits declared" judged on cumulative init-time limits up to 1.36
// and on each container's own limits in 1.37; the empty pod-level stanza
// (BestEffort up to 1.36, container-derived in 1.37 with
// PodLevelResourcesFixKubeletQOSClass); the MemoryQoS regimes (1.30–1.35
// memory.min from requests, 1.36 memoryReservationPolicy, 1.37 with
// BestEffort and pod-level memory.high, kubepods memory.low under
// TieredReservation and memory.high=max when the gate is off); the
// memoryThrottlingFactor default (0.9 up to 1.36, none in 1.37);
// singleProcessOOMKill (from 1.32); sidecar oom_score_adj capping and the
// pod-level remainder (from 1.32); kubepods cpuset.cpus under CPU manager
// policy none (from 1.32); pod-level hugepage limits inherited by
// containers (from 1.34); critical pods excluded from LimitedSwap (from
// 1.31); pids.max 0 written as 1 (from 1.36); DRA node-allocatable claims
// (1.37, gate DRANodeAllocatableResources). Each difference that has no
// gate of its own is one entry of behaviourTable (profile.go), with the
// release it arrived in and the upstream source that shows it.
//
// Not modelled: the 1.30–1.31 aggregation of max(spec, allocated) during a
// resize; the transient hugetlb values of kubepods at kubelet start (the
// steady 2^62 is expected); kube-reserved and system-reserved cgroups;
// the kubelet's sandbox "overhead" message; ephemeral containers; the
// cgroup of containers when cgroupsPerQOS is false; CRI-O's infra
// container details (not verified against CRI-O's source).
package qos
