package cgroupfs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
)

// File is one cgroup file as read.
type File struct {
	// Raw is the file's text without its single trailing newline, exactly
	// as the kernel printed it ("max 100000", "9223372036854771712").
	// It is kept when the text does not parse, and empty when the file
	// could not be read.
	Raw string
	// Value is the parsed value, nil when the file is not one this
	// package parses or when Err is set. Its type depends on the file:
	//
	//	cpu.shares, cpu.weight, cpu.cfs_period_us    uint64
	//	cpu.cfs_quota_us                             int64 (-1: no limit)
	//	cpu.max                                      convert.CPUMax
	//	memory.* limits, hugetlb.* limits            int64 (-1: "max" on v2)
	//	memory.oom.group                             bool
	//	pids.max                                     int64 (-1: "max")
	//	cpuset.cpus, cpuset.mems (and .effective)    convert.CPUSet
	//	counter files (see CounterFiles)             CPUStat, MemoryEvents...
	Value any
	// Err is why the file has no value: an error matching fs.ErrNotExist
	// (missing file or cgroup directory), ErrNotSupported (the
	// controller is not available), a *ParseError (bad text), or a read
	// error (ErrNotRegularFile, ErrFileTooLarge, EINVAL on a write-only
	// file...).
	Err error
}

// Status classifies the file for display and JSON: "ok", "missing",
// "not-supported", "invalid" (the text does not parse), "refused" (not a
// regular file, or too large) or "unreadable" (any other read error).
func (f File) Status() string {
	var pe *ParseError
	switch {
	case f.Err == nil:
		return "ok"
	case errors.Is(f.Err, ErrNotSupported):
		return "not-supported"
	case errors.Is(f.Err, fs.ErrNotExist):
		return "missing"
	case errors.As(f.Err, &pe):
		return "invalid"
	case errors.Is(f.Err, ErrNotRegularFile), errors.Is(f.Err, ErrFileTooLarge):
		return "refused"
	}
	return "unreadable"
}

// MarshalJSON encodes f as {"status", "raw", "value", "error"}: raw is
// present when the file was read, value when it parsed (numbers as
// numbers, cpu.max as {"quotaMicros", "periodMicros"}, cpusets as their
// normalised string "0-3,5", flags as booleans), error when status is not
// "ok".
func (f File) MarshalJSON() ([]byte, error) {
	type cpuMax struct {
		QuotaMicros  int64  `json:"quotaMicros"`
		PeriodMicros uint64 `json:"periodMicros"`
	}
	out := struct {
		Status string  `json:"status"`
		Raw    *string `json:"raw,omitempty"`
		Value  any     `json:"value,omitempty"`
		Error  string  `json:"error,omitempty"`
	}{Status: f.Status()}
	if out.Status == "ok" || out.Status == "invalid" {
		out.Raw = &f.Raw
	}
	switch v := f.Value.(type) {
	case convert.CPUMax:
		out.Value = cpuMax{v.QuotaMicros, v.PeriodMicros}
	case convert.CPUSet:
		out.Value = v.String()
	default:
		out.Value = v
	}
	if f.Err != nil {
		out.Error = f.Err.Error()
	}
	// Error texts quote kernel formats such as "<quota|max> <period>";
	// keep them readable rather than HTML-escaped.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// newFile builds the File for text read from a cgroup file.
func newFile(cgroupPath, name string, data []byte, v convert.CgroupVersion) File {
	raw := strings.TrimSuffix(string(data), "\n")
	val, err := parseValue(name, raw, v)
	if err == nil && val != nil && strings.HasSuffix(raw, "\n") {
		// The parsers accept one trailing newline, which was already
		// removed: a second one is text after the value.
		err = &convert.ValueError{What: name, Value: raw, Err: fmt.Errorf("%w: text after the value", convert.ErrSyntax)}
	}
	if err != nil {
		return File{Raw: raw, Err: &ParseError{Path: cgroupPath, File: name, Err: err}}
	}
	return File{Raw: raw, Value: val}
}

// parseValue parses the files the expectation side knows, by name; other
// names give nil, nil.
func parseValue(name, raw string, v convert.CgroupVersion) (any, error) {
	if val, ok, err := parseCounter(name, raw, v); ok {
		return val, err
	}
	switch controllerOf(name) {
	case "cpu":
		return parseCPU(name, raw)
	case "memory":
		return parseMemory(name, raw, v)
	case "pids":
		return parsePids(name, raw)
	case "hugetlb":
		return parseHugetlb(name, raw, v)
	case "cpuset":
		return parseCPUSet(name, raw)
	}
	return nil, nil
}

// DefaultFiles returns the files read at every level of the hierarchy for
// a cgroup version, sorted by name: every file the expectation side knows,
// except the hugetlb files, whose names depend on the host's huge page
// sizes and are found in the tree.
func DefaultFiles(v convert.CgroupVersion) []string {
	var out []string
	if v == convert.CgroupV2 {
		out = slices.Concat(cpuFilesV2, memoryFilesV2, pidsFiles, cpusetFiles)
	} else {
		out = slices.Concat(cpuFilesV1, memoryFilesV1, pidsFiles, cpusetFiles)
	}
	slices.Sort(out)
	return out
}

// isKnownFile reports whether this package reads files of that name; a
// snapshot keeps only those.
func isKnownFile(name string) bool {
	switch {
	case name == "cgroup.controllers", isCounterFile(name):
		return true
	case slices.Contains(cpuFilesV1, name), slices.Contains(cpuFilesV2, name),
		slices.Contains(memoryFilesV1, name), slices.Contains(memoryFilesV2, name),
		slices.Contains(pidsFiles, name), slices.Contains(cpusetFiles, name),
		slices.Contains(cpusetEffectiveFiles, name):
		return true
	}
	_, _, ok := parseHugetlbName(name)
	return ok
}
