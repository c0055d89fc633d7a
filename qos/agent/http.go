package agent

import (
	"bytes"
	"io"
	"net/http"

	"github.com/kubecgroups/kubecgroups/internal/jsonstream"
	"github.com/kubecgroups/kubecgroups/qos"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// writeReport writes r as compact JSON, the bytes of json.Marshal(r)
// and a newline, one result at a time (internal/jsonstream): a 250-pod
// report is about 10 MB of JSON, which json.Marshal would hold whole at
// every request.
func writeReport(w io.Writer, r *qos.DiffReport) error {
	return jsonstream.Encode(w, r, jsonstream.Options{EscapeHTML: true})
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
