// Package testutil holds small helpers shared by the module's tests. It
// imports nothing from Kubernetes, so the tests of convert and cgroupfs
// may use it; Kubernetes objects for tests are in internal/podtest.
package testutil

import (
	"crypto/sha256"
	"encoding/hex"
)

// HexID returns a deterministic 64-hex-digit ID (the form containerd
// gives containers): the SHA-256 of label, in lower-case hex.
func HexID(label string) string {
	sum := sha256.Sum256([]byte(label))
	return hex.EncodeToString(sum[:])
}
