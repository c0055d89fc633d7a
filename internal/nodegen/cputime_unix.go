//go:build unix

package nodegen

import (
	"syscall"
	"time"
)

// CPUTime returns the user and system CPU time the process has used, all
// threads together. Benchmarks report it per operation next to the wall
// time: on a shared machine it moves much less with the load of others.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
