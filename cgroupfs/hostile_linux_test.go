//go:build linux

package cgroupfs

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubecgroups/kubecgroups/internal/cgtest"
	"github.com/kubecgroups/kubecgroups/internal/testutil"
	"golang.org/x/sys/unix"
)

// TestHostileProcSelfLinks points symbolic links into /proc/self, whose
// files change with the reader and include its memory and environment: a
// pod directory, a container directory, a value file, and a pod's
// directory in a controller that is not the listing one. Nothing under
// /proc is read, through os.Root or os.DirFS: links are unknown entries or
// errors, never values.
func TestHostileProcSelfLinks(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	bPod := "kubepods/burstable/pod" + uidB
	gPod := "kubepods/pod" + uidG
	eCtr := "kubepods/besteffort/pod" + uidE + "/" + idE
	for _, l := range []struct{ target, name string }{
		{"/proc/self", "cpu/" + bPod},
		{"/proc/self/cwd", "cpu/" + eCtr},
		{"/proc/self/status", "memory/kubepods/memory.limit_in_bytes"},
		{"/proc/self", "pids/" + gPod},
	} {
		p := filepath.Join(dir, filepath.FromSlash(l.name))
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(l.target, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range bothReaders(t, dir) {
		t.Run(src.what, func(t *testing.T) {
			n := readNode(t, src.fsys, NodeOptions{})
			for _, u := range []string{"/" + bPod, "/" + eCtr} {
				if !hasUnknown(n, u, "symbolic link (not followed)") {
					t.Errorf("unknown %+v, want the link %s", n.Unknown, u)
				}
			}
			if n.Pod(uidB) != nil || n.Pod(uidE).Container(idE) != nil {
				t.Error("a link into /proc/self was read as a pod or container")
			}
			if f := n.Kubepods.Files["memory.limit_in_bytes"]; !errors.Is(f.Err, ErrNotRegularFile) ||
				!strings.Contains(f.Err.Error(), "symbolic link") || f.Raw != "" || f.Value != nil {
				t.Errorf("value file linked to /proc/self/status: %+v, want ErrNotRegularFile", f)
			}
			// A pod's directory in the pids controller is a link: os.Root
			// refuses to leave the tree, os.DirFS's Lstat sees a link
			// where a directory should be.
			f := n.Pod(uidG).Files["pids.max"]
			t.Logf("pids.max: %v", f.Err)
			var pe *fs.PathError
			if !errors.As(f.Err, &pe) || !strings.Contains(f.Err.Error(), "/"+gPod+" in pids") || f.Raw != "" || f.Value != nil {
				t.Errorf("pids.max through a link to /proc/self: %+v, want a *fs.PathError naming the pod in pids", f)
			}
			if want := map[string]string{"os.Root": "escapes", "os.DirFS": "not a directory"}[src.what]; !strings.Contains(f.Err.Error(), want) {
				t.Errorf("pids.max through a link to /proc/self: %v, want %q", f.Err, want)
			}
			// Files of /proc/self, asked for by name through the links.
			for _, name := range []string{"status", "environ", "maps", "cmdline"} {
				f := src.fsys.ReadFile("/"+bPod, name)
				if name == "status" {
					t.Logf("ReadFile %s: %v", name, f.Err)
				}
				if f.Err == nil || f.Raw != "" {
					t.Errorf("ReadFile %s through a link to /proc/self: read %q (%v)", name, f.Raw, f.Err)
				}
			}
		})
	}
}

// TestHostileSpecialFilesDirFS puts a FIFO, a socket and a character
// device where value files should be and reads them through os.DirFS (the
// io/fs path; TestLiveRefusesSpecialFiles and TestLiveRefusesDevices cover
// os.Root): each is refused as not a regular file, without being opened,
// so the FIFO, which nobody writes, cannot block the read.
func TestHostileSpecialFilesDirFS(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, loadTree(t, "v1-cgroupfs"), dir)
	kp := func(ctrl, file string) string { return filepath.Join(dir, ctrl, "kubepods", file) }
	special := map[string]string{"memory.limit_in_bytes": "FIFO", "cpu.cfs_period_us": "socket"}
	os.Remove(kp("memory", "memory.limit_in_bytes"))
	if err := unix.Mkfifo(kp("memory", "memory.limit_in_bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(kp("cpu", "cpu.cfs_period_us"))
	l, err := net.Listen("unix", kp("cpu", "cpu.cfs_period_us"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Remove(kp("cpuset", "cpuset.cpus"))
	if err := unix.Mknod(kp("cpuset", "cpuset.cpus"), unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))); err == nil {
		special["cpuset.cpus"] = "character device"
	} else {
		t.Logf("no character device (mknod needs root): %v", err)
	}
	fsys, err := NewTreeFS(os.DirFS(dir), TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *Node)
	go func() {
		n, _ := fsys.Node(NodeOptions{})
		done <- n
	}()
	var n *Node
	select {
	case n = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("reading the tree blocked on a special file")
	}
	if n == nil {
		t.Fatal("Node failed")
	}
	for file, kind := range special {
		for _, f := range []File{fsys.ReadFile("/kubepods", file), n.Kubepods.Files[file]} {
			if !errors.Is(f.Err, ErrNotRegularFile) || !strings.Contains(f.Err.Error(), kind) ||
				!strings.Contains(f.Err.Error(), file) || f.Status() != "refused" || f.Value != nil {
				t.Errorf("%s (%s): %+v, want refused as not a regular file", file, kind, f)
			}
		}
	}
}

// churnValues are the values a churned cgroup is given.
type churnValues struct {
	memory, pids int64
	shares       uint64
}

// churnCounts are what TestRealKernelChurn saw.
type churnCounts struct {
	reads, pods, containers, gonePods, goneContainers         int
	fileReads, fileGone, podLookups, podGone, partial, inPart int
	created, removed                                          atomic.Int64
}

// TestRealKernelChurn creates and removes pod and container cgroups (real,
// throwaway ones in the v1 controllers) from two goroutines while the main
// goroutine reads the node, one pod and single files again and again. A
// cgroup is made in the listing controller last and removed from it first,
// as the kubelet and the runtimes do. Pods and containers are the union of
// the controllers, so one caught while it is made or removed is read in
// part: its files in the controllers that lack it (or lost it while read)
// say so, and the node notes it. Every other pod and container a read returns must be
// whole: each file with the status it has in a cgroup that does not
// change, and the values written before the cgroup became visible;
// cgroups removed while read must be in Node.Gone (or, for a lookup, an
// fs.ErrNotExist error). Run it with -race.
func TestRealKernelChurn(t *testing.T) {
	mounts := realMounts(t)
	root := "/" + cgtest.UniqueName(t, "churn")
	const stableUID = "5ab1e000-0000-4000-8000-000000000001"
	stablePod := "kubepods/pod" + stableUID
	stableCtr := stablePod + "/" + testutil.HexID("churn/stable")
	buildReal(t, mounts, root, []realCgroup{
		{"", nil},
		{"kubepods", nil},
		{"kubepods/burstable", nil},
		{"kubepods/besteffort", nil},
		{stablePod, map[string]string{"memory.limit_in_bytes": "268435456", "pids.max": "100"}},
		{stableCtr, map[string]string{"memory.limit_in_bytes": "268435456", "pids.max": "100"}},
	})
	fsys := openDefault(t)
	opts := NodeOptions{CgroupRoot: root}

	// The statuses of a cgroup's files when nothing changes it: files of
	// controllers that are not mounted, or not writable here (and so not
	// made), are not "ok" in any cgroup.
	first := readNode(t, fsys, opts)
	status := func(cg *Cgroup) map[string]string {
		m := map[string]string{}
		for name, f := range cg.Files {
			m[name] = f.Status()
		}
		return m
	}
	podStatus, ctrStatus := status(&first.Pod(stableUID).Cgroup), status(&first.Pod(stableUID).Containers[0].Cgroup)
	baseNotes := strings.Join(first.Notes, "\n")

	// The listing controller is made last and removed first.
	var order []string
	var listing string
	for c := range mounts {
		if fsys.Controllers()[c] == fsys.lay.list {
			listing = c
			continue
		}
		order = append(order, c)
	}
	if listing == "" {
		t.Skipf("the listing controller %s is not among the writable ones", fsys.lay.list)
	}
	slices.Sort(order)
	order = append(order, listing)

	dur := 2 * time.Second
	if testing.Short() {
		dur = 500 * time.Millisecond
	}
	var (
		expected sync.Map // cgroup path -> churnValues
		latest   atomic.Value
		counts   churnCounts
		stop     atomic.Bool
		wg       sync.WaitGroup
		failure  = make(chan error, 2)
	)
	create := func(cg string, v churnValues) error {
		for _, c := range order {
			dir := filepath.Join(mounts[c], root, cg)
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
			var err error
			switch c {
			case "memory":
				err = cgtest.WriteErr(filepath.Join(dir, "memory.limit_in_bytes"), fmt.Sprint(v.memory))
			case "pids":
				err = cgtest.WriteErr(filepath.Join(dir, "pids.max"), fmt.Sprint(v.pids))
			case "cpu":
				err = cgtest.WriteErr(filepath.Join(dir, "cpu.shares"), fmt.Sprint(v.shares))
			}
			if err != nil {
				return err
			}
		}
		counts.created.Add(1)
		return nil
	}
	remove := func(cg string) error {
		for _, c := range slices.Backward(order) {
			dir := filepath.Join(mounts[c], root, cg)
			var err error
			for range 50 {
				if err = unix.Rmdir(dir); !errors.Is(err, unix.EBUSY) {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if err != nil {
				return err
			}
		}
		counts.removed.Add(1)
		return nil
	}
	for w, tier := range []string{"kubepods/burstable", "kubepods"} {
		wg.Go(func() {
			for i := 0; !stop.Load() && i < 5000; i++ {
				uid := fmt.Sprintf("c%d%06d-0000-4000-8000-000000000000", w, i)
				pod := tier + "/pod" + uid
				cgs := []string{pod, pod + "/" + testutil.HexID(fmt.Sprint(w, i, "a")), pod + "/" + testutil.HexID(fmt.Sprint(w, i, "b"))}
				for j, cg := range cgs {
					v := churnValues{memory: int64(4096 * (1000 + 3*i + j)), pids: int64(100 + i%1000), shares: uint64(2 + (i+j)%1000)}
					expected.Store(root+"/"+cg, v)
					if err := create(cg, v); err != nil {
						failure <- err
						return
					}
				}
				latest.Store(uid)
				time.Sleep(time.Duration(i%5) * 100 * time.Microsecond)
				for _, cg := range slices.Backward(cgs) {
					if err := remove(cg); err != nil {
						failure <- err
						return
					}
				}
			}
		})
	}
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()

	// whole checks a pod or container cgroup a read returned.
	// It reports whether it is a churned one.
	whole := func(cg *Cgroup, want map[string]string) bool {
		t.Helper()
		if cg.Path == root+"/"+stablePod || cg.Path == root+"/"+stableCtr {
			return false
		}
		for _, f := range cg.Files {
			if isGone(f.Err) {
				counts.inPart++
				return false // caught while made or removed
			}
		}
		ev, ok := expected.Load(cg.Path)
		if !ok {
			t.Errorf("%s: not a cgroup of this test", cg.Path)
			return false
		}
		v := ev.(churnValues)
		bad := false
		for name, st := range want {
			f, ok := cg.Files[name]
			if !ok || f.Status() != st || (st == "ok" && f.Value == nil) {
				t.Errorf("%s %s: %+v (%s), want %s: a cgroup read in part", cg.Path, name, f, f.Status(), st)
				bad = true
			}
		}
		for name, val := range map[string]any{"memory.limit_in_bytes": v.memory, "pids.max": v.pids} {
			if f := cg.Files[name]; f.Err == nil && f.Value != val {
				t.Errorf("%s %s: %v, written %v before the cgroup was listed", cg.Path, name, f.Value, val)
				bad = true
			}
		}
		// cpu.shares is written once the cgroup is listed: the kernel's
		// default or the value written.
		if f := cg.Files["cpu.shares"]; f.Err == nil && f.Value != uint64(1024) && f.Value != v.shares {
			t.Errorf("%s cpu.shares: %v, want 1024 or %d", cg.Path, f.Value, v.shares)
			bad = true
		}
		if bad {
			counts.partial++
		}
		return true
	}
	// Read for dur, longer (up to 5 times) on a machine so busy that no
	// churned pod was read whole yet.
	start := time.Now()
	for (time.Since(start) < dur || counts.pods == 0 && time.Since(start) < 5*dur) && !t.Failed() {
		n := readNode(t, fsys, opts)
		counts.reads++
		for i := range n.Pods {
			p := &n.Pods[i]
			if whole(&p.Cgroup, podStatus) {
				counts.pods++
			}
			for j := range p.Containers {
				if whole(&p.Containers[j].Cgroup, ctrStatus) {
					counts.containers++
				}
			}
		}
		for _, g := range n.Gone {
			_, ok := expected.Load(g.Path)
			switch {
			case !ok:
				t.Errorf("gone %+v: not a cgroup of this test", g)
			case g.Level == LevelPod && g.PodUID != "" && strings.HasSuffix(g.Path, "/pod"+g.PodUID):
				counts.gonePods++
			case g.Level == LevelContainer && g.ContainerID != "" && strings.HasSuffix(g.Path, "/pod"+g.PodUID+"/"+g.ContainerID):
				counts.goneContainers++
			default:
				t.Errorf("gone %+v: level, UID or ID do not match its path", g)
			}
		}
		var notes []string
		for _, note := range n.Notes {
			if !strings.Contains(note, " cgroup "+root+"/") || !strings.Contains(note, " exists only in ") {
				notes = append(notes, note)
			}
		}
		if len(n.Unknown) > 0 || strings.Join(notes, "\n") != baseNotes {
			t.Errorf("unknown %+v, notes %q; want none and %q", n.Unknown, n.Notes, baseNotes)
		}

		// One pod by UID and one of its files by path: whole, or gone.
		uid, _ := latest.Load().(string)
		if uid == "" {
			continue
		}
		if p, err := fsys.Pod(uid, opts); err == nil {
			if whole(&p.Cgroup, podStatus) {
				counts.podLookups++
			}
		} else if errors.Is(err, fs.ErrNotExist) {
			counts.podGone++
		} else {
			t.Errorf("Pod %s: %v", uid, err)
		}
		var podPath string
		expected.Range(func(k, _ any) bool {
			if strings.HasSuffix(k.(string), "/pod"+uid) {
				podPath = k.(string)
				return false
			}
			return true
		})
		f := fsys.ReadFile(podPath, "memory.limit_in_bytes")
		ev, _ := expected.Load(podPath)
		switch {
		case f.Err == nil && f.Value == ev.(churnValues).memory:
			counts.fileReads++
		case f.Err != nil && isGone(f.Err) && f.Value == nil:
			counts.fileGone++
		default:
			t.Errorf("ReadFile %s memory.limit_in_bytes: %+v, want %d or gone", podPath, f, ev.(churnValues).memory)
		}
	}
	stop.Store(true)
	wg.Wait()
	select {
	case err := <-failure:
		t.Fatalf("churn: %v", err)
	default:
	}
	t.Logf("%d node reads: %d churned pods and %d containers read whole, %d pods and %d containers reported gone; "+
		"Pod: %d whole, %d gone; ReadFile: %d values, %d gone; %d cgroups created, %d removed, %d read in part, %d caught while made or removed",
		counts.reads, counts.pods, counts.containers, counts.gonePods, counts.goneContainers,
		counts.podLookups, counts.podGone, counts.fileReads, counts.fileGone,
		counts.created.Load(), counts.removed.Load(), counts.partial, counts.inPart)
	if counts.reads == 0 || counts.created.Load() == 0 || counts.pods == 0 {
		t.Errorf("no churn seen: %d reads, %d cgroups created, %d pods read", counts.reads, counts.created.Load(), counts.pods)
	}
}
