package qos

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/kubecgroups/kubecgroups/cgroupfs"
	"github.com/kubecgroups/kubecgroups/convert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// genPod makes a random, API-valid pod (requests ≤ limits) from r.
func genPod(r *rand.Rand, i int) *corev1.Pod {
	gen := func(name string) corev1.Container {
		c := corev1.Container{Name: name, Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}}
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			unit := int64(1)
			if res == corev1.ResourceMemory {
				unit = 1 << 20
			}
			switch r.IntN(4) {
			case 0: // nothing
			case 1: // request only
				c.Resources.Requests[res] = qty(res, (r.Int64N(2000)+1)*unit)
			case 2: // request = limit
				v := qty(res, (r.Int64N(2000)+1)*unit)
				c.Resources.Requests[res], c.Resources.Limits[res] = v, v
			case 3: // request < limit
				v := (r.Int64N(2000) + 1) * unit
				c.Resources.Requests[res] = qty(res, v)
				c.Resources.Limits[res] = qty(res, v+(r.Int64N(2000)+1)*unit)
			}
		}
		return c
	}
	pod := mkPod(fmt.Sprintf("p%d", i), nil)
	for j := range r.IntN(3) + 1 {
		pod.Spec.Containers = append(pod.Spec.Containers, gen(fmt.Sprintf("c%d", j)))
	}
	for j := range r.IntN(3) {
		c := gen(fmt.Sprintf("i%d", j))
		if r.IntN(2) == 0 {
			always := corev1.ContainerRestartPolicyAlways
			c.RestartPolicy = &always
		}
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, c)
	}
	return pod
}

func qty(res corev1.ResourceName, v int64) resource.Quantity {
	if res == corev1.ResourceCPU {
		return *resource.NewMilliQuantity(v, resource.DecimalSI)
	}
	return *resource.NewQuantity(v, resource.BinarySI)
}

// TestPropertyQoS: the class depends only on cpu/memory shape — all
// containers with request = limit for both → Guaranteed; nothing at all →
// BestEffort; anything else → Burstable — and the pod cgroup sits under
// its tier.
func TestPropertyQoS(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	e := testEnv(t, nil)
	for i := range 500 {
		pod := genPod(r, i)
		allG, allBE := true, true
		for _, c := range allContainers(pod) {
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, lim := c.Resources.Requests[res], c.Resources.Limits[res]
				if !(req.Equal(lim) && !req.IsZero()) {
					allG = false
				}
				if !req.IsZero() || !lim.IsZero() {
					allBE = false
				}
			}
		}
		want := corev1.PodQOSBurstable
		switch {
		case allG:
			want = corev1.PodQOSGuaranteed
		case allBE:
			want = corev1.PodQOSBestEffort
		}
		pi := e.newPodInfo(pod)
		if pi.class != want {
			t.Fatalf("pod %d: %s, want %s: %+v", i, pi.class, want, pod.Spec)
		}
		if got := e.podPath(pi.class, "x"); got != e.qosName(want).add("podx").render(cgroupfs.DriverCgroupfs) {
			t.Fatalf("pod %d path %s", i, got)
		}
	}
}

// TestPropertyMonotonicShares: more CPU request never yields fewer
// shares, at pod and container level, for both formulas.
func TestPropertyMonotonicShares(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	e := testEnv(t, nil)
	for i := range 300 {
		pod := genPod(r, i)
		pi := e.newPodInfo(pod)
		base := e.podConfig(pi)
		c := &pod.Spec.Containers[0]
		before := e.containerCRI(pi, c).cpuShares
		more := pod.DeepCopy()
		mc := &more.Spec.Containers[0]
		cur := mc.Resources.Requests[corev1.ResourceCPU]
		add := *resource.NewMilliQuantity(r.Int64N(1000)+1, resource.DecimalSI)
		cur.Add(add)
		mc.Resources.Requests[corev1.ResourceCPU] = cur
		if l, ok := mc.Resources.Limits[corev1.ResourceCPU]; ok {
			l.Add(add)
			mc.Resources.Limits[corev1.ResourceCPU] = l
		}
		more.Status.QOSClass = pi.class // the class is immutable
		mpi := e.newPodInfo(more)
		if after := e.containerCRI(mpi, mc).cpuShares; after < before {
			t.Fatalf("pod %d container shares %d → %d", i, before, after)
		}
		if pi.class != corev1.PodQOSBestEffort {
			if a, b := *e.podConfig(mpi).shares, *base.shares; a < b {
				t.Fatalf("pod %d pod shares %d → %d", i, b, a)
			}
		}
		for _, f := range []convert.WeightFormula{convert.WeightLinear, convert.WeightQuadratic} {
			if f.Weight(uint64(before)) > f.Weight(uint64(e.containerCRI(mpi, mc).cpuShares)) {
				t.Fatalf("pod %d: %v weight decreased", i, f)
			}
		}
	}
}

// TestPropertyPodSums: the pod cgroup's shares are at least the shares of
// the sum of the app containers' requests; a pod quota or memory limit
// exists only when every container has one (or the pod is Guaranteed),
// and then it is at least each container's own value.
func TestPropertyPodSums(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	e := testEnv(t, nil)
	for i := range 500 {
		pod := genPod(r, i)
		pi := e.newPodInfo(pod)
		if pi.class == corev1.PodQOSBestEffort {
			continue
		}
		x, err := Expect([]*corev1.Pod{pod}, DefaultProfile())
		if err != nil {
			t.Fatal(err)
		}
		pe := &x.Pods[0]
		podCg := pe.Cgroup(cgroupfs.LevelPod, "", "")
		var sum int64
		for _, c := range pod.Spec.Containers {
			q := c.Resources.Requests[corev1.ResourceCPU]
			sum += q.MilliValue()
		}
		if podCg.Files["cpu.weight"].Shares < convert.MilliCPUToShares(sum) {
			t.Fatalf("pod %d: pod shares %d < shares(sum %dm)", i, podCg.Files["cpu.weight"].Shares, sum)
		}
		podMax, _ := convert.ParseCPUMax(podCg.Files["cpu.max"].Accept[0])
		podMem := podCg.Files["memory.max"].Accept[0]
		for _, c := range allContainers(pod) {
			cg := pe.Cgroup(cgroupfs.LevelContainer, "", c.Name)
			cm, _ := convert.ParseCPUMax(cg.Files["cpu.max"].Accept[0])
			if !podMax.Unlimited() && (cm.Unlimited() || cm.QuotaMicros > podMax.QuotaMicros) {
				t.Fatalf("pod %d: pod quota %v but container %s %v", i, podMax, c.Name, cm)
			}
			mem := cg.Files["memory.max"].Accept[0]
			if podMem != "max" {
				pm, _ := strconv.ParseInt(podMem, 10, 64)
				cmem, err := strconv.ParseInt(mem, 10, 64)
				if err != nil || cmem > pm {
					t.Fatalf("pod %d: pod memory %s but container %s %s", i, podMem, c.Name, mem)
				}
			}
		}
		if adj := pe.OOMScoreAdj; len(adj) != len(allContainers(pod)) {
			t.Fatalf("pod %d: oom_score_adj for %d containers", i, len(adj))
		}
	}
}
