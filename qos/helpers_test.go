package qos

import (
	"testing"
	"time"

	_ "github.com/kubecgroups/kubecgroups/internal/golden" // every test package understands -update
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// sidecar is a restartable init container.
func sidecar(name, req, lim string) corev1.Container {
	c := podtest.Container(name, "", req, lim)
	always := corev1.ContainerRestartPolicyAlways
	c.RestartPolicy = &always
	return c
}

type podOpt func(*corev1.Pod)

func withInit(cs ...corev1.Container) podOpt {
	return func(p *corev1.Pod) { p.Spec.InitContainers = append(p.Spec.InitContainers, cs...) }
}

func withPodLevel(req, lim string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Resources = &corev1.ResourceRequirements{Requests: podtest.ResourceList(req), Limits: podtest.ResourceList(lim)}
	}
}

func withOverhead(s string) podOpt {
	return func(p *corev1.Pod) { p.Spec.Overhead = podtest.ResourceList(s) }
}

func withClaim(containers []string, mapping string, overhead ...[3]string) podOpt {
	return func(p *corev1.Pod) {
		cs := corev1.NodeAllocatableResourceClaimStatus{ResourceClaimName: "claim", Containers: containers}
		for name, q := range podtest.ResourceList(mapping) {
			q := q
			cs.Mapping = append(cs.Mapping, corev1.NodeAllocatableMappedResources{Name: name, Quantity: &q})
		}
		for _, o := range overhead {
			r := corev1.NodeAllocatableOverheadResources{Name: corev1.ResourceName(o[0])}
			if o[1] != "" {
				q := resource.MustParse(o[1])
				r.PerPod = &q
			}
			if o[2] != "" {
				q := resource.MustParse(o[2])
				r.PerContainer = &q
			}
			cs.Overhead = append(cs.Overhead, r)
		}
		p.Status.NodeAllocatableResourceClaimStatuses = append(p.Status.NodeAllocatableResourceClaimStatuses, cs)
	}
}

// mkPod builds a pod named after the test case.
func mkPod(name string, cs []corev1.Container, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{Containers: cs},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// testEnv resolves DefaultProfile after mutate.
func testEnv(t testing.TB, mutate func(*Profile)) *env {
	t.Helper()
	p := DefaultProfile()
	if mutate != nil {
		mutate(&p)
	}
	e, err := resolve(p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func gates(kv ...any) func(*Profile) {
	return func(p *Profile) {
		if p.FeatureGates == nil {
			p.FeatureGates = map[string]bool{}
		}
		for i := 0; i < len(kv); i += 2 {
			p.FeatureGates[kv[i].(string)] = kv[i+1].(bool)
		}
	}
}

func chain(fs ...func(*Profile)) func(*Profile) {
	return func(p *Profile) {
		for _, f := range fs {
			if f != nil {
				f(p)
			}
		}
	}
}

func period(d time.Duration) func(*Profile) {
	return func(p *Profile) { p.Kubelet.CPUCFSQuotaPeriod = metav1.Duration{Duration: d} }
}

func ptrTo[T any](v T) *T { return &v }

func mi(n int64) int64 { return n * 1024 * 1024 }
