package qos

import (
	"fmt"
	"strings"
)

// ProfileError reports an invalid node profile. Field names the profile or
// kubelet configuration field ("kubelet.cpuCFSQuotaPeriod").
type ProfileError struct {
	// Field is the profile field at fault.
	Field string
	// Err is the cause.
	Err error
}

// Error implements the error interface.
func (e *ProfileError) Error() string { return fmt.Sprintf("profile: %s: %v", e.Field, e.Err) }

// Unwrap returns the cause.
func (e *ProfileError) Unwrap() error { return e.Err }

// PodError reports a pod the model cannot compute: it names the pod and
// the field.
type PodError struct {
	// Namespace and Name identify the pod.
	Namespace, Name string
	// Field is the path of the field at fault ("spec.overhead.cpu").
	Field string
	// Err is the cause.
	Err error
}

// Error implements the error interface.
func (e *PodError) Error() string {
	return fmt.Sprintf("pod %s: %s: %v", podRef(e.Namespace, e.Name), e.Field, e.Err)
}

// Unwrap returns the cause.
func (e *PodError) Unwrap() error { return e.Err }

// ManifestError reports an invalid manifest document. Source is the file
// name ("-" for standard input), Index the 1-based position of the
// document in it, Object what the document was ("Deployment default/web")
// when known, and Field the path of the bad field ("spec.containers[0].
// resources.limits.cpu") when known.
type ManifestError struct {
	// Source is the file name, "-" for standard input.
	Source string
	// Index is the 1-based position of the document in Source.
	Index int
	// Object is what the document was, when known.
	Object string
	// Field is the path of the bad field, when known.
	Field string
	// Err is the cause.
	Err error
}

// Error implements the error interface.
func (e *ManifestError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Index > 0 {
		fmt.Fprintf(&b, ": document %d", e.Index)
	}
	if e.Object != "" {
		fmt.Fprintf(&b, " (%s)", e.Object)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the cause.
func (e *ManifestError) Unwrap() error { return e.Err }

func podRef(ns, name string) string {
	if ns == "" {
		ns = "default"
	}
	if name == "" {
		name = "<unnamed>"
	}
	return ns + "/" + name
}

// TreeMismatchError reports a setting given explicitly (an Override, the
// driver or cgroupRoot of CheckOptions.Node: a CLI's flags) that the
// cgroup tree contradicts, such as cgroup v2 for a v1 tree: predicting
// with it would only report every file missing.
type TreeMismatchError struct {
	// Setting is the profile fact at fault: "cgroupVersion",
	// "cgroupDriver" or "cgroupRoot".
	Setting string
	// Flag, when set (by a CLI), names the setting in Error instead.
	Flag string
	// Value is the value given.
	Value string
	// Tree is what the tree shows ("cgroup v1 (hybrid) in the snapshot").
	Tree string
	// Err is the cause, when the tree could not be read with the value.
	Err error
}

// Error implements the error interface.
func (e *TreeMismatchError) Error() string {
	name := e.Setting
	if e.Flag != "" {
		name = e.Flag
	}
	return fmt.Sprintf("%s %s contradicts the tree, which shows %s", name, e.Value, e.Tree)
}

// Unwrap returns the cause.
func (e *TreeMismatchError) Unwrap() error { return e.Err }
