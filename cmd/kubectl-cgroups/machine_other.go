//go:build !linux

package main

import (
	"errors"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
)

// readMachine is only possible on Linux, where cgroups exist.
func readMachine(procRoot, sysRoot string) (*cgroupfs.MachineInfo, error) {
	return nil, errors.New("reading the machine's capacity needs Linux")
}
