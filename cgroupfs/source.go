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

// Source describes the snapshot as read from path, with its metadata;
// kind is "snapshot" for an archive file, "cluster" for a node read
// through the Kubernetes API.
func (s *Snapshot) Source(kind, path string) Source {
	src := Source{Kind: kind, Path: path, Hostname: s.Info.Hostname, ToolVersion: s.Info.ToolVersion, Description: s.Info.Description}
	if at := s.Info.CapturedAt; !at.IsZero() {
		src.CapturedAt = &at
	}
	return src
}
