package nodegen

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The QoS mix: of every ten pods, two are Guaranteed, six Burstable and
// two BestEffort, a common shape for a general-purpose node (system
// daemons and databases Guaranteed, most services Burstable, batch and
// tooling BestEffort).
func classOf(i int) corev1.PodQOSClass {
	switch i % 10 {
	case 0, 5:
		return corev1.PodQOSGuaranteed
	case 3, 8:
		return corev1.PodQOSBestEffort
	}
	return corev1.PodQOSBurstable
}

var namespaces = []string{"default", "shop", "payments", "monitoring", "logging", "batch", "kube-system", "ingress"}

var workloads = []string{"web", "api", "cart", "search", "worker", "cache", "db", "queue", "auth", "report"}

// Resource choices, realistic and exact in bytes (whole MiB, so the
// kernel keeps memory limits as written).
var (
	cpus     = []string{"50m", "100m", "200m", "250m", "500m", "750m", "1", "2"}
	mems     = []string{"64Mi", "128Mi", "192Mi", "256Mi", "512Mi", "768Mi", "1Gi", "2Gi"}
	sideCPUs = []string{"10m", "25m", "50m", "100m"}
	sideMems = []string{"32Mi", "64Mi", "96Mi", "128Mi"}
)

// hexID returns a 64-hex-digit ID (the form containerd gives containers)
// derived from the seed and labels.
func hexID(seed uint64, labels ...string) string {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	for _, l := range labels {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// uid returns an RFC 4122 version 4 UUID derived from the seed and index.
func uid(seed uint64, i int) types.UID {
	b, _ := hex.DecodeString(hexID(seed, "uid", fmt.Sprint(i))[:32])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b)
	return types.UID(s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:])
}

func list(kv ...string) corev1.ResourceList {
	if len(kv) == 0 {
		return nil
	}
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

// genPod makes pod i: two app containers ("app" and "helper") and a
// sidecar ("proxy", a restartable init container), with resources for its
// QoS class, as the API server stores it (defaulted: every limit has a
// request) with a running status.
func genPod(seed uint64, i int, classOpts qos.ClassOptions) *corev1.Pod {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	class := classOf(i)
	ns := namespaces[r.IntN(len(namespaces))]
	wl := workloads[r.IntN(len(workloads))]
	id := uid(seed, i)
	always := corev1.ContainerRestartPolicyAlways
	app := corev1.Container{Name: "app", Image: "registry.example/" + wl + ":1.4.2"}
	helper := corev1.Container{Name: "helper", Image: "registry.example/" + wl + "-helper:1.0"}
	proxy := corev1.Container{Name: "proxy", Image: "registry.example/proxy:2.1", RestartPolicy: &always}
	switch class {
	case corev1.PodQOSGuaranteed:
		for _, c := range []*corev1.Container{&app, &helper} {
			cpu, mem := pick(cpus), pick(mems)
			c.Resources = corev1.ResourceRequirements{Requests: list("cpu", cpu, "memory", mem), Limits: list("cpu", cpu, "memory", mem)}
		}
		cpu, mem := pick(sideCPUs), pick(sideMems)
		proxy.Resources = corev1.ResourceRequirements{Requests: list("cpu", cpu, "memory", mem), Limits: list("cpu", cpu, "memory", mem)}
	case corev1.PodQOSBurstable:
		// Four common shapes: requests with a memory limit, requests with
		// both limits above them, CPU request only, memory only.
		for _, c := range []*corev1.Container{&app, &helper} {
			cpu, mem := pick(cpus[:6]), pick(mems[:6])
			switch r.IntN(4) {
			case 0:
				c.Resources = corev1.ResourceRequirements{Requests: list("cpu", cpu, "memory", mem), Limits: list("memory", mem)}
			case 1:
				c.Resources = corev1.ResourceRequirements{Requests: list("cpu", cpu, "memory", mem), Limits: list("cpu", "2", "memory", "2Gi")}
			case 2:
				c.Resources = corev1.ResourceRequirements{Requests: list("cpu", cpu)}
			default:
				c.Resources = corev1.ResourceRequirements{Requests: list("memory", mem), Limits: list("memory", "1Gi")}
			}
		}
		proxy.Resources = corev1.ResourceRequirements{Requests: list("cpu", pick(sideCPUs), "memory", pick(sideMems)), Limits: list("memory", "256Mi")}
	}
	created := metav1.NewTime(CapturedAt.Add(-3*time.Hour + time.Duration(i)*time.Second))
	started := metav1.NewTime(created.Add(2 * time.Second))
	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("%s-%05d-%s", wl, i, string(id)[:5]), Namespace: ns, UID: id,
			CreationTimestamp: created,
			Labels:            map[string]string{"app": wl},
		},
		Spec: corev1.PodSpec{
			NodeName:       "node-1",
			InitContainers: []corev1.Container{proxy},
			Containers:     []corev1.Container{app, helper},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &started},
	}
	status := func(c corev1.Container) corev1.ContainerStatus {
		return corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, Ready: true, Started: &[]bool{true}[0],
			ContainerID: "containerd://" + hexID(seed, string(id), c.Name),
			State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
		}
	}
	pod.Status.InitContainerStatuses = []corev1.ContainerStatus{status(proxy)}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{status(app), status(helper)}
	pod.Status.QOSClass = qos.QOSClass(pod, classOpts)
	if pod.Status.QOSClass != class {
		panic(fmt.Sprintf("nodegen: pod %d is %s, want %s", i, pod.Status.QOSClass, class))
	}
	return pod
}
