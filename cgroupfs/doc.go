// Package cgroupfs reads what a node's cgroups hold: a live /sys/fs/cgroup
// or a captured or hand-written tree, cgroup v1, v2 or hybrid, without
// ever writing to it or stepping outside it.
package cgroupfs
