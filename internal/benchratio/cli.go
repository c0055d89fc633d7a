package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/nodegen"
)

// A process is one command timed by timeCLI.
type process struct {
	name string // "v1-cgroupfs/tmpfs/floor"
	argv []string
	// floor names the floor process this one is divided by ("" for a
	// floor or a process without one).
	floor string
}

// A sample is one run of a process.
type sample struct {
	wall, cpu time.Duration
}

// timeCLI builds kubectl-cgroups (unless bin names one) and the raw-read
// floor (./internal/benchratio/rawfloor), generates a node of each layout
// (v1 cgroupfs, v2 systemd) and times, in rounds, each of these processes
// once per round, back to back, all with GOMAXPROCS=procs:
//
//   - tmpfs/floor: rawfloor reading exactly the files the diff compares
//     (nodegen.FilePaths of the files Expectation.Files selects), by
//     absolute path, from the node written out as a directory tree under
//     nodegen.TempBase (/dev/shm when it is a tmpfs);
//   - tmpfs/diff: `kubectl-cgroups diff --root TREE -f pods.json -o json
//     --effects=false` with the node's machine given by flags
//     (--node-capacity, --page-size), so that it reads the same files and
//     finds the node clean;
//   - real/floor and real/diff: the same on throwaway cgroups created on
//     this kernel's cgroup v1 hierarchy (v1 layout only, when it is
//     writable), with --cgroup-root and --cgroup-driver;
//   - snapshot/diff: `kubectl-cgroups diff --snapshot NODE.tar.gz -f
//     pods.json -o json` (the capture's machine facts, default flags),
//     divided by tmpfs/floor;
//
// With binB, every diff is also run by binB (named "...-B"), against the
// same floor in the same round: an A/B comparison of two builds. Also
// once per round, `kubectl-cgroups version` (start-up/version: process
// start to exit with no work). Every diff is first checked to exit 0.
// It prints each round's ratios, then per process the median and range of
// the wall time and the median CPU time (user + system), and per diff the median and range of its ratio to its floor, and
// writes cli.txt and cli-ratios.txt (benchmark format, for benchstat) in
// dir. Last, it runs `kubectl-cgroups version` with GODEBUG=inittrace=1
// and prints the package initialisation totals.
func timeCLI(dir, bin, binB string, pods, rounds, procs int) {
	if bin == "" {
		bin = filepath.Join(dir, "kubectl-cgroups")
		goBuild(bin, "./cmd/kubectl-cgroups")
	}
	floorBin := filepath.Join(dir, "rawfloor")
	goBuild(floorBin, "./internal/benchratio/rawfloor")
	var trees nodegen.Trees
	defer func() {
		if err := trees.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "benchratio: cleanup:", err)
		}
	}()
	var procsList []process
	for _, l := range []nodegen.Layout{{Version: convert.CgroupV1, Driver: cgroupfs.DriverCgroupfs}, {Version: convert.CgroupV2, Driver: cgroupfs.DriverSystemd}} {
		opts := nodegen.Options{Pods: pods, Layout: l}
		mount, n, err := trees.Dir(opts)
		check(err)
		podsFile := writePods(dir, "tmpfs", n)
		snap := filepath.Join(dir, fmt.Sprintf("node-%s-%d.tar.gz", l, pods))
		tgz, err := n.TarGz()
		check(err)
		check(os.WriteFile(snap, tgz, 0o644))
		fsys, err := cgroupfs.NewFS(mount)
		check(err)
		nfiles := writePaths(dir, l, "tmpfs", fsys, mount, cgroupfs.NodeOptions{}, n)
		fsys.Close()
		fmt.Printf("## %s, %d pods: %d files compared; tree %s, snapshot %s (%d KiB)\n", l, pods, nfiles, mount, snap, len(tgz)>>10)
		prefix := l.String() + "/"
		procsList = append(procsList,
			process{name: prefix + "tmpfs/floor", argv: []string{floorBin, pathsFile(dir, l, "tmpfs")}},
			process{name: prefix + "tmpfs/diff", floor: prefix + "tmpfs/floor",
				argv: append([]string{bin, "diff", "--root", mount, "-f", podsFile, "-o", "json", "--effects=false"}, machineFlags(n)...)},
			process{name: prefix + "snapshot/diff", floor: prefix + "tmpfs/floor",
				argv: []string{bin, "diff", "--snapshot", snap, "-f", podsFile, "-o", "json"}},
		)
		if l.Version != convert.CgroupV1 {
			continue
		}
		rn, err := trees.Real(opts)
		if err != nil {
			fmt.Printf("## %s real cgroups: skipped: %v\n", l, err)
			continue
		}
		realPods := writePods(dir, "real", rn)
		rfs, err := cgroupfs.NewDefaultFS()
		check(err)
		ropts := cgroupfs.NodeOptions{CgroupRoot: rn.Profile.Kubelet.CgroupRoot, Driver: cgroupfs.Driver(l.Driver)}
		nfiles = writePaths(dir, l, "real", rfs, cgroupfs.DefaultMountPoint, ropts, rn)
		rfs.Close()
		fmt.Printf("## %s, %d pods on this kernel's cgroup v1 hierarchy (cgroupRoot %s): %d files compared\n", l, pods, ropts.CgroupRoot, nfiles)
		procsList = append(procsList,
			process{name: prefix + "real/floor", argv: []string{floorBin, pathsFile(dir, l, "real")}},
			process{name: prefix + "real/diff", floor: prefix + "real/floor",
				argv: append([]string{bin, "diff", "--root", cgroupfs.DefaultMountPoint, "--cgroup-root", ropts.CgroupRoot, "--cgroup-driver", string(ropts.Driver),
					"-f", realPods, "-o", "json", "--effects=false"}, machineFlags(rn)...)},
		)
	}
	if binB != "" {
		// The same diffs by the other binary, in the same rounds.
		for _, p := range slices.Clone(procsList) {
			if p.floor != "" {
				p.name += "-B"
				p.argv = append([]string{binB}, p.argv[1:]...)
				procsList = append(procsList, p)
			}
		}
	}
	procsList = append(procsList, process{name: "start-up/version", argv: []string{bin, "version"}})
	env := append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", procs))
	// Every process must succeed (a diff: find the node clean, exit 0).
	for _, p := range procsList {
		c := exec.Command(p.argv[0], p.argv[1:]...)
		c.Env = env
		out, err := c.CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s\n", out[:min(len(out), 2000)])
			check(fmt.Errorf("%s: %s: %v (a generated node should diff clean)", p.name, strings.Join(p.argv, " "), err))
		}
		fmt.Printf("%s: %s (%d bytes of output)\n", p.name, strings.Join(p.argv, " "), len(out))
	}
	fmt.Printf("## %d rounds, GOMAXPROCS=%d, each process once per round, in the order above (output to /dev/null)\n", rounds, procs)
	samples := map[string][]sample{}
	var bench, ratios bytes.Buffer
	for r := 0; r <= rounds; r++ { // round 0 warms the caches up
		got := map[string]sample{}
		for _, p := range procsList {
			got[p.name] = runOnce(p.argv, env)
		}
		if r == 0 {
			continue
		}
		var line []string
		for _, p := range procsList {
			s := got[p.name]
			samples[p.name] = append(samples[p.name], s)
			fmt.Fprintf(&bench, "BenchmarkCLI/%s\t1\t%d ns/op\t%d cpu-ns/op\n", p.name, s.wall.Nanoseconds(), s.cpu.Nanoseconds())
			if p.floor != "" {
				ratio := float64(s.wall) / float64(got[p.floor].wall)
				fmt.Fprintf(&ratios, "BenchmarkCLI/%s\t1\t%.4f x-floor\n", p.name, ratio)
				line = append(line, fmt.Sprintf("%s %.2f", p.name, ratio))
			}
		}
		fmt.Printf("round %d: %s\n", r, strings.Join(line, ", "))
	}
	check(os.WriteFile(filepath.Join(dir, "cli.txt"), bench.Bytes(), 0o644))
	check(os.WriteFile(filepath.Join(dir, "cli-ratios.txt"), ratios.Bytes(), 0o644))
	fmt.Printf("\n%-26s %-28s %s\n", "process", "wall: median (range)", "CPU (user+sys): median")
	for _, p := range procsList {
		ss := samples[p.name]
		wall := durations(ss, func(s sample) time.Duration { return s.wall })
		cpu := durations(ss, func(s sample) time.Duration { return s.cpu })
		fmt.Printf("%-26s %-28s %s\n", p.name, fmt.Sprintf("%s (%s to %s)", ms(wall[len(wall)/2]), ms(wall[0]), ms(wall[len(wall)-1])), ms(cpu[len(cpu)/2]))
	}
	fmt.Printf("\n%-26s %s\n", "ratio to the floor", "median (range) of the rounds")
	for _, p := range procsList {
		if p.floor == "" {
			continue
		}
		var rs []float64
		for i, s := range samples[p.name] {
			rs = append(rs, float64(s.wall)/float64(samples[p.floor][i].wall))
		}
		slices.Sort(rs)
		fmt.Printf("%-26s %.2f (%.2f to %.2f)\n", p.name, rs[len(rs)/2], rs[0], rs[len(rs)-1])
	}
	fmt.Printf("\nraw: %s, ratios: %s (benchstat reads both)\n", filepath.Join(dir, "cli.txt"), filepath.Join(dir, "cli-ratios.txt"))
	initTrace(bin, env)
}

// goBuild builds the main package pkg into bin.
func goBuild(bin, pkg string) {
	fmt.Fprintf(os.Stderr, "benchratio: go build -o %s %s\n", bin, pkg)
	build := exec.Command("go", "build", "-o", bin, pkg)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	check(build.Run())
}

// writePods writes the node's pods as `kubectl get pods -o json` prints
// them and returns the file's name.
func writePods(dir, source string, n *nodegen.Node) string {
	name := filepath.Join(dir, fmt.Sprintf("pods-%s-%s-%d.json", n.Options.Layout, source, len(n.Pods)))
	pj, err := n.PodsJSON()
	check(err)
	check(os.WriteFile(name, pj, 0o644))
	return name
}

func pathsFile(dir string, l nodegen.Layout, source string) string {
	return filepath.Join(dir, fmt.Sprintf("paths-%s-%s.txt", l, source))
}

// writePaths writes, one a line, the host path of every file a diff of n
// reads from the tree fsys mounted at mount (the files its expectation
// compares), and returns how many there are.
func writePaths(dir string, l nodegen.Layout, source string, fsys *cgroupfs.FS, mount string, opts cgroupfs.NodeOptions, n *nodegen.Node) int {
	opts.Files = n.Expectation.Files()
	node, err := fsys.Node(opts)
	check(err)
	paths := nodegen.FilePaths(fsys, mount, node)
	check(os.WriteFile(pathsFile(dir, l, source), []byte(strings.Join(paths, "\n")+"\n"), 0o644))
	return len(paths)
}

// machineFlags are the diff flags that give the node's machine (a live
// tree's would otherwise be this host's): its capacity and page size.
func machineFlags(n *nodegen.Node) []string {
	var kv []string
	for name, q := range n.Profile.Machine.Capacity {
		kv = append(kv, string(name)+"="+q.String())
	}
	slices.Sort(kv)
	return []string{"--node-capacity", strings.Join(kv, ","), "--page-size", strconv.FormatInt(n.Profile.Machine.PageSize, 10)}
}

// runOnce runs argv with its output discarded and returns its wall time
// and CPU time. (Not its peak RSS: a child started by vfork reports the
// parent's as its own when that is larger.)
func runOnce(argv, env []string) sample {
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = env
	t := time.Now()
	check(c.Run())
	return sample{wall: time.Since(t), cpu: c.ProcessState.UserTime() + c.ProcessState.SystemTime()}
}

func durations(ss []sample, f func(sample) time.Duration) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	slices.Sort(out)
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/1e6) }

var initLine = regexp.MustCompile(`^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock, (\d+) bytes, (\d+) allocs`)

// initTrace runs `bin version` with GODEBUG=inittrace=1 five times and
// prints the median total of the package initialisers' clock time, bytes
// and allocations, and the five slowest packages of that run.
func initTrace(bin string, env []string) {
	type pkgInit struct {
		pkg   string
		clock float64
	}
	type total struct {
		clock         float64
		bytes, allocs int64
		pkgs          []pkgInit
	}
	var runs []total
	for range 5 {
		c := exec.Command(bin, "version")
		c.Env = append(slices.Clone(env), "GODEBUG=inittrace=1")
		var stderr bytes.Buffer
		c.Stderr = &stderr
		check(c.Run())
		var t total
		sc := bufio.NewScanner(&stderr)
		for sc.Scan() {
			m := initLine.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			clock, _ := strconv.ParseFloat(m[2], 64)
			b, _ := strconv.ParseInt(m[3], 10, 64)
			a, _ := strconv.ParseInt(m[4], 10, 64)
			t.clock += clock
			t.bytes += b
			t.allocs += a
			t.pkgs = append(t.pkgs, pkgInit{m[1], clock})
		}
		runs = append(runs, t)
	}
	slices.SortFunc(runs, func(a, b total) int {
		switch {
		case a.clock < b.clock:
			return -1
		case a.clock > b.clock:
			return 1
		}
		return 0
	})
	t := runs[len(runs)/2]
	slices.SortFunc(t.pkgs, func(a, b pkgInit) int {
		switch {
		case a.clock > b.clock:
			return -1
		case a.clock < b.clock:
			return 1
		}
		return 0
	})
	var top []string
	for _, p := range t.pkgs[:min(5, len(t.pkgs))] {
		top = append(top, fmt.Sprintf("%s %.2f ms", p.pkg, p.clock))
	}
	fmt.Printf("\n## GODEBUG=inittrace=1 %s version (median of 5): %d packages, %.1f ms clock, %d KiB, %d allocations; slowest: %s\n",
		bin, len(t.pkgs), t.clock, t.bytes>>10, t.allocs, strings.Join(top, ", "))
}
