package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/kubecgroups/kubecgroups/qos"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// writeReport writes r as compact JSON (the fields, and so the document,
// of json.Marshal(r)), one result at a time: a 250-pod report is about
// 10 MB of JSON, which json.Marshal would hold whole (twice when
// indented) at every request.
func writeReport(w io.Writer, r *qos.DiffReport) error {
	const hole = `"results":null`
	head := *r
	head.Results = nil
	b, err := json.Marshal(&head)
	if err != nil {
		return err
	}
	i := bytes.Index(b, []byte(hole))
	if i < 0 {
		return fmt.Errorf("writing the report: no %s in its JSON", hole)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(b[:i])
	bw.WriteString(`"results":[`)
	for j := range r.Results {
		if j > 0 {
			bw.WriteByte(',')
		}
		rb, err := json.Marshal(&r.Results[j])
		if err != nil {
			return err
		}
		bw.Write(rb)
	}
	bw.WriteByte(']')
	bw.Write(b[i+len(hole):])
	bw.WriteByte('\n')
	return bw.Flush()
}

// Handler serves the agent over HTTP: /metrics, /healthz (the process
// answers), /readyz (Ready), /report (the latest DiffReport as JSON,
// 503 before the first check) and /snapshot (a tar.gz snapshot of the
// node's Kubernetes cgroups, taken on request).
func (a *Agent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := a.Ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /report", func(w http.ResponseWriter, _ *http.Request) {
		r := a.Report()
		if r == nil {
			http.Error(w, "no check has run yet", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = writeReport(w, r) // the client sees a cut-off document
	})
	mux.HandleFunc("GET /snapshot", func(w http.ResponseWriter, _ *http.Request) {
		s, err := a.Snapshot()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var buf bytes.Buffer
		if err := s.WriteTarGz(&buf); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/gzip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+a.o.NodeName+`.tar.gz"`)
		w.Write(buf.Bytes())
	})
	return mux
}
