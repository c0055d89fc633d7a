package qos

import "fmt"

// CPUManagerPolicy is the kubelet's cpuManagerPolicy (KubeletConfiguration
// field of that name; pkg/kubelet/cm/cpumanager/policy_none.go and
// policy_static.go, v1.37.2).
type CPUManagerPolicy string

const (
	// CPUManagerPolicyNone is the default: containers share the node's
	// CPUs and cpuset.cpus is left alone.
	CPUManagerPolicyNone CPUManagerPolicy = "none"
	// CPUManagerPolicyStatic pins Guaranteed containers with integer CPU
	// requests to exclusive CPUs.
	CPUManagerPolicyStatic CPUManagerPolicy = "static"
)

// valid reports whether p is a policy the kubelet accepts; empty means
// the default (none).
func (p CPUManagerPolicy) valid() bool {
	return p == "" || p == CPUManagerPolicyNone || p == CPUManagerPolicyStatic
}

// ParseCPUManagerPolicy parses "none" or "static".
func ParseCPUManagerPolicy(s string) (CPUManagerPolicy, error) {
	p := CPUManagerPolicy(s)
	if s == "" || !p.valid() {
		return "", fmt.Errorf("cpu manager policy %q: want none or static", s)
	}
	return p, nil
}

// MemoryReservationPolicy is the kubelet's memoryReservationPolicy
// (KubeletConfiguration field of that name, 1.36 and later).
type MemoryReservationPolicy string

const (
	// MemoryReservationPolicyNone is the default: with MemoryQoS on, the
	// kubelet writes 0 to memory.min and memory.low.
	MemoryReservationPolicyNone MemoryReservationPolicy = "None"
	// MemoryReservationPolicyTiered is "TieredReservation" (1.36 and
	// later, needs the MemoryQoS feature gate): memory requests become
	// memory.min for Guaranteed pods and memory.low for the others.
	MemoryReservationPolicyTiered MemoryReservationPolicy = "TieredReservation"
)

// valid reports whether p is a policy name the kubelet knows; empty means
// the default (None).
func (p MemoryReservationPolicy) valid() bool {
	return p == "" || p == MemoryReservationPolicyNone || p == MemoryReservationPolicyTiered
}

// ParseMemoryReservationPolicy parses "None" or "TieredReservation".
func ParseMemoryReservationPolicy(s string) (MemoryReservationPolicy, error) {
	p := MemoryReservationPolicy(s)
	if s == "" || !p.valid() {
		return "", fmt.Errorf("memory reservation policy %q: want None or TieredReservation", s)
	}
	return p, nil
}
