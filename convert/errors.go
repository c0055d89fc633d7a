package convert

import (
	"errors"
	"fmt"

	"github.com/kubecgroups/kubecgroups/internal/safetext"
)

// ErrSyntax is wrapped by a *ValueError when text is not in the format the
// kernel uses for a cgroup file.
var ErrSyntax = errors.New("invalid syntax")

// ErrRange is wrapped by a *ValueError when a value is well formed but
// outside the range the kernel (or the runtime) accepts.
var ErrRange = errors.New("value out of range")

// ErrUnifiedOnV1 is returned by [OCIFiles] when an OCI LinuxResources
// carries a Unified map for a cgroup v1 host; runc and crun refuse it with
// "cannot use unified on cgroup v1".
var ErrUnifiedOnV1 = errors.New("cannot use unified on cgroup v1")

// ValueError describes a value that could not be parsed or converted.
// It names what was being parsed and quotes the offending input.
type ValueError struct {
	// What names the value, usually a cgroup file name such as "cpu.max".
	What string
	// Value is the offending input, quoted in the message (truncated).
	Value string
	// Err is ErrSyntax, ErrRange or a more specific cause.
	Err error
}

// Error implements the error interface. A Value longer than
// safetext.DefaultMaxBytes is quoted truncated, with its length: a file
// of 64 KiB would otherwise be repeated whole in every message about it.
func (e *ValueError) Error() string {
	return fmt.Sprintf("%s: %q: %v", e.What, safetext.Truncate(e.Value, safetext.DefaultMaxBytes), e.Err)
}

// Unwrap returns the underlying cause, so errors.Is(err, ErrSyntax) works.
func (e *ValueError) Unwrap() error { return e.Err }

func syntaxError(what, value, detail string) error {
	if detail == "" {
		return &ValueError{What: what, Value: value, Err: ErrSyntax}
	}
	return &ValueError{What: what, Value: value, Err: fmt.Errorf("%w: %s", ErrSyntax, detail)}
}

func rangeError(what, value, detail string) error {
	if detail == "" {
		return &ValueError{What: what, Value: value, Err: ErrRange}
	}
	return &ValueError{What: what, Value: value, Err: fmt.Errorf("%w: %s", ErrRange, detail)}
}
