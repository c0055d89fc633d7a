// Package cgtest creates throwaway cgroups on the real kernel for tests.
//
// Every cgroup it makes lives under a unique name that starts with
// "kcg-test-", is removed (leaf first) when the test ends, and is only
// made where the hierarchy is writable; otherwise the test is skipped with
// the reason. It never touches cgroups it did not create.
package cgtest
