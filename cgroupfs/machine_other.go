//go:build !linux

package cgroupfs

import "fmt"

// ReadMachine reads the machine's capacity facts; it needs Linux, where
// cgroups exist, and returns an error matching ErrNotSupported elsewhere.
func ReadMachine(procRoot, sysRoot string) (*MachineInfo, error) {
	return nil, fmt.Errorf("reading the machine's capacity from %s and %s: %w (it needs Linux)", procRoot, sysRoot, ErrNotSupported)
}
