// Package kubelet reads a node's pods and configuration from the kubelet
// itself, for use on the node (node mode): the kubelet's HTTP endpoints
// (/pods, /configz, on the read-only or the authenticated port) through a
// Client that keeps credentials safe, and static pods from the kubelet's
// manifest directory, matched to the UIDs and container IDs the kubelet
// gave them through its log directories (ReadStaticPods).
//
// Reaching a node through the Kubernetes API instead is package
// qos/cluster's job.
package kubelet
