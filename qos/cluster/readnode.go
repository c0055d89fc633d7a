package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
)

// Via says how a node is read: from its node agent (through the pod
// proxy, no pod creation), with a snapshot pod, or from the agent where
// one runs and else with a snapshot pod.
type Via string

// The ways of reading a node.
const (
	ViaAuto  Via = "auto"
	ViaAgent Via = "agent"
	ViaPod   Via = "pod"
)

// ParseVia parses "auto", "agent" or "pod".
func ParseVia(s string) (Via, error) {
	switch v := Via(s); v {
	case ViaAuto, ViaAgent, ViaPod:
		return v, nil
	}
	return "", fmt.Errorf("%q: want auto, agent or pod", s)
}

// ReadNodeOptions configure ReadNode.
type ReadNodeOptions struct {
	// Via says how the node is read (ViaAuto when empty).
	Via Via
	// AgentNamespace is where the agents run (the agent's default when
	// empty).
	AgentNamespace string
	// Capture narrows the snapshot (cgroupRoot, driver, one pod).
	Capture cgroupfs.NodeOptions
	// Description, when set, is recorded in the snapshot.
	Description string
	// Warn receives warnings; nil drops them.
	Warn func(msg string)
	// BeforePod, when set, is called once before a snapshot pod is
	// created (a caller warns about earlier runs' leftovers there).
	BeforePod func()
}

// NodeSnapshot is a node's snapshot and who read it.
type NodeSnapshot struct {
	// Snapshot is the validated snapshot.
	Snapshot *cgroupfs.Snapshot
	// By names the pod that read the node: "agent NS/NAME" or "snapshot
	// pod NS/NAME".
	By string
}

// ReadNode reads a snapshot of node as o.Via says: from its ready agent
// (ReadAgentSnapshot), or with a snapshot pod (Gather), or, with ViaAuto,
// from the agent when one runs there (ErrNoAgent otherwise) and else with
// a snapshot pod.
func (r *Reader) ReadNode(ctx context.Context, node string, o ReadNodeOptions) (*NodeSnapshot, error) {
	via := o.Via
	if via == "" {
		via = ViaAuto
	}
	if via != ViaPod {
		as, err := ReadAgentSnapshot(ctx, r.api.Client, node, AgentSnapshotOptions{Namespace: o.AgentNamespace, Node: o.Capture, Description: o.Description})
		switch {
		case err == nil:
			return &NodeSnapshot{Snapshot: as.Snapshot, By: "agent " + as.Pod.Namespace + "/" + as.Pod.Name}, nil
		case via == ViaAgent || !errors.Is(err, ErrNoAgent):
			return nil, err
		}
	}
	if o.BeforePod != nil {
		o.BeforePod()
	}
	g, err := r.Gather(ctx, node, GatherOptions{Warn: o.Warn, Capture: o.Capture, Description: o.Description})
	if err != nil {
		return nil, err
	}
	return &NodeSnapshot{Snapshot: g.Snapshot, By: "snapshot pod " + g.SnapshotPod.Namespace + "/" + g.SnapshotPod.Name}, nil
}
