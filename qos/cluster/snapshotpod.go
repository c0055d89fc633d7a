package cluster

// The snapshot pod: how cluster mode reads a node's cgroups. A short-lived
// pod pinned to the node with spec.nodeName mounts the host's
// /sys/fs/cgroup read-only, copies the files kubecgroups reads from the
// kubepods subtrees into an in-memory emptyDir (cgroup files report size
// 0, so tar on them would store empty files), and writes a tar.gz of the
// copy to standard output over exec. The pod is deleted gracefully on
// success, on error and on interrupt, and the command waits until it is
// gone. Leftovers (the process was killed) carry SnapshotPodLabel and are
// removed by "kubectl cgroups cleanup".

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/safetext"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/utils/ptr"
)

const (
	// SnapshotPodLabel (app.kubernetes.io/name) marks every snapshot
	// pod; cleanup deletes the pods that carry it.
	SnapshotPodLabel      = "app.kubernetes.io/name"
	SnapshotPodLabelValue = "kubecgroups-snapshot"
	// SnapshotRunIDLabel names the run (one command) that created a
	// snapshot pod: "cleanup --run-id ID" deletes that run's pods only,
	// and a warning about a pod that may be left over names it.
	SnapshotRunIDLabel = "kubecgroups.io/run-id"
	// SnapshotNodeLabel names the node a snapshot pod reads (when the
	// node name fits a label value; the annotation always holds it).
	SnapshotNodeLabel = "kubecgroups.io/node"
	// SnapshotPodPrefix starts every snapshot pod's name:
	// kcg-snapshot-<node>-<5 random characters>.
	SnapshotPodPrefix = "kcg-snapshot-"
	// SnapshotContainer is the snapshot pod's container's name.
	SnapshotContainer = "snapshot"
	// SnapshotHostPath is the host directory the snapshot pod mounts
	// read-only, at SnapshotMountPath.
	SnapshotHostPath  = "/sys/fs/cgroup"
	SnapshotMountPath = "/host/sys/fs/cgroup"
	// SnapshotScratchPath is where the snapshot pod's in-memory emptyDir
	// (the copy of the files) is mounted.
	SnapshotScratchPath = "/tmp"
	// SnapshotUID is the user (and group) the snapshot pod runs as:
	// nobody. cgroup files are world-readable on v1 and v2.
	SnapshotUID = 65534
	// MaxSnapshotPodLifetime bounds a snapshot pod's life: its command
	// ends after it, and its activeDeadlineSeconds (the snapshot timeout
	// plus SnapshotPodGrace) may not exceed it. The admission policy of
	// "rbac --snapshot-pods" refuses pods that would live longer.
	MaxSnapshotPodLifetime = time.Hour
	// SnapshotPodGrace is added to the snapshot timeout for the pod's
	// activeDeadlineSeconds: the pod list taken while the pod still runs
	// and the delete happen after the stream.
	SnapshotPodGrace = time.Minute
	// hostCgroupMount is where the pod sees the host's /sys/fs/cgroup.
	hostCgroupMount = SnapshotMountPath
	// scratchDir is the in-memory emptyDir the files are copied into.
	scratchDir = SnapshotScratchPath
	// maxArchiveBytes bounds the compressed archive read from a pod; a
	// node with 110 pods streams well under 1 MiB, one with 1,000 pods
	// about 2 MiB.
	maxArchiveBytes = 32 << 20
	// podPollInterval is how often the snapshot pod's state is read.
	podPollInterval = 250 * time.Millisecond
	// deleteWait bounds the wait for a deleted snapshot pod to be gone.
	deleteWait = time.Minute
	// createWait bounds the creation of a snapshot pod when no request
	// timeout is set: an interrupt does not cancel it (the pod must be
	// known to be deleted), so something else must.
	createWait = time.Minute
)

// snapshotScript runs in the snapshot pod as sh -c SCRIPT sh SRC WORK. It
// copies, from the controller hierarchies that hold cgroup values (v1) or
// the unified root (v2; a tree with neither is read whole as one
// hierarchy), the directories of the kubepods subtrees and the
// files kubecgroups reads (cgroupfs.DefaultFiles and the hugetlb limits)
// into WORK/tree, with the layout of /sys/fs/cgroup (the v1 controller
// directories, never their symbolic links such as cpu -> cpu,cpuacct; the
// v2 root's cgroup.controllers), then writes kubecgroups-snapshot.json
// (capture time, page size, pid_max and threads-max, which are not
// namespaced) and streams tar czf of WORK/tree to standard output.
//
// Every value file holds one line, so one grep -H with an empty pattern
// per batch of files reads them (a shell loop with cat takes a fork per
// file: minutes on a large node) and one awk writes them back, splitting
// at the last colon (values never hold one). Cgroups come and go while
// this runs (pods start and stop): files that vanish are skipped, and the
// directory of every file read is made before the files are written, so a
// cgroup born after the directory walk is kept too.
//
// A name is a line of that listing, so a cgroup path with a newline
// could forge the line of another pod's file ("x\n<victim>/memory.max:max"
// written by a container that can create cgroups). Every path with a
// byte outside printable ASCII (a newline, any other control character,
// any non-ASCII byte; the kubelet, the runtimes and systemd name
// cgroups in ASCII) is therefore left out of both walks, pruned with its
// subtree, and their number is reported on standard error, which the
// plugin prints as a warning.
var snapshotScript = `set -u
export LC_ALL=C
src=$1 work=$2
bad='*[! -~]*'
tree=$work/tree
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
rm -rf "$work" && mkdir -p "$tree" || exit 3
cd "$src" || { echo "cannot enter $src" >&2; exit 3; }
if [ -f cgroup.controllers ]; then
	roots=.
	set -- cgroup.controllers
else
	roots=
	for e in *; do
		if [ -d "$e" ] && [ ! -L "$e" ]; then
			mkdir "$tree/$e" || exit 3
			case ",$e," in *,cpu,* | *,cpuacct,* | *,cpuset,* | *,memory,* | *,pids,* | *,hugetlb,*) roots="$roots $e" ;; esac
		fi
	done
	set --
fi
# Neither: one hierarchy without its root files (a copy); read it whole.
[ -n "$roots" ] || roots=.
skipped=$(find $roots -path "$bad" -prune -print0 2>/dev/null | tr -cd '\000' | wc -c)
find $roots -path "$bad" -prune -o -path '*kubepods*' -type d -print0 2>/dev/null | (cd "$tree" && xargs -0 -r mkdir -p) || exit 3
{
	[ $# -eq 0 ] || grep -H '' "$@"
	find $roots -path "$bad" -prune -o -path '*kubepods*' -type f \( ` + findNames() + ` \) -print0 2>/dev/null | xargs -0 -r grep -H '' 2>/dev/null
} >"$work/values"
awk '{ i = match($0, /:[^:]*$/); if (i > 1) { d = substr($0, 1, i - 1); if (sub(/\/[^\/]*$/, "", d) && d != "" && !(d in seen)) { seen[d] = 1; print d } } }' "$work/values" |
	tr '\n' '\000' | (cd "$tree" && xargs -0 -r mkdir -p) || exit 3
awk -v T="$tree" '{ i = match($0, /:[^:]*$/); if (i > 1) { f = T "/" substr($0, 1, i - 1); print substr($0, i + 1) > f; close(f) } }' "$work/values" || exit 3
num() { case $1 in '' | *[!0-9]*) echo 0 ;; *) echo "$1" ;; esac; }
pm=$(num "$(cat /proc/sys/kernel/pid_max 2>/dev/null)")
tm=$(num "$(cat /proc/sys/kernel/threads-max 2>/dev/null)")
ps=$(num "$(awk '$1 == "KernelPageSize:" { print $2 * 1024; exit }' /proc/self/smaps 2>/dev/null)")
printf '{"apiVersion":"` + qos.APIVersion + `","kind":"CgroupSnapshot","capturedAt":"%s","pageSizeBytes":%s,"machine":{"pidMax":%s,"threadsMax":%s}}\n' "$now" "$ps" "$pm" "$tm" >"$tree/` + cgroupfs.MetadataFile + `" || exit 3
[ "$skipped" -eq 0 ] || echo "skipped $skipped cgroup paths whose names have a control character or a byte outside printable ASCII" >&2
exec tar czf - -C "$tree" .
`

// findNames is the find expression matching the files cgroupfs reads.
func findNames() string {
	var names []string
	for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
		for _, n := range append(cgroupfs.DefaultFiles(v), cgroupfs.CounterFiles(v)...) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	names = append(names, "hugetlb.*.limit_in_bytes", "hugetlb.*.max")
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "-name '" + n + "'"
	}
	return strings.Join(parts, " -o ")
}

// SnapshotCommand is the command line the snapshot pod runs over exec:
// the snapshot script with the host's cgroup tree at hostRoot and its
// scratch directory at workDir. It writes a tar.gz snapshot (see
// cgroupfs.ReadSnapshot) to standard output.
func SnapshotCommand(hostRoot, workDir string) []string {
	return []string{"sh", "-c", snapshotScript, "kcg-snapshot", hostRoot, workDir}
}

// snapshotPodName returns a fresh name for node's snapshot pod.
func snapshotPodName(node string) string {
	n := strings.Trim(strings.ToLower(node), ".-")
	n = strings.NewReplacer(".", "-", "_", "-").Replace(n)
	if len(n) > 40 {
		n = strings.TrimRight(n[:40], "-")
	}
	return SnapshotPodPrefix + n + "-" + rand.String(5)
}

// SnapshotPodCommand is the snapshot pod's command: a shell that waits
// (the snapshot script runs over exec), exits on SIGTERM so a graceful
// delete is quick, and ends by itself after MaxSnapshotPodLifetime. It
// never varies, so that an admission policy can require it exactly.
func SnapshotPodCommand() []string {
	return []string{"sh", "-c", fmt.Sprintf("trap 'exit 0' TERM; sleep %d & wait", int(MaxSnapshotPodLifetime.Seconds()))}
}

// SnapshotPodSpec names one snapshot pod.
type SnapshotPodSpec struct {
	// Node is the node it reads; Name and Namespace its own.
	Node, Name, Namespace string
	// Image is its image: name:tag, or name@sha256:DIGEST (or both) to
	// pin it.
	Image string
	// RunID is the SnapshotRunIDLabel value: the run that creates it.
	RunID string
	// Lifetime is its activeDeadlineSeconds (rounded up to a second):
	// after it the kubelet stops it whatever the command that created
	// it does. Zero or more than MaxSnapshotPodLifetime means
	// MaxSnapshotPodLifetime.
	Lifetime time.Duration
}

// SnapshotPod is the pod that reads a node's cgroups: pinned with
// nodeName (no scheduler involved, every taint tolerated), in the pod
// network (no host network: cgroups do not need it, and it would bypass
// NetworkPolicy), BestEffort (it changes no QoS tier value it reads),
// non-root, no privilege escalation, no capabilities, RuntimeDefault
// seccomp, a read-only root filesystem, no service-account token, an
// activeDeadlineSeconds, and a read-only hostPath of /sys/fs/cgroup with
// recursiveReadOnly: IfPossible, so that the v1 controller hierarchies
// mounted below it are read-only too where the kubelet and the runtime
// support recursive read-only mounts (Kubernetes 1.33+ with a runtime
// that reports it, such as containerd 2.x on Linux 5.12+; elsewhere the
// mount is read-only at its top only). The admission policy of "rbac
// --snapshot-pods" admits exactly this shape.
func SnapshotPod(s SnapshotPodSpec) *corev1.Pod {
	labels := map[string]string{
		SnapshotPodLabel:               SnapshotPodLabelValue,
		"app.kubernetes.io/managed-by": "kubectl-cgroups",
	}
	if s.RunID != "" {
		labels[SnapshotRunIDLabel] = s.RunID
	}
	if len(validation.IsValidLabelValue(s.Node)) == 0 {
		labels[SnapshotNodeLabel] = s.Node
	}
	life := s.Lifetime
	if life <= 0 || life > MaxSnapshotPodLifetime {
		life = MaxSnapshotPodLifetime
	}
	deadline := int64((life + time.Second - 1) / time.Second)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      s.Name,
			Namespace: s.Namespace,
			Labels:    labels,
			Annotations: map[string]string{
				SnapshotNodeLabel:            s.Node,
				"kubecgroups.io/description": "reads the node's cgroups for kubectl cgroups; deleted when done (leftovers: kubectl cgroups cleanup)",
			},
		},
		Spec: corev1.PodSpec{
			NodeName:                      s.Node,
			RestartPolicy:                 corev1.RestartPolicyNever,
			ActiveDeadlineSeconds:         &deadline,
			TerminationGracePeriodSeconds: ptr.To[int64](5),
			EnableServiceLinks:            ptr.To(false),
			AutomountServiceAccountToken:  ptr.To(false),
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(true),
				RunAsUser:      ptr.To[int64](SnapshotUID),
				RunAsGroup:     ptr.To[int64](SnapshotUID),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name:            SnapshotContainer,
				Image:           s.Image,
				ImagePullPolicy: corev1.PullIfNotPresent,
				Command:         SnapshotPodCommand(),
				SecurityContext: &corev1.SecurityContext{
					Privileged:               ptr.To(false),
					AllowPrivilegeEscalation: ptr.To(false),
					ReadOnlyRootFilesystem:   ptr.To(true),
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "cgroup", MountPath: hostCgroupMount, ReadOnly: true, RecursiveReadOnly: ptr.To(corev1.RecursiveReadOnlyIfPossible)},
					{Name: "scratch", MountPath: scratchDir},
				},
			}},
			Volumes: []corev1.Volume{
				{Name: "cgroup", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
					Path: SnapshotHostPath, Type: ptr.To(corev1.HostPathDirectory),
				}}},
				{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
					Medium: corev1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("256Mi")),
				}}},
			},
		},
	}
}

// captureNode runs a snapshot pod on node and returns the archive it
// streams. during, when set, runs while the pod still exists, right after
// the stream (cluster mode lists the node's pods then, so that the pod
// list matches the snapshot). Whatever happens — success, error, ctx
// cancelled (Ctrl-C) — the pod is deleted gracefully and waited for;
// problems deleting it are warnings on warn, not errors.
func (r *Reader) captureNode(ctx context.Context, node string, warn io.Writer, during func(ctx context.Context, pod *corev1.Pod) error) (archive []byte, pod *corev1.Pod, err error) {
	ns := r.opts.Namespace
	want := SnapshotPod(SnapshotPodSpec{
		Node: node, Name: snapshotPodName(node), Namespace: ns, Image: r.opts.Image, RunID: r.opts.RunID,
		Lifetime: r.opts.SnapshotTimeout + SnapshotPodGrace,
	})
	// An interrupt does not cancel the creation: a pod whose Create was
	// in flight may exist, and is deleted below like any other.
	created, err := r.createSnapshotPod(ctx, want)
	if err != nil {
		if !definitelyNotCreated(err) {
			r.deleteUncertain(ctx, want, warn)
		}
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("creating the snapshot pod %s/%s: %w", ns, want.Name, ctx.Err())
		}
		return nil, nil, r.createError(err, ns)
	}
	defer func() {
		if ctx.Err() != nil {
			fmt.Fprintf(warn, "interrupted: deleting the snapshot pod %s/%s\n", ns, created.Name)
		}
		r.deleteSnapshotPod(context.WithoutCancel(ctx), created, warn)
	}()
	if ctx.Err() != nil {
		return nil, created, fmt.Errorf("the snapshot pod %s/%s: %w", ns, created.Name, ctx.Err())
	}

	deadline := time.Now().Add(r.opts.SnapshotTimeout)
	if err := r.waitRunning(ctx, created, deadline); err != nil {
		return nil, created, err
	}
	ectx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	stdout := &limitedBuffer{max: maxArchiveBytes}
	stderr := &limitedBuffer{max: 16 << 10}
	err = r.api.Exec.Exec(ectx, ns, created.Name, SnapshotContainer, SnapshotCommand(hostCgroupMount, scratchDir+"/kcg"), stdout, stderr)
	if err != nil {
		return nil, created, r.execError(err, ctx, ectx, ns, created.Name, stderr.String())
	}
	if stdout.overflow {
		return nil, created, fmt.Errorf("the snapshot pod %s/%s streamed more than %d MiB", ns, created.Name, maxArchiveBytes>>20)
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		fmt.Fprintf(warn, "warning: node %s: the snapshot pod %s/%s: %s\n", node, ns, created.Name, safetext.Escape(safetext.Truncate(msg, 1024)))
	}
	if during != nil {
		if err := during(ctx, created); err != nil {
			return nil, created, err
		}
	}
	return stdout.Bytes(), created, nil
}

// createSnapshotPod creates the pod with a context that ctx's
// cancellation does not reach, bounded by the request timeout (or
// createWait).
func (r *Reader) createSnapshotPod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	bound := r.opts.RequestTimeout
	if bound <= 0 {
		bound = createWait
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bound)
	defer cancel()
	return r.api.Client.CoreV1().Pods(pod.Namespace).Create(cctx, pod, metav1.CreateOptions{})
}

// definitelyNotCreated reports whether a Create that returned err
// certainly created nothing: the API server answered with a refusal.
// Timeouts, lost connections and server errors leave it open.
func definitelyNotCreated(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	code := status.Status().Code
	return code >= 400 && code < 500 && code != 408 && code != 429
}

// deleteUncertain deletes the snapshot pod want if its Create, whose
// outcome is unknown, created it after all: the pod of that name is ours
// when it carries this run's ID. A pod that may exist and could not be
// deleted is reported on warn.
func (r *Reader) deleteUncertain(ctx context.Context, want *corev1.Pod, warn io.Writer) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteWait)
	defer cancel()
	pods := r.api.Client.CoreV1().Pods(want.Namespace)
	for {
		p, err := pods.Get(dctx, want.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return
		case err == nil && p.Labels[SnapshotRunIDLabel] != want.Labels[SnapshotRunIDLabel]:
			return // not ours
		case err == nil:
			r.deleteSnapshotPod(dctx, p, warn)
			return
		}
		select {
		case <-dctx.Done():
			fmt.Fprintf(warn, "warning: the creation of the snapshot pod %s/%s did not complete (%v); %s\n", want.Namespace, want.Name, err, r.leftoverHint(want))
			return
		case <-time.After(podPollInterval):
		}
	}
}

// leftoverHint says what removes a snapshot pod that may be left over.
func (r *Reader) leftoverHint(pod *corev1.Pod) string {
	hint := fmt.Sprintf("the snapshot pod %s/%s may be left over; %s cleanup", pod.Namespace, pod.Name, r.opts.CommandName)
	if id := pod.Labels[SnapshotRunIDLabel]; id != "" {
		hint += " --run-id " + id
	}
	if pod.Namespace != DefaultNamespace {
		hint += " --snapshot-namespace " + pod.Namespace
	}
	return hint + " removes it"
}

// createError explains why the snapshot pod could not be created.
func (r *Reader) createError(err error, ns string) error {
	msg := err.Error()
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("namespace %s does not exist: create it with the RBAC of cluster mode (%s rbac | kubectl apply -f -) or give --snapshot-namespace", ns, r.opts.CommandName)
	case strings.Contains(msg, "ValidatingAdmissionPolicy"):
		return fmt.Errorf("the admission policy of namespace %s refuses the snapshot pod: %w (its image must be one the cluster admin allowed, see %s rbac --snapshot-pods: give --image with one of them)", ns, err, r.opts.CommandName)
	case apierrors.IsForbidden(err) && strings.Contains(msg, "PodSecurity"):
		return fmt.Errorf("namespace %s does not allow the snapshot pod: %w (its read-only hostPath of /sys/fs/cgroup needs the privileged Pod Security level: label the namespace pod-security.kubernetes.io/enforce=privileged, as %s rbac --snapshot-pods does with the admission policy that admits only the snapshot pod there, or give --snapshot-namespace)", ns, err, r.opts.CommandName)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("cannot create the snapshot pod in namespace %s: %w (cluster mode needs create and delete on pods there: %s rbac)", ns, err, r.opts.CommandName)
	}
	return fmt.Errorf("creating the snapshot pod in namespace %s: %w", ns, err)
}

// execError explains a failed exec into the snapshot pod.
func (r *Reader) execError(err error, ctx, ectx context.Context, ns, pod, stderr string) error {
	where := fmt.Sprintf("the snapshot pod %s/%s", ns, pod)
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", where, ctx.Err())
	}
	if ectx.Err() != nil {
		return fmt.Errorf("%s: the archive did not arrive within --snapshot-timeout %s", where, r.opts.SnapshotTimeout)
	}
	msg := err.Error()
	var status apierrors.APIStatus
	if (errors.As(err, &status) && status.Status().Code == 403) || (strings.Contains(msg, "forbidden") && strings.Contains(msg, "pods/exec")) {
		return fmt.Errorf("cannot exec into %s: %w (cluster mode streams the snapshot with exec: the user needs create on pods/exec in namespace %s, see %s rbac)", where, err, ns, r.opts.CommandName)
	}
	var exit utilexec.ExitError
	if errors.As(err, &exit) {
		detail := strings.TrimSpace(stderr)
		if detail == "" {
			detail = "no error output"
		}
		return fmt.Errorf("the snapshot script in %s failed (exit status %d): %s", where, exit.ExitStatus(), detail)
	}
	return fmt.Errorf("exec into %s: %w", where, err)
}

// waitRunning waits until the snapshot pod's container runs, failing
// early on states it will not leave by itself (an image that cannot be
// pulled, a container that cannot be created, a pod that ended).
func (r *Reader) waitRunning(ctx context.Context, pod *corev1.Pod, deadline time.Time) error {
	where := fmt.Sprintf("the snapshot pod %s/%s on node %s", pod.Namespace, pod.Name, pod.Spec.NodeName)
	last := "not read yet"
	for {
		rctx, cancel := r.withTimeout(ctx)
		p, err := r.api.Client.CoreV1().Pods(pod.Namespace).Get(rctx, pod.Name, metav1.GetOptions{})
		cancel()
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("%s: %w", where, ctx.Err())
		case apierrors.IsNotFound(err):
			return fmt.Errorf("%s was deleted before it ran (by someone else, or evicted)", where)
		case err != nil:
			last = err.Error()
		default:
			state, done, ferr := podRunState(p)
			if ferr != nil {
				return fmt.Errorf("%s: %w", where, ferr)
			}
			if done {
				return nil
			}
			last = state
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not start within --snapshot-timeout %s: %s (is the node Ready? is the image %s available there?)", where, r.opts.SnapshotTimeout, last, pod.Spec.Containers[0].Image)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", where, ctx.Err())
		case <-time.After(podPollInterval):
		}
	}
}

// podRunState says whether the snapshot container runs, describes where
// the pod is otherwise, and returns an error for states that will not
// change by themselves.
func podRunState(p *corev1.Pod) (state string, running bool, err error) {
	if p.DeletionTimestamp != nil {
		return "", false, errors.New("is being deleted")
	}
	switch p.Status.Phase {
	case corev1.PodFailed, corev1.PodSucceeded:
		msg := strings.TrimSpace(p.Status.Reason + " " + p.Status.Message)
		if msg == "" {
			msg = "no reason given"
		}
		return "", false, fmt.Errorf("ended (%s) before it could be read: %s", p.Status.Phase, msg)
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name != SnapshotContainer {
			continue
		}
		if cs.State.Running != nil {
			return "running", true, nil
		}
		if w := cs.State.Waiting; w != nil {
			switch w.Reason {
			case "ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName":
				return "", false, fmt.Errorf("its image %s cannot be pulled (%s: %s); give --image with an image the node can pull", p.Spec.Containers[0].Image, w.Reason, w.Message)
			case "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "CrashLoopBackOff":
				return "", false, fmt.Errorf("its container cannot run (%s: %s)", w.Reason, w.Message)
			}
			return fmt.Sprintf("%s, container waiting (%s)", p.Status.Phase, w.Reason), false, nil
		}
		if t := cs.State.Terminated; t != nil {
			return "", false, fmt.Errorf("its container exited (%s, exit code %d) before it could be read", t.Reason, t.ExitCode)
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return "", false, fmt.Errorf("was not admitted to the node: %s", c.Message)
		}
	}
	phase := string(p.Status.Phase)
	if phase == "" {
		phase = "not yet seen by the kubelet"
	}
	return phase, false, nil
}

// deleteSnapshotPod deletes the snapshot pod gracefully (never with a
// zero grace period, which leaves the kubelet cleaning up after a pod the
// API no longer has) and waits until it is gone, for at most deleteWait.
func (r *Reader) deleteSnapshotPod(ctx context.Context, pod *corev1.Pod, warn io.Writer) {
	leftover := r.leftoverHint(pod)
	dctx, cancel := context.WithTimeout(ctx, deleteWait)
	defer cancel()
	pods := r.api.Client.CoreV1().Pods(pod.Namespace)
	err := pods.Delete(dctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	switch {
	case apierrors.IsNotFound(err), apierrors.IsConflict(err):
		return // gone, or the name belongs to another pod now
	case err != nil:
		fmt.Fprintf(warn, "warning: deleting %s/%s: %v; %s\n", pod.Namespace, pod.Name, err, leftover)
		return
	}
	var last error
	for {
		p, err := pods.Get(dctx, pod.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err == nil && p.UID != pod.UID) {
			return
		}
		if err != nil {
			last = err
		}
		select {
		case <-dctx.Done():
			why := "still terminating"
			if last != nil {
				why = fmt.Sprintf("its deletion could not be confirmed (%v)", last)
			}
			fmt.Fprintf(warn, "warning: %s/%s: %s after %s; %s\n", pod.Namespace, pod.Name, why, deleteWait, leftover)
			return
		case <-time.After(podPollInterval):
		}
	}
}

// limitedBuffer is a bytes.Buffer that keeps at most max bytes and
// remembers that more came; writing never fails, so a stream is drained.
type limitedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max - b.Len(); room < len(p) {
		b.overflow = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return n, nil
	}
	b.Buffer.Write(p)
	return n, nil
}
