package cgroupfs

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotSupported is matched (with errors.Is) by a *NotSupportedError: the
// file belongs to a controller the tree does not have, which is not the
// same as a missing file (errors.Is(err, fs.ErrNotExist)).
var ErrNotSupported = errors.New("not supported")

// ErrNotRegularFile is wrapped by the error of a read that found a FIFO,
// socket, device, directory or symbolic link where a cgroup file should
// be. Such files are refused before any byte is read.
var ErrNotRegularFile = errors.New("not a regular file")

// ErrFileTooLarge is wrapped by the error of a read that found more than
// MaxFileBytes bytes in one file. cgroup files report size 0, so the limit
// is enforced while reading, not from the file's size.
var ErrFileTooLarge = errors.New("file larger than the read limit")

// ErrUnsafeArchive is matched (with errors.Is) by the error of a snapshot
// archive that holds an entry this package refuses to load: an absolute
// name, a ".." element, a NUL or backslash, a name longer than a path can
// be, a link, a device or other special entry, or a name that appears
// twice.
var ErrUnsafeArchive = errors.New("unsafe archive entry")

// ErrArchiveLimit is matched (with errors.Is) by the error of a snapshot
// archive that exceeds one of its SnapshotLimits: total uncompressed size,
// number of entries, or the size of one file.
var ErrArchiveLimit = errors.New("archive exceeds a snapshot limit")

// ErrBadMetadata is matched (with errors.Is) by the error of a snapshot
// whose metadata is malformed or contradicts itself or the archive: an
// unknown mode or driver, a cgroupRoot too deep or too long, a
// kubepodsPath the cgroupRoot and driver do not name, a mode the layout
// of the tree does not show, a controller directory that is not in it.
var ErrBadMetadata = errors.New("bad snapshot metadata")

// badMetadata formats an ErrBadMetadata error.
func badMetadata(format string, args ...any) error {
	return &markedError{fmt.Errorf(format, args...), ErrBadMetadata}
}

// markedError is an error whose message is err's and which also matches
// mark with errors.Is.
type markedError struct{ err, mark error }

func (e *markedError) Error() string   { return e.err.Error() }
func (e *markedError) Unwrap() []error { return []error{e.err, e.mark} }

// unsafeEntry formats an ErrUnsafeArchive error.
func unsafeEntry(format string, args ...any) error {
	return &markedError{fmt.Errorf(format, args...), ErrUnsafeArchive}
}

// overLimit formats an ErrArchiveLimit error.
func overLimit(format string, args ...any) error {
	return &markedError{fmt.Errorf(format, args...), ErrArchiveLimit}
}

// MaxFileBytes is the most this package reads from one file, live or in a
// snapshot. The files it parses hold a few dozen bytes; the largest
// plausible cgroup file it may be asked for (a cpuset list on a very large
// machine) is a few KiB.
const MaxFileBytes = 64 << 10

// NotSupportedError reports that a file's controller is not available in
// the tree: not mounted on cgroup v1 (or hybrid), not listed in the root's
// cgroup.controllers on cgroup v2. It matches ErrNotSupported.
type NotSupportedError struct {
	// Controller is the controller the file belongs to, such as "hugetlb".
	Controller string
	// Mode is the tree's mode.
	Mode Mode
}

// Error implements the error interface.
func (e *NotSupportedError) Error() string {
	if e.Mode == ModeUnified {
		return fmt.Sprintf("cgroup controller %q is not enabled in the root's cgroup.controllers: %v", e.Controller, ErrNotSupported)
	}
	return fmt.Sprintf("cgroup controller %q is not mounted (%s mode): %v", e.Controller, e.Mode, ErrNotSupported)
}

// Is reports whether target is ErrNotSupported.
func (e *NotSupportedError) Is(target error) bool { return target == ErrNotSupported }

// ParseError reports a file whose content is not what the kernel prints
// for it. Err is the *convert.ValueError of the parser, so
// errors.Is(err, convert.ErrSyntax) and errors.Is(err, convert.ErrRange)
// work, and the message quotes the bad text.
type ParseError struct {
	// Path is the cgroup path, such as "/kubepods/burstable".
	Path string
	// File is the file name, such as "cpu.shares".
	File string
	// Err is the parser's error.
	Err error
}

// Error implements the error interface.
func (e *ParseError) Error() string {
	msg := e.Err.Error()
	if strings.HasPrefix(msg, e.File+":") {
		return fmt.Sprintf("cgroup %s: %s", e.Path, msg)
	}
	return fmt.Sprintf("cgroup %s: file %s: %s", e.Path, e.File, msg)
}

// Unwrap returns the parser's error.
func (e *ParseError) Unwrap() error { return e.Err }

// ErrEmptyArchive is matched (with errors.Is) by the error of a snapshot
// input that holds no byte at all: an empty file, or nothing on standard
// input.
var ErrEmptyArchive = errors.New("empty archive: no bytes to read")

// ErrNotGzip is matched (with errors.Is) by the error of ReadSnapshotFile
// for a file named .tar.gz or .tgz whose content is not gzip.
var ErrNotGzip = errors.New("not a gzip file")

// ErrNoKubepods is matched (with errors.Is) by the error of FS.Node when
// the tree has no kubepods cgroup where it looked; the error also matches
// fs.ErrNotExist and names the tree and the cgroupRoot.
var ErrNoKubepods = errors.New("no kubepods cgroup")

// KubepodsHint explains an error of a tree without a kubepods cgroup
// (one whose message names kubepods) for a user: the kubelet keeps pods in
// a kubepods cgroup only when cgroupsPerQOS is true, and an unusual
// cgroupRoot must be given. Other errors are returned as they are.
func KubepodsHint(err error) error {
	if strings.Contains(err.Error(), "kubepods") {
		return fmt.Errorf("%w (the kubelet keeps pods in a kubepods cgroup when cgroupsPerQOS is true; give --cgroup-root for an unusual cgroupRoot)", err)
	}
	return err
}
