package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/internal/nodegen"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// agentRSS builds kubecgroups-agent (unless bin names one), writes a
// generated node of the given size as a cgroup tree, serves its pods and
// Node object from a minimal API server of its own (pods list and watch,
// node get, events list and create; HTTP on 127.0.0.1), runs the agent
// process against them with env added to its environment (GOMEMLIMIT,
// GOGC, ...), lets it check every second for the given time while
// /metrics and /report are scraped, and prints the process's peak and
// current RSS (/proc/PID/status VmHWM, VmRSS).
func agentRSS(dir, bin string, pods int, d time.Duration, env []string) {
	if bin == "" {
		bin = filepath.Join(dir, "kubecgroups-agent")
		fmt.Fprintf(os.Stderr, "benchratio: go build -o %s ./cmd/kubecgroups-agent\n", bin)
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/kubecgroups-agent")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		check(build.Run())
	}
	n, err := nodegen.Generate(nodegen.Options{Pods: pods})
	check(err)
	root := filepath.Join(dir, fmt.Sprintf("agent-tree-%d", pods))
	check(os.RemoveAll(root))
	check(n.WriteDir(root))

	api, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(api, fakeAPI(n))
	kubeconfig := filepath.Join(dir, "agent.kubeconfig")
	check(os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://%s"}}]
users: [{name: fake, user: {}}]
contexts: [{name: fake, context: {cluster: fake, user: fake}}]
current-context: fake
`, api.Addr()), 0o600))

	port := freePort()
	cmd := exec.Command(bin, "--node-name", "node-1", "--root", root, "--kubeconfig", kubeconfig, "--configz=false",
		"--interval", "1s", "--listen", "127.0.0.1:"+port)
	cmd.Env = append(os.Environ(), env...)
	logs := filepath.Join(dir, "agent.log")
	lf, err := os.Create(logs)
	check(err)
	defer lf.Close()
	cmd.Stdout, cmd.Stderr = lf, lf
	check(cmd.Start())
	defer cmd.Process.Kill()
	base := "http://127.0.0.1:" + port
	deadline := time.Now().Add(2 * time.Minute)
	for get(base+"/readyz") != http.StatusOK {
		if time.Now().After(deadline) {
			check(fmt.Errorf("the agent was not ready within 2m (log: %s)", logs))
		}
		time.Sleep(200 * time.Millisecond)
	}
	ready := status(cmd.Process.Pid)
	end := time.Now().Add(d)
	scrapes := 0
	for time.Now().Before(end) {
		get(base + "/metrics")
		get(base + "/report")
		scrapes++
		time.Sleep(time.Second)
	}
	last := status(cmd.Process.Pid)
	var m struct {
		files, drift float64
	}
	if body, err := fetch(base + "/metrics"); err == nil {
		for line := range strings.SplitSeq(body, "\n") {
			if strings.HasPrefix(line, `kubecgroups_files{status="match"} `) {
				m.files, _ = strconv.ParseFloat(strings.Fields(line)[1], 64)
			}
			if strings.HasPrefix(line, "kubecgroups_file_drift{") {
				m.drift++
			}
		}
	}
	fmt.Printf("## kubecgroups-agent, %d pods (%s tree), %s of 1 s checks, %d scrapes of /metrics and /report, env %q\n", pods, n.Options.Layout, d, scrapes, env)
	fmt.Printf("  %v matching files, %v drift series\n", m.files, m.drift)
	fmt.Printf("  ready:  VmHWM %s, VmRSS %s\n", ready["VmHWM"], ready["VmRSS"])
	fmt.Printf("  end:    VmHWM %s, VmRSS %s\n", last["VmHWM"], last["VmRSS"])
}

// fakeAPI serves what the agent asks the API server: the node's pods (a
// list, and a watch that streams them as initial events, then nothing),
// the Node object, an empty Event list, and accepts Events.
func fakeAPI(n *nodegen.Node) http.Handler {
	capacity := corev1.ResourceList{}
	for k, q := range n.Profile.Machine.Capacity {
		if k != "pid" && k != "swap" {
			capacity[k] = q
		}
	}
	node := corev1.Node{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", UID: "node-uid-1", ResourceVersion: "1"},
		Status: corev1.NodeStatus{
			Capacity: capacity, Allocatable: capacity,
			NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", ContainerRuntimeVersion: "containerd://2.1.4"},
		},
	}
	list := corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"}, ListMeta: metav1.ListMeta{ResourceVersion: "1"}}
	for _, p := range n.Pods {
		q := p.DeepCopy()
		q.Spec.NodeName, q.ResourceVersion = "node-1", "1"
		list.Items = append(list.Items, *q)
	}
	writeJSON := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/pods", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("watch") != "true" && q.Get("watch") != "1" {
			writeJSON(w, http.StatusOK, list)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		if q.Get("sendInitialEvents") == "true" {
			for i := range list.Items {
				p := list.Items[i]
				p.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
				enc.Encode(map[string]any{"type": "ADDED", "object": p})
			}
			enc.Encode(map[string]any{"type": "BOOKMARK", "object": map[string]any{
				"apiVersion": "v1", "kind": "Pod",
				"metadata": map[string]any{"resourceVersion": "1", "annotations": map[string]string{metav1.InitialEventsAnnotationKey: "true"}},
			}})
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("GET /api/v1/nodes/node-1", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, node) })
	mux.HandleFunc("GET /api/v1/events", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, corev1.EventList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "EventList"}})
	})
	mux.HandleFunc("/api/v1/namespaces/{ns}/events", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(b)
	})
	return mux
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func get(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func fetch(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// status reads the Vm* lines of /proc/PID/status.
func status(pid int) map[string]string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.HasPrefix(k, "Vm") {
			out[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return out
}
