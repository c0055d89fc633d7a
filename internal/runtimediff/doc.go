// Package runtimediff is the shared half of the runtime differential test
// (issue 19): it draws random CRI LinuxContainerResources, asks
// [qos.Profile.ContainerRuntimeFiles] what a container cgroup should hold,
// lets a runtime adapter run the real CRI and OCI runtime code into a
// directory that holds the files a kernel presents, applies the kernel's
// read-back rules, and compares the two file by file.
//
// The adapters live in their own modules (runc11, runc14), so that runc
// and containerd stay out of the main module's dependencies; this package
// imports nothing beyond the main module.
package runtimediff
