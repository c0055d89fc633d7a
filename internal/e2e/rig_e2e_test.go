//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// downScripts are the teardown scripts of every rig a test started; they
// also run when the test binary is interrupted.
var (
	downMu      sync.Mutex
	downScripts = map[string]bool{}
)

func TestMain(m *testing.M) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "e2e: %v: tearing the rigs down\n", s)
		runAllDown()
		os.Exit(2)
	}()
	code := m.Run()
	runAllDown()
	os.Exit(code)
}

func runAllDown() {
	downMu.Lock()
	defer downMu.Unlock()
	for script := range downScripts {
		cmd := exec.Command(script)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		_ = cmd.Run()
		delete(downScripts, script)
	}
}

// repoRoot is the module root (two levels above this package).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("e2e: %s is not the module root: %v", dir, err)
	}
	return dir
}

// requireHost skips the test, saying exactly why, when this machine cannot
// host a kubelet with cgroup v1 controllers.
func requireHost(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("e2e: needs root (the kubelet and runc create cgroups and mounts)")
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		t.Skipf("e2e: statfs /sys/fs/cgroup: %v", err)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		t.Skip("e2e: this host is pure cgroup v2; the rig is written for the cgroup v1 controllers of this machine kind")
	}
	for _, c := range []string{"cpu", "memory", "pids"} {
		if err := unix.Access(filepath.Join("/sys/fs/cgroup", c), unix.W_OK); err != nil {
			t.Skipf("e2e: cgroup v1 controller %s is not writable: %v", c, err)
		}
	}
}

// runScript runs a rig script with its output streamed into the test log.
func runScript(t *testing.T, ctx context.Context, env []string, script string, args ...string) error {
	t.Helper()
	cmd := exec.CommandContext(ctx, script, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		t.Logf("%s: %s", filepath.Base(script), line)
	}
	return err
}

// readEnvFile parses a KEY=VALUE file as written by the rig scripts.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		env[k] = v
	}
	return env, sc.Err()
}

// workDir is the rigs' shared work directory.
func workDir() string {
	if d := os.Getenv("KCG_E2E_WORKDIR"); d != "" {
		return d
	}
	return "/var/tmp/kubecgroups-e2e"
}

// installOnce runs a rig's idempotent install script once per test binary.
var installed sync.Map

func install(t *testing.T, script string, env ...string) {
	t.Helper()
	if _, done := installed.Load(script); done {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	start := time.Now()
	if err := runScript(t, ctx, env, script); err != nil {
		t.Fatalf("e2e: %s: %v", script, err)
	}
	t.Logf("e2e: %s took %s", filepath.Base(script), time.Since(start).Round(time.Second))
	installed.Store(script, true)
}

// clearStaleRigs tears down a rig (node or cluster) that an interrupted
// earlier run left behind: its state file makes up.sh refuse to start, and
// only one rig can run at a time. Both down scripts stop exactly what the
// state files name.
func clearStaleRigs(t *testing.T) {
	t.Helper()
	for _, rig := range []struct{ state, dir string }{
		{"cluster.state", "cluster"},
		{"rig.state", "rig"},
	} {
		if _, err := os.Stat(filepath.Join(workDir(), rig.state)); err != nil {
			continue
		}
		t.Logf("e2e: %s exists (a rig left by an earlier run): tearing it down first", rig.state)
		script := filepath.Join(repoRoot(t), "internal", "e2e", rig.dir, "down.sh")
		if err := runScript(t, context.Background(), nil, script); err != nil {
			t.Fatalf("e2e: tearing down the stale %s rig: %v", rig.dir, err)
		}
	}
}

// prepareRig readies a rig (internal/e2e/DIR): it skips the test where
// the host cannot run one, installs it once per test binary, tears down a
// stale rig, and registers the rig's down script for TestMain's signal
// handler. It returns the rig's directory and down script.
func prepareRig(t *testing.T, name string) (dir, down string) {
	t.Helper()
	requireHost(t)
	dir = filepath.Join(repoRoot(t), "internal", "e2e", name)
	install(t, filepath.Join(dir, "install.sh"))
	clearStaleRigs(t)
	down = filepath.Join(dir, "down.sh")
	downMu.Lock()
	downScripts[down] = true
	downMu.Unlock()
	return dir, down
}

// nodeRig is a running standalone kubelet started by internal/e2e/rig.
type nodeRig struct {
	env map[string]string
}

// startNodeRig installs (if needed) and starts the node rig with the given
// runtime (containerd1, containerd2) and kubelet configuration (a, b), and
// registers its teardown.
func startNodeRig(t *testing.T, runtime, config string) *nodeRig {
	t.Helper()
	dir, down := prepareRig(t, "rig")
	tearDownAtCleanup(t, down)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	if err := runScript(t, ctx, nil, filepath.Join(dir, "up.sh"), runtime, config); err != nil {
		t.Fatalf("e2e: rig up %s %s: %v", runtime, config, err)
	}
	t.Logf("e2e: rig %s/%s up in %s", runtime, config, time.Since(start).Round(100*time.Millisecond))
	env, err := readEnvFile(filepath.Join(workDir(), "rig.env"))
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	return &nodeRig{env: env}
}

// tearDownAtCleanup runs the rig's down script when the test ends and
// forgets it as a teardown still owed.
func tearDownAtCleanup(t *testing.T, down string) {
	t.Cleanup(func() {
		if err := runScript(t, context.Background(), nil, down); err != nil {
			t.Errorf("e2e: rig teardown: %v", err)
		}
		downMu.Lock()
		delete(downScripts, down)
		downMu.Unlock()
	})
}
