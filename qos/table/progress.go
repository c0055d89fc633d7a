package table

import (
	"fmt"
	"io"
	"sync"
)

// Progress draws "checking N nodes: D done, R running" on one line of a
// terminal (typically standard error) while several nodes are read, and
// lets warnings written through it pass above that line without mangling
// it. A Progress that is off draws nothing and passes warnings through.
// Its methods are safe for concurrent use; Start and Done fit
// cluster.CheckOptions' Started and Done.
type Progress struct {
	mu                     sync.Mutex
	w                      io.Writer
	on                     bool
	total, running, ok, ko int
	drawn                  bool
}

// ProgressOptions configure a Progress.
type ProgressOptions struct {
	// Total is the number of nodes.
	Total int
	// Draw draws the line; give it when w is a terminal. A Progress that
	// does not draw passes warnings through and nothing else.
	Draw bool
}

// NewProgress returns a Progress on w.
func NewProgress(w io.Writer, o ProgressOptions) *Progress {
	return &Progress{w: w, on: o.Draw, total: o.Total}
}

// Start counts a node whose read started.
func (p *Progress) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running++
	p.draw()
}

// Done counts a node whose read ended, failed or not.
func (p *Progress) Done(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
	if failed {
		p.ko++
	} else {
		p.ok++
	}
	p.draw()
}

func (p *Progress) draw() {
	if !p.on {
		return
	}
	line := fmt.Sprintf("checking %d nodes: %d done, %d running", p.total, p.ok+p.ko, p.running)
	if p.ko > 0 {
		line += fmt.Sprintf(", %d failed", p.ko)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.drawn = true
}

// Finish clears the line.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

func (p *Progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// Write writes b (a warning) above the progress line.
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	n, err := p.w.Write(b)
	p.draw()
	return n, err
}
