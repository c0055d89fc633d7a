// Package e2e holds the end-to-end tests that run kubecgroups against real
// Kubernetes components on this machine: a standalone kubelet v1.37.2 with
// containerd and runc (rig/), and a one-node cluster (cluster/).
//
// The tests carry the build tag "e2e" and are run by .ci/run after the
// unit tests:
//
//	go test -tags e2e -v -timeout 60m ./internal/e2e/
//
// They need root and a writable cgroup v1 hierarchy; elsewhere they skip
// and say why. The rigs are started and torn down by the scripts under
// rig/ and cluster/; a test that fails or is interrupted still tears its
// rig down.
package e2e
