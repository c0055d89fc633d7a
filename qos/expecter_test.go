package qos

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
)

// copyPods deep-copies pods, so that a test can change some.
func copyPods(pods []*corev1.Pod) []*corev1.Pod {
	out := make([]*corev1.Pod, len(pods))
	for i, p := range pods {
		out[i] = p.DeepCopy()
	}
	return out
}

// TestExpecterMatchesExpect: an Expecter called again and again as pods
// change gives exactly what Expect gives for the same pods, computes
// only the pods that changed or are new, and keeps nothing a caller can
// spoil. The scenario pods and their twins cover resizes, exclusive
// CPUs, pod-level resources, sidecars; the profiles cover v1, MemoryQoS
// on v2 (an alternative merged into every cgroup), the static CPU
// manager (another alternative) and an older version.
func TestExpecterMatchesExpect(t *testing.T) {
	profiles := map[string]func(*Profile){
		"default":    nil,
		"v1":         func(p *Profile) { p.CgroupVersion = convert.CgroupV1 },
		"static-cpu": func(p *Profile) { p.Kubelet.CPUManagerPolicy = CPUManagerPolicyStatic },
		"1.33":       func(p *Profile) { p.KubernetesVersion = "1.33" },
		"systemd":    func(p *Profile) { p.Kubelet.CgroupDriver = cgroupfs.DriverSystemd },
	}
	for name, mutate := range profiles {
		t.Run(name, func(t *testing.T) {
			p := DefaultProfile()
			if mutate != nil {
				mutate(&p)
			}
			pods := cachePods(t)
			ex, err := NewExpecter(p)
			if err != nil {
				t.Fatal(err)
			}
			n := int64(len(pods))
			var want ExpecterStats
			step := func(what string, pods []*corev1.Pod, computed int64) *Expectation {
				t.Helper()
				got, err := ex.Expect(pods)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				fresh, err := Expect(pods, p)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if d := cmp.Diff(fresh, got); d != "" {
					t.Fatalf("%s: the Expecter differs from Expect (-Expect +Expecter):\n%s", what, d)
				}
				want.Computed += computed
				want.Reused += int64(len(pods)) - computed
				if s := ex.Stats(); s != want {
					t.Errorf("%s: stats %+v, want %+v", what, s, want)
				}
				return got
			}
			step("first call", pods, n)

			// Status updates that change no input: every pod kept.
			again := copyPods(pods)
			for _, pod := range again {
				pod.ResourceVersion += "1"
				pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue})
				for i := range pod.Status.ContainerStatuses {
					pod.Status.ContainerStatuses[i].RestartCount++
				}
			}
			x := step("status-only updates", again, 0)

			// A caller spoiling a result spoils no later one.
			for i := range x.Pods {
				for _, cg := range x.Pods[i].Cgroups {
					for name, f := range cg.Files {
						for j := range f.Accept {
							f.Accept[j] = "spoiled"
						}
						cg.Files[name] = f
					}
				}
			}
			step("after the caller changed a result", again, 0)

			// One Burstable pod's request changes: that pod only is
			// computed again, and the tiers follow it.
			changed := copyPods(again)
			k := burstable(t, changed)
			c := &changed[k].Spec.Containers[0]
			if c.Resources.Requests == nil {
				c.Resources.Requests = corev1.ResourceList{}
			}
			q := c.Resources.Requests[corev1.ResourceCPU]
			q.Add(resource.MustParse("10m"))
			c.Resources.Requests[corev1.ResourceCPU] = q
			step("one pod's request", changed, 1)

			// A pod goes, a new one comes.
			gone := changed[0].Name
			next := append(copyPods(changed[1:]), mkPod("newcomer", []corev1.Container{podtest.Container("app", "", "cpu=100m,memory=64Mi", "cpu=200m,memory=128Mi")}))
			next[len(next)-1].UID = types.UID("uid-newcomer")
			step("one pod gone ("+gone+"), one new", next, 1)

			// The same UID under another name is another pod.
			renamed := copyPods(next)
			renamed[0].Name += "-renamed"
			step("one pod renamed", renamed, 1)
		})
	}
}

// burstable returns the index of a pod in no terminal phase whose first
// container has a CPU request that can grow by 10m within its limit.
func burstable(t *testing.T, pods []*corev1.Pod) int {
	t.Helper()
	for i, pod := range pods {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || len(pod.Spec.Containers) == 0 {
			continue
		}
		c := pod.Spec.Containers[0]
		req, lim := c.Resources.Requests.Cpu(), c.Resources.Limits.Cpu()
		if req.IsZero() {
			continue
		}
		if lim.IsZero() {
			return i
		}
		room := lim.DeepCopy()
		room.Sub(*req)
		if room.Cmp(resource.MustParse("10m")) >= 0 {
			return i
		}
	}
	t.Fatal("no pod whose CPU request can grow")
	return -1
}

// TestSameInputs: what the kubelet writes from is an input; readiness,
// restart counts and probe times are not.
func TestSameInputs(t *testing.T) {
	base := mkPod("p", []corev1.Container{podtest.Container("app", "", "cpu=100m", "cpu=200m")})
	base.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", ContainerID: "containerd://abc"}}
	for what, change := range map[string]func(*corev1.Pod){
		"readiness": func(p *corev1.Pod) {
			p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady})
		},
		"restarts":        func(p *corev1.Pod) { p.Status.ContainerStatuses[0].RestartCount = 3 },
		"labels":          func(p *corev1.Pod) { p.Labels = map[string]string{"a": "b"} },
		"resourceVersion": func(p *corev1.Pod) { p.ResourceVersion = "42" },
	} {
		p := base.DeepCopy()
		change(p)
		if !SameInputs(base, p) {
			t.Errorf("%s: counted as an input", what)
		}
	}
	for what, change := range map[string]func(*corev1.Pod){
		"request": func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("150m")
		},
		"container ID": func(p *corev1.Pod) { p.Status.ContainerStatuses[0].ContainerID = "containerd://def" },
		"allocated": func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].AllocatedResources = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
		},
		"resize": func(p *corev1.Pod) {
			p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodResizePending})
		},
		"phase":     func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded },
		"UID":       func(p *corev1.Pod) { p.UID = "other" },
		"mirror":    func(p *corev1.Pod) { p.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "x"} },
		"QoS class": func(p *corev1.Pod) { p.Status.QOSClass = corev1.PodQOSGuaranteed },
	} {
		p := base.DeepCopy()
		change(p)
		if SameInputs(base, p) {
			t.Errorf("%s: not counted as an input", what)
		}
	}
}
