package table

import (
	"bytes"
	"io"
	"strings"

	"github.com/kubecgroups/kubecgroups/internal/safetext"
	"github.com/kubecgroups/kubecgroups/qos"
)

// Every view is rendered into a buffer first and written line by line
// through safetext.Escape: names, values and messages come from nodes,
// snapshots, the API server and input files, and none of their control
// characters or bidirectional overrides reaches the terminal (kubectl
// does the same, CVE-2021-25743). Colours are added after escaping, to
// the status column only, so they are the only escape sequences written.

// writeSafe renders with render, then writes the escaped lines to w.
func writeSafe(w io.Writer, color bool, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	out := make([]byte, 0, buf.Len()+buf.Len()/16)
	for line := range strings.SplitAfterSeq(buf.String(), "\n") {
		body, nl := strings.CutSuffix(line, "\n")
		body = safetext.Escape(body)
		if color {
			body = colorStatus(body)
		}
		out = append(out, body...)
		if nl {
			out = append(out, '\n')
		}
	}
	_, err := w.Write(out)
	return err
}

// colorStatus colours the status label that starts a cgroup line of a
// diff table.
func colorStatus(line string) string {
	for _, s := range []qos.Status{qos.StatusDrift, qos.StatusMissing, qos.StatusUnexpected, qos.StatusError, qos.StatusExplained, qos.StatusUnlisted, qos.StatusMatch} {
		label := statusLabel(s, false)
		if rest, ok := strings.CutPrefix(line, label); ok {
			return statusLabel(s, true) + rest
		}
	}
	return line
}
