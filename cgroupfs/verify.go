package cgroupfs

import (
	"bytes"
	"fmt"
	"io/fs"
	"time"
)

// MissingPodError is the error of RequirePod: no pod cgroup of the UID
// asked for is under kubepods.
type MissingPodError struct {
	// UID is the pod asked for.
	UID string
	// Kubepods is the path of the kubepods cgroup searched.
	Kubepods string
	// Vanished says that some pods or containers vanished while the tree
	// was read, the pod possibly among them.
	Vanished bool
}

func (e *MissingPodError) Error() string {
	if e.Vanished {
		return fmt.Sprintf("pod %s vanished while it was read", e.UID)
	}
	return fmt.Sprintf("pod %s: no pod cgroup under %s in any QoS tier", e.UID, e.Kubepods)
}

// RequirePod returns a *MissingPodError when uid is not "" and the node
// has no pod of that UID; nil otherwise.
func (n *Node) RequirePod(uid string) error {
	if uid == "" || n.Pod(uid) != nil {
		return nil
	}
	return &MissingPodError{UID: uid, Kubepods: n.Kubepods.Path, Vanished: len(n.Gone) > 0}
}

// ArchiveSummary says what a snapshot archive holds (VerifyArchive).
type ArchiveSummary struct {
	Mode       Mode
	Driver     Driver
	Kubepods   string
	Pods       int
	Containers int
	Files      int
}

// String is the summary as one line: "v2 mode, systemd driver, kubepods
// /kubepods.slice, 3 pods, 5 containers, 120 files".
func (s ArchiveSummary) String() string {
	return fmt.Sprintf("%s mode, %s driver, kubepods %s, %d pods, %d containers, %d files",
		s.Mode, s.Driver, s.Kubepods, s.Pods, s.Containers, s.Files)
}

// VerifyArchive reads an archive written by WriteTarGz or WriteTxtar back
// the way a reader will (ReadSnapshot with the default limits, then the
// node with opts), checks that it holds the pod opts.PodUID names
// (RequirePod), and summarises it. A capture tool calls it before it
// writes the archive anywhere: what is written must load.
func VerifyArchive(archive []byte, opts NodeOptions) (ArchiveSummary, error) {
	snap, err := ReadSnapshot(bytes.NewReader(archive), SnapshotLimits{})
	if err != nil {
		return ArchiveSummary{}, fmt.Errorf("the captured archive does not read back: %w", err)
	}
	fsys, err := snap.FS()
	if err != nil {
		return ArchiveSummary{}, fmt.Errorf("the captured archive does not read back: %w", err)
	}
	n, err := fsys.Node(opts)
	if err != nil {
		return ArchiveSummary{}, fmt.Errorf("the captured archive does not read back: %w", err)
	}
	s := ArchiveSummary{Mode: n.Mode, Driver: n.Driver, Kubepods: n.Kubepods.Path, Pods: len(n.Pods)}
	fs.WalkDir(snap, ".", func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			s.Files++
		}
		return nil
	})
	for _, p := range n.Pods {
		s.Containers += len(p.Containers)
	}
	return s, n.RequirePod(opts.PodUID)
}

// Recapture captures an archive again (to change its format, narrow it
// to one pod with o.Node.PodUID, or turn a plain tar.gz of a copied
// /sys/fs/cgroup into a snapshot). The result still describes the
// original capture: its time (zero when in did not record one), host and
// machine, and its description unless o gives one.
func Recapture(in *Snapshot, o CaptureOptions) (*Snapshot, error) {
	fsys, err := in.FS()
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	o.CapturedAt, o.Hostname, o.Machine = in.Info.CapturedAt, in.Info.Hostname, in.Info.Machine
	if o.Description == "" {
		o.Description = in.Info.Description
	}
	s, err := Capture(fsys, o)
	if err != nil {
		return nil, err
	}
	if in.Info.CapturedAt.IsZero() {
		s.Info.CapturedAt = time.Time{}
	}
	return s, nil
}
