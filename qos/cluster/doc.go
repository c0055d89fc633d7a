// Package cluster reads nodes through the Kubernetes API, for a caller
// holding any rest.Config: the Node object, the kubelet's configuration
// and pid capacity (GET /api/v1/nodes/NODE/proxy/configz and
// stats/summary), the node's pods, and its cgroup tree, captured by a
// short-lived snapshot pod that streams an archive over exec and is
// deleted afterwards, also on error and cancellation.
//
// A Reader does the work; Gather returns a Gathered node whose Snapshot,
// Pods and Facts feed qos.Check:
//
//	api, err := cluster.NewAPI(restConfig)
//	...
//	r := cluster.NewReader(api, cluster.Options{})
//	g, err := r.Gather(ctx, "node-7", cluster.GatherOptions{Pods: true, Configz: true})
//	...
//	facts, notes := g.Facts()
//	result, err := qos.Check(qos.CheckOptions{
//		Snapshot: g.Snapshot, Pods: g.Pods, CompletePodList: true,
//		Facts: facts, Notes: notes,
//	})
//
// The RBAC a caller needs: get on nodes, list on pods (all namespaces),
// create, get and delete on pods and create on pods/exec in the snapshot
// namespace; get on nodes/proxy for the kubelet's configuration (without
// it the kubelet defaults are used, and Facts says so). The snapshot pod
// runs as non-root with a read-only root filesystem, no capabilities and
// a read-only hostPath of /sys/fs/cgroup (SnapshotPod).
//
// Where the node agent runs (package qos/agent), AgentSource and
// ReadAgentSnapshot read a node's report and snapshot from its agent
// through the API server's pod proxy instead (get on pods/proxy in the
// agent's namespace); ErrNoAgent says that none is ready there.
//
// The package never logs: warnings go to GatherOptions.Warn.
package cluster
