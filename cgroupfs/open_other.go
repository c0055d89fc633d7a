//go:build !unix

package cgroupfs

// openFlags are added to O_RDONLY for every live open; none are needed
// where FIFOs cannot block an open.
const openFlags = 0
