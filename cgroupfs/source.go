package cgroupfs

import "time"

// Source says where a tree came from; it heads the inspect document
// (kind NodeCgroups) and the inspect table.
type Source struct {
	// Kind is "live", "snapshot" or "cluster" (read through the
	// Kubernetes API by a snapshot pod).
	Kind string `json:"kind"`
	// Path is the mount point, the snapshot file, or node/NAME.
	Path string `json:"path"`
	// CapturedAt, Hostname, ToolVersion and Description are the
	// snapshot's metadata.
	CapturedAt  *time.Time `json:"capturedAt,omitempty"`
	Hostname    string     `json:"hostname,omitempty"`
	ToolVersion string     `json:"toolVersion,omitempty"`
	Description string     `json:"description,omitempty"`
}
