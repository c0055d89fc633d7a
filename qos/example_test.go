package qos_test

import (
	"fmt"
	"strings"

	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
)

const manifest = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, uid: "1234"}
spec:
  containers:
  - name: app
    image: web
    resources:
      requests: {cpu: 250m, memory: 256Mi}
      limits: {cpu: "1", memory: 512Mi}
`

// Expect computes every cgroup of a node for a set of pods.
func ExampleExpect() {
	pods, err := qos.ReadPods(strings.NewReader(manifest), "web.yaml")
	if err != nil {
		panic(err)
	}
	p := qos.DefaultProfile() // v1.37.2, cgroup v2, cgroupfs, containerd, runc 1.4
	for _, pod := range pods {
		if err := p.DefaultPod(pod); err != nil {
			panic(err)
		}
	}
	x, err := qos.Expect(pods, p)
	if err != nil {
		panic(err)
	}
	pod := x.Pods[0]
	fmt.Println(pod.QOSClass, pod.Cgroup(qos.LevelPod, "", "").Path)
	app := pod.Cgroup(qos.LevelContainer, qos.ContainerApp, "app")
	w := app.Files["cpu.weight"]
	fmt.Println("cpu.weight", w.Accept, "from shares", w.Shares, "- also", w.Explained[0].Values, w.Explained[0].Reason)
	fmt.Println("cpu.max", app.Files["cpu.max"].Accept)
	fmt.Println("oom_score_adj", pod.OOMScoreAdj["app"])
	// Output:
	// Burstable /kubepods/burstable/pod1234
	// cpu.weight [35] from shares 256 - also [10] weight-formula
	// cpu.max [100000 100000]
	// oom_score_adj 993
}

// QOSClass decides the class as the kubelet does.
func ExampleQOSClass() {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
	opts, _ := qos.DefaultProfile().ClassOptions()
	fmt.Println(qos.QOSClass(pod, opts))
	// Output: BestEffort
}

// A kubelet configuration (file or /configz JSON) fills the profile.
func ExampleProfile_LoadKubeletConfiguration() {
	p := qos.DefaultProfile()
	err := p.LoadKubeletConfiguration([]byte(`{"kubeletconfig": {"cgroupDriver": "systemd", "cpuCFSQuotaPeriod": "50ms", "podPidsLimit": 1024}}`))
	fmt.Println(err, p.Kubelet.CgroupDriver, p.Kubelet.CPUCFSQuotaPeriod.Duration, p.Kubelet.PodPidsLimit)
	// Output: <nil> systemd 50ms 1024
}
