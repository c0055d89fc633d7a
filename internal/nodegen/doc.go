// Package nodegen generates realistic Kubernetes nodes for benchmarks and
// scale tests: N pods as the API server stores them (UIDs, containerd
// container IDs in the status, a mix of Guaranteed, Burstable and
// BestEffort pods, each with two app containers, a sidecar as a restartable
// init container, and a sandbox), the qos.Profile of the node, and the
// cgroup tree the kubelet and containerd would have written for them, in
// any cgroup version and driver.
//
// Every file of the tree that qos.Expect predicts holds the (first)
// accepted value, and every other file the reader reads holds the kernel's
// default, so a generated node diffs clean: qos.Diff reports no
// unexplained difference.
//
// The tree can be had in memory (Node.Snapshot, a cgroupfs.Snapshot read
// like a live tree), as txtar text, written to a directory (Node.WriteDir;
// use a tmpfs such as /dev/shm to keep the disk out of measurements), or,
// on Linux, created as real cgroup v1 hierarchies through the kernel under
// a throwaway cgroupRoot (Node.CreateV1).
//
// Generation is deterministic: the same Options give the same node.
package nodegen
