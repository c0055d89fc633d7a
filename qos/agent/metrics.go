package agent

import (
	"strings"
	"sync"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/qos"
	"github.com/prometheus/client_golang/prometheus"
)

// Metric descriptions. The per-drift series are built from the latest
// report at each scrape (a Collector), so that they exist exactly as long
// as their drift, and a scrape never sees a half-updated set.
var (
	descFiles = prometheus.NewDesc("kubecgroups_files",
		"Files compared at the latest check, by status (match, explained, unverified, drift, missing, unexpected, unlisted, error).",
		[]string{"status"}, nil)
	descFileDrift = prometheus.NewDesc("kubecgroups_file_drift",
		"1 for each cgroup file (or whole cgroup, file=\"\") whose content the pods' specs do not explain; absent when it matches.",
		[]string{"namespace", "pod", "container", "level", "file"}, nil)
	descPodDrift = prometheus.NewDesc("kubecgroups_pod_drift",
		"Unexplained differences (drift, missing, unexpected) in the cgroups of each pod of the node; 0 for a pod whose cgroups match.",
		[]string{"namespace", "pod"}, nil)
	descExplained = prometheus.NewDesc("kubecgroups_explained_files",
		"Files that differ from the predicted value for a known, harmless reason, by reason.",
		[]string{"reason"}, nil)
	descLastCheck = prometheus.NewDesc("kubecgroups_last_check_timestamp_seconds",
		"Unix time of the latest successful check.", nil, nil)
	descThrottled = prometheus.NewDesc("kubecgroups_cpu_throttled_ratio",
		"Share of CFS periods throttled since the cgroup started (0 to 1), for each pod or container (container=\"\" for the pod's cgroup) with a cpu-throttled finding only.",
		[]string{"namespace", "pod", "container"}, nil)
	descOOMKills = prometheus.NewDesc("kubecgroups_oom_kills_total",
		"Processes the OOM killer killed in the cgroup since it started, for each pod or container (container=\"\" for the pod's cgroup) with an oom-killed finding only.",
		[]string{"namespace", "pod", "container"}, nil)
)

// metrics are the agent's Prometheus metrics, in a registry of their own.
type metrics struct {
	reg        *prometheus.Registry
	duration   prometheus.Histogram
	readErrors prometheus.Counter

	mu    sync.Mutex
	state *metricState
}

// metricState is what the latest successful check's report shows.
type metricState struct {
	files     map[qos.Status]int
	drift     [][5]string // namespace, pod, container, level, file
	pods      map[[2]string]int
	explained map[qos.Reason]int
	throttled map[[3]string]float64 // namespace, pod, container
	oomKills  map[[3]string]uint64
	at        time.Time
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kubecgroups_check_duration_seconds",
			Help:    "Time one check takes: reading the compared files and diffing them (and, after a pod change, computing the expectation).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		readErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kubecgroups_read_errors_total",
			Help: "Cgroup files that could not be read, summed over checks, plus checks that failed as a whole.",
		}),
	}
	m.reg.MustRegister(m.duration, m.readErrors, m)
	return m
}

// observe records one check: its duration and, for a report (nil when
// the check failed), the state the collector serves.
func (m *metrics) observe(d time.Duration, r *qos.DiffReport) {
	m.duration.Observe(d.Seconds())
	if r == nil {
		m.readErrors.Inc()
		return
	}
	s := &metricState{
		files: map[qos.Status]int{
			qos.StatusMatch: r.Summary.Match, qos.StatusExplained: r.Summary.Explained, qos.StatusDrift: r.Summary.Drift,
			qos.StatusMissing: r.Summary.Missing, qos.StatusUnexpected: r.Summary.Unexpected,
			qos.StatusUnlisted: r.Summary.Unlisted, qos.StatusError: r.Summary.Errors,
			qos.StatusUnverified: r.Summary.Unverified,
		},
		pods:      map[[2]string]int{},
		explained: map[qos.Reason]int{},
		throttled: map[[3]string]float64{},
		oomKills:  map[[3]string]uint64{},
		at:        time.Now(),
	}
	s.addEffects(r.Effects)
	for _, pe := range r.Results {
		if pe.ResultCgroup != nil && pe.Pod != "" {
			ns, name, _ := strings.Cut(pe.Pod, "/")
			k := [2]string{ns, name}
			if _, ok := s.pods[k]; !ok {
				s.pods[k] = 0
			}
		}
	}
	seen := map[[5]string]bool{}
	for _, res := range r.Results {
		switch {
		case res.Status == qos.StatusExplained:
			s.explained[res.Reason]++
		case res.Status == qos.StatusError:
			m.readErrors.Inc()
		case isDrift(res.Status):
			l := [5]string{4: res.File}
			if c := res.ResultCgroup; c != nil {
				ns, name, _ := strings.Cut(c.Pod, "/")
				l = [5]string{ns, name, c.Container, string(c.Level), res.File}
				switch {
				case c.Pod != "":
					s.pods[[2]string{ns, name}]++
				case c.UID != "":
					l[1] = "uid:" + c.UID // a pod cgroup no pod explains
				}
			}
			if !seen[l] {
				seen[l] = true
				s.drift = append(s.drift, l)
			}
		}
	}
	m.mu.Lock()
	m.state = s
	m.mu.Unlock()
}

// addEffects keeps the cpu-throttled and oom-killed findings of the pods'
// cgroups (pod and container levels), by pod and container: the series
// exist for those findings only.
func (s *metricState) addEffects(e *qos.EffectReport) {
	if e == nil {
		return
	}
	for _, f := range e.Effects {
		c := f.ResultCgroup
		if c == nil || c.Pod == "" || (c.Level != cgroupfs.LevelPod && c.Level != cgroupfs.LevelContainer) {
			continue
		}
		ns, name, _ := strings.Cut(c.Pod, "/")
		k := [3]string{ns, name, c.Container}
		switch f.Reason {
		case qos.EffectCPUThrottled:
			s.throttled[k] = max(s.throttled[k], f.Figures.ThrottledPercent/100)
		case qos.EffectOOMKilled:
			s.oomKills[k] = max(s.oomKills[k], f.Figures.OOMKills)
		}
	}
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFiles, descFileDrift, descPodDrift, descExplained, descLastCheck, descThrottled, descOOMKills} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: the latest report's series.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	s := m.state
	m.mu.Unlock()
	if s == nil {
		return
	}
	for st, n := range s.files {
		ch <- prometheus.MustNewConstMetric(descFiles, prometheus.GaugeValue, float64(n), string(st))
	}
	for _, l := range s.drift {
		ch <- prometheus.MustNewConstMetric(descFileDrift, prometheus.GaugeValue, 1, l[:]...)
	}
	for k, n := range s.pods {
		ch <- prometheus.MustNewConstMetric(descPodDrift, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	for r, n := range s.explained {
		ch <- prometheus.MustNewConstMetric(descExplained, prometheus.GaugeValue, float64(n), string(r))
	}
	for k, v := range s.throttled {
		ch <- prometheus.MustNewConstMetric(descThrottled, prometheus.GaugeValue, v, k[:]...)
	}
	for k, n := range s.oomKills {
		ch <- prometheus.MustNewConstMetric(descOOMKills, prometheus.CounterValue, float64(n), k[:]...)
	}
	ch <- prometheus.MustNewConstMetric(descLastCheck, prometheus.GaugeValue, float64(s.at.UnixNano())/1e9)
}
