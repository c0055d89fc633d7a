// Package cliparse parses the command-line syntaxes of kubectl-cgroups
// and the agent: comma-separated name=value lists in the form of the
// kubelet's --feature-gates and --kube-reserved flags, and the REQUESTS
// and LIMITS of `kubectl-cgroups convert`.
//
// These are flag syntaxes, not part of the library's API: a Go program
// holds feature gates as a map[string]bool and resources as a
// corev1.ResourceList, and gives them to qos directly. The package is
// internal so that the library does not export them.
package cliparse
