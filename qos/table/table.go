package table

import (
	"io"
	"text/tabwriter"
)

// NewTabWriter returns a tabwriter laid out like kubectl's tables:
// columns separated by at least three spaces, no trailing padding.
func NewTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
}
