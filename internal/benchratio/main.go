// Command benchratio runs the node-scale benchmarks and reports each one
// as a ratio to the raw-read floor measured in the same run, with
// benchstat's medians and confidence intervals.
//
//	go run ./internal/benchratio                       # everything (about an hour)
//	go run ./internal/benchratio -bench 'FullDiff/(tmpfs|real)/v1-cgroupfs/250/' ./qos
//	go run ./internal/benchratio -in results.txt       # report an earlier run
//	go run ./internal/benchratio -cli 250              # the diff process against the raw-read floor process
//
// It builds each package's test binary (default ./cgroupfs ./qos) and runs
// it -rounds times (default 6) with -test.bench BENCH -test.benchmem
// -test.count 1 -test.cpu CPUS, so that each round measures every
// benchmark once and a benchmark and the Floor of its tree are measured
// back to back; with -rounds 0 it runs `go test -count COUNT` instead. It
// keeps the raw output in -o DIR and writes there, next to it, ratios.txt:
// for every benchmark ".../<Op>" that has a sibling ".../Floor" (same
// tree, same GOMAXPROCS), the Op of each round divided by the Floor of the
// same round, in the benchmark format with the unit "x-floor". It then
// installs benchstat into a temporary GOBIN
// (golang.org/x/perf/cmd/benchstat@latest, through the Go module proxy)
// and prints `benchstat ratios.txt` (the ratios, with 95% confidence
// intervals) and `benchstat raw.txt` (time, CPU time, allocations and
// bytes per operation and per pod, files, heap). -benchstat PATH uses an
// installed benchstat instead.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	bench := flag.String("bench", "Node|FullDiff|Expect|Diff|PeakHeap", "benchmarks to run (go test -bench)")
	rounds := flag.Int("rounds", 6, "runs of each test binary, each measuring every benchmark once (0: use -count)")
	count := flag.Int("count", 6, "runs of each benchmark with go test -count, when -rounds is 0")
	cpus := flag.String("cpu", "1,2", "GOMAXPROCS values (go test -cpu)")
	benchtime := flag.String("benchtime", "", "go test -benchtime (default: go test's)")
	out := flag.String("o", "", "directory for raw.txt and ratios.txt (default: a new temporary directory)")
	in := flag.String("in", "", "report this earlier raw output instead of running")
	benchstat := flag.String("benchstat", "", "benchstat binary (default: install the latest into a temporary GOBIN)")
	cli := flag.Int("cli", 0, "instead of the benchmarks, time the kubectl-cgroups diff process on a generated node of this many pods (a tree on tmpfs, real v1 cgroups, a snapshot) against the raw-read floor process, in rounds")
	runs := flag.Int("runs", 20, "with -cli: rounds (each process once per round)")
	binB := flag.String("compare", "", "with -cli: a second kubectl-cgroups binary whose diffs are timed in the same rounds (\"...-B\")")
	procs := flag.Int("procs", runtime.NumCPU(), "with -cli: GOMAXPROCS of every process timed")
	bin := flag.String("bin", "", "with -cli: the kubectl-cgroups binary to time (default: build ./cmd/kubectl-cgroups); with -agent: the kubecgroups-agent binary (default: build ./cmd/kubecgroups-agent)")
	agentPods := flag.Int("agent", 0, "instead of the benchmarks, run the kubecgroups-agent process on a generated node of this many pods (a fake API server of its own) and report its RSS")
	agentFor := flag.Duration("agent-for", 30*time.Second, "with -agent: how long the agent runs (1 s checks, scraped every second)")
	agentEnv := flag.String("agent-env", "", "with -agent: space-separated KEY=VALUE added to the agent's environment (GOMEMLIMIT=..., GOGC=...)")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = []string{"./cgroupfs", "./qos"}
	}
	dir := *out
	if dir == "" {
		d, err := os.MkdirTemp("", "benchratio-")
		check(err)
		dir = d
	}
	check(os.MkdirAll(dir, 0o755))
	if *cli > 0 {
		timeCLI(dir, *bin, *binB, *cli, *runs, *procs)
		return
	}
	if *agentPods > 0 {
		agentRSS(dir, *bin, *agentPods, *agentFor, strings.Fields(*agentEnv))
		return
	}
	rawPath := filepath.Join(dir, "raw.txt")
	if *in != "" {
		rawPath = *in
	} else {
		f, err := os.Create(rawPath)
		check(err)
		if *rounds > 0 {
			runRounds(f, dir, pkgs, *rounds, *bench, *cpus, *benchtime)
		} else {
			for _, pkg := range pkgs {
				args := []string{"test", "-run", "^$", "-bench", *bench, "-benchmem", "-count", strconv.Itoa(*count), "-cpu", *cpus, "-timeout", "0"}
				if *benchtime != "" {
					args = append(args, "-benchtime", *benchtime)
				}
				args = append(args, pkg)
				fmt.Fprintf(os.Stderr, "benchratio: go %s\n", strings.Join(args, " "))
				cmd := exec.Command("go", args...)
				cmd.Stdout = io.MultiWriter(f, os.Stderr)
				cmd.Stderr = os.Stderr
				check(cmd.Run())
			}
		}
		check(f.Close())
	}
	raw, err := os.ReadFile(rawPath)
	check(err)
	ratios, n := floorRatios(raw)
	ratioPath := filepath.Join(dir, "ratios.txt")
	check(os.WriteFile(ratioPath, ratios, 0o644))
	fmt.Fprintf(os.Stderr, "benchratio: %d ratios; raw output %s, ratios %s\n", n, rawPath, ratioPath)

	bs := *benchstat
	if bs == "" {
		bs = installBenchstat()
	}
	fmt.Println("## Ratio to the raw-read floor of the same tree, same run (x-floor; < 1 is faster than the floor)")
	run(bs, ratioPath)
	fmt.Println("\n## Measurements")
	run(bs, rawPath)
}

// runRounds builds the test binary of each package and runs each one
// rounds times, appending the output to w.
func runRounds(w io.Writer, dir string, pkgs []string, rounds int, bench, cpus, benchtime string) {
	bins := make([]string, len(pkgs))
	dirs := make([]string, len(pkgs))
	for i, pkg := range pkgs {
		bins[i] = filepath.Join(dir, fmt.Sprintf("pkg%d.test", i))
		fmt.Fprintf(os.Stderr, "benchratio: go test -c -o %s %s\n", bins[i], pkg)
		cmd := exec.Command("go", "test", "-c", "-o", bins[i], pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		check(cmd.Run())
		out, err := exec.Command("go", "list", "-f", "{{.Dir}}", pkg).Output()
		check(err)
		dirs[i] = strings.TrimSpace(string(out))
	}
	for r := 1; r <= rounds; r++ {
		for i, bin := range bins {
			args := []string{"-test.run", "^$", "-test.bench", bench, "-test.benchmem", "-test.count", "1", "-test.cpu", cpus, "-test.timeout", "0"}
			if benchtime != "" {
				args = append(args, "-test.benchtime", benchtime)
			}
			fmt.Fprintf(os.Stderr, "benchratio: round %d/%d: %s %s\n", r, rounds, pkgs[i], strings.Join(args, " "))
			cmd := exec.Command(bin, args...)
			cmd.Dir = dirs[i] // as go test runs it
			cmd.Stdout = io.MultiWriter(w, os.Stderr)
			cmd.Stderr = os.Stderr
			check(cmd.Run())
		}
	}
}

// result is one benchmark result line.
type result struct {
	name   string // without the -GOMAXPROCS suffix
	procs  string // "-2", or "" for GOMAXPROCS 1
	values map[string]float64
}

var procsSuffix = regexp.MustCompile(`-(\d+)$`)

// parse reads benchmark result lines and keeps the other lines that
// configure the output (goos:, pkg:, ...) in order, attached to the
// results that follow them.
func parse(raw []byte) (configs []string, results []result) {
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if k, _, ok := strings.Cut(line, ":"); ok && !strings.Contains(k, " ") && !strings.HasPrefix(line, "Benchmark") {
			configs = append(configs, line)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		r := result{name: f[0], values: map[string]float64{}}
		if m := procsSuffix.FindStringSubmatch(f[0]); m != nil {
			r.name, r.procs = strings.TrimSuffix(f[0], m[0]), m[0]
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			r.values[f[i+1]] = v
		}
		results = append(results, r)
	}
	return configs, results
}

// floorRatios pairs each benchmark ".../Op" with ".../Floor" of the same
// parent and GOMAXPROCS, run by run, and returns the ratios of their
// sec/op in benchmark format.
func floorRatios(raw []byte) ([]byte, int) {
	configs, results := parse(raw)
	type key struct{ name, procs string }
	runs := map[key][]float64{} // ns/op of each run, in order
	var order []key
	for _, r := range results {
		k := key{r.name, r.procs}
		if _, ok := runs[k]; !ok {
			order = append(order, k)
		}
		runs[k] = append(runs[k], r.values["ns/op"])
	}
	var b bytes.Buffer
	for _, c := range configs {
		if strings.HasPrefix(c, "goos:") || strings.HasPrefix(c, "goarch:") || strings.HasPrefix(c, "cpu:") {
			fmt.Fprintln(&b, c)
		}
	}
	n := 0
	for _, k := range order {
		i := strings.LastIndexByte(k.name, '/')
		if i < 0 || k.name[i+1:] == "Floor" {
			continue
		}
		floor, ok := runs[key{k.name[:i+1] + "Floor", k.procs}]
		if !ok {
			continue
		}
		for j, v := range runs[k] {
			if j < len(floor) && floor[j] > 0 {
				fmt.Fprintf(&b, "%s%s\t1\t%.4f x-floor\n", k.name, k.procs, v/floor[j])
				n++
			}
		}
	}
	return b.Bytes(), n
}

// installBenchstat installs benchstat into a temporary GOBIN.
func installBenchstat() string {
	gobin, err := os.MkdirTemp("", "benchstat-bin-")
	check(err)
	cmd := exec.Command("go", "install", "golang.org/x/perf/cmd/benchstat@latest")
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Run())
	return filepath.Join(gobin, "benchstat")
}

func run(bin string, args ...string) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	check(cmd.Run())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(2)
	}
}
