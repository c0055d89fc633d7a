package qos

import "github.com/kubecgroups/kubecgroups/cgroupfs"

// NodeCgroups is the document of what a node's cgroups hold, as
// "kubectl-cgroups inspect -o json" prints it (kind NodeCgroups, a stable
// contract described in the README): where the tree came from, the node
// as read, and the effects of its limits when they were read.
type NodeCgroups struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Source     cgroupfs.Source `json:"source"`
	*cgroupfs.Node
	// Effects are the findings of ReadEffects; nil when the counters
	// were not read.
	Effects *EffectReport `json:"effects,omitempty"`
}

// NewNodeCgroups returns the document of a node read from src, with its
// effects (nil when not read).
func NewNodeCgroups(src cgroupfs.Source, n *cgroupfs.Node, effects *EffectReport) *NodeCgroups {
	return &NodeCgroups{APIVersion: cgroupfs.APIVersion, Kind: "NodeCgroups", Source: src, Node: n, Effects: effects}
}
