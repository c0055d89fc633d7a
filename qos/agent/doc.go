// Package agent keeps one node's cgroups under continuous watch: the
// library behind "kubectl-cgroups agent", a DaemonSet pod per node.
//
// An Agent watches the node's pods through an informer limited to
// spec.nodeName=<node>, resolves the node profile once at start (the
// kubelet's /configz through the API server's node proxy when allowed, a
// mounted kubelet configuration file otherwise, else the v1.37 defaults,
// each recorded in the report's profile sources and notes as the CLI
// records them), and checks the node on every pod change (debounced) and
// every interval.
//
// # Steady state
//
// The expectation is cached, and so is each pod's part of it: the agent
// holds a qos.Expecter for its resolved profile. The expectation is
// computed again only when a pod is added or removed, or when what the
// expectation reads of a pod changes (qos.SameInputs): its spec, its UID,
// its QoS class and phase, its start time, its containers' IDs, allocated
// and actual resources, and its resize conditions. Status updates that
// change nothing of that (readiness probes, restart counts, other
// conditions) do not. Even then only the pods that changed or came are
// computed; the others keep their part, and the node levels (kubepods and
// the QoS tiers, which sum every pod) are summed again. A cycle with no
// such change re-reads the files the cached expectation compares
// (cgroupfs.FS.Node with Expectation.Files) and diffs them: nothing else.
// Stats counts the expectations and the pods computed and reused, so that
// a test and a benchmark can prove it.
//
// # Outputs
//
// Serve runs the whole process (API connection, tree, HTTP endpoint) for
// "kubectl-cgroups agent" and the lean cmd/kubecgroups-agent binary. It
// reaches the API server through NewClient, a REST client of the core/v1
// group alone: the package never imports client-go's typed clientset,
// whose scheme registers every API group at start-up. Reading an agent
// from a workstation (its report and snapshot through the pod proxy) is
// package qos/cluster's (AgentSource, ReadAgentSnapshot).
//
// Handler serves /metrics (Prometheus, see Metric names below), /healthz,
// /readyz (ready after the informer synced and a first check succeeded),
// /report (the latest qos.DiffReport as JSON, as "kubectl-cgroups diff -o
// json" prints it) and /snapshot (a tar.gz snapshot of the node's
// Kubernetes cgroups, as "kubectl-cgroups snapshot" writes it).
//
// Metrics: kubecgroups_files{status}; kubecgroups_file_drift{namespace,
// pod,container,level,file} = 1 for each unexplained result (drift,
// missing, unexpected) only, so the series count follows the drift and
// never the healthy files; kubecgroups_pod_drift{namespace,pod}, the
// number of unexplained results of each pod on the node (0 when clean;
// the series goes with the pod); kubecgroups_explained_files{reason};
// kubecgroups_last_check_timestamp_seconds;
// kubecgroups_check_duration_seconds; kubecgroups_read_errors_total;
// and, from the report's Effects (the kernel's counters, read with the
// compared files and judged since each cgroup started),
// kubecgroups_cpu_throttled_ratio{namespace,pod,container} and
// kubecgroups_oom_kills_total{namespace,pod,container} for the pod and
// container cgroups with a cpu-throttled or oom-killed finding only
// (container="" for the pod's cgroup), so that their cardinality follows
// the findings.
// The drift series are built from the latest report at every scrape, so
// a series disappears as soon as its drift clears or its pod goes.
//
// # Events
//
// A pod whose cgroups drift gets one Warning Event, reason CgroupDrift,
// whose message lists every unexplained file in one line ("container app
// cpu.shares: expected 512, found 1024; ..."). It is emitted again only
// when that line changes, and a Normal CgroupDriftResolved follows when
// the drift clears. Drift of the node levels (kubepods and the QoS tiers)
// goes on the Node object the same way.
//
// Restarts repeat no Event: before its first check the agent lists the
// Events it emitted earlier (source component "kubecgroups-agent", source
// host = the node) and takes, per involved object, the latest one as the
// state already announced. This needs list on events besides create and
// patch; without it (the list is refused) the agent announces the drift
// it finds once more, and says so in its report's notes. Events rather
// than an annotation: the agent never writes pods.
//
// The package never logs; Options.Errorf receives what goes wrong in the
// background (a failed check, a refused Event list).
package agent
