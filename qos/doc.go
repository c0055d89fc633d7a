// Package qos computes the cgroup values the kubelet (v1.37.2) and the
// container runtime write for every level of a node (kubepods, the QoS
// tiers, pods, sandboxes and containers) from pod specs and a node
// profile, and explains differences from what a node holds.
package qos
