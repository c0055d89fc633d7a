package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
)

// decodeManifests decodes every document but the PodMonitor (a CRD
// the client's scheme does not know) strictly into API types.
func decodeManifests(t *testing.T, out string) (objs []runtime.Object, podMonitor bool) {
	t.Helper()
	for doc := range strings.SplitSeq(out, "\n---\n") {
		if strings.Contains(doc, "kind: PodMonitor") {
			podMonitor = true
			continue
		}
		obj, _, err := strictDecoder.Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("%v in\n%s", err, doc)
		}
		objs = append(objs, obj)
	}
	return objs, podMonitor
}

// TestAgentManifests: the printed manifests, as goldens, and what they
// must hold whatever the golden says: a locked-down agent pod and the
// least RBAC.
func TestAgentManifests(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"default", nil},
		{"nodes-proxy-podmonitor", []string{"--namespace", "monitoring", "--interval", "1m", "--nodes-proxy", "--pod-monitor", "--node-config", "/var/lib/kubelet/config.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"agent", "manifests", "--image", "registry.example.com/kubecgroups-agent:test"}, tc.args...)
			out, errOut, code := runCLI(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden.Check(t, golden.Path(t, "golden", "cli", "agent-manifests-"+tc.name+".yaml"), []byte(out))
			objs, pm := decodeManifests(t, out)
			if pm != (tc.name != "default") {
				t.Errorf("PodMonitor printed: %v", pm)
			}
			var ds *appsv1.DaemonSet
			var role *rbacv1.ClusterRole
			kinds := map[string]bool{}
			for _, o := range objs {
				switch v := o.(type) {
				case *appsv1.DaemonSet:
					ds = v
				case *rbacv1.ClusterRole:
					role = v
				}
				kinds[o.GetObjectKind().GroupVersionKind().Kind] = true
			}
			for _, k := range []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet", "Service"} {
				if !kinds[k] {
					t.Errorf("no %s", k)
				}
			}
			if ds == nil || role == nil {
				t.Fatal("no DaemonSet or ClusterRole")
			}
			checkAgentPod(t, &ds.Spec.Template.Spec)
			proxy := false
			for _, r := range role.Rules {
				for _, res := range r.Resources {
					for _, v := range r.Verbs {
						switch {
						case res == "nodes/proxy":
							proxy = true
						case res == "pods" && v != "list" && v != "watch",
							res == "nodes" && v != "get",
							res == "events" && v != "create" && v != "patch" && v != "list",
							res != "pods" && res != "nodes" && res != "events":
							t.Errorf("the agent's role grants %s on %s", v, res)
						}
					}
				}
			}
			if proxy != slices.Contains(tc.args, "--nodes-proxy") {
				t.Errorf("nodes/proxy granted: %v", proxy)
			}
		})
	}
}

// checkAgentPod asserts the agent pod's lock-down.
func checkAgentPod(t *testing.T, spec *corev1.PodSpec) {
	t.Helper()
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Error("the agent shares a host namespace")
	}
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod security context %+v", psc)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers", len(spec.Containers))
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
		t.Errorf("container security context %+v", sc)
	}
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() || c.Resources.Limits.Cpu().IsZero() {
		t.Errorf("resources %+v", c.Resources)
	}
	for _, m := range c.VolumeMounts {
		if !m.ReadOnly {
			t.Errorf("mount %s is writable", m.MountPath)
		}
	}
	for _, v := range spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		switch v.HostPath.Path {
		case "/sys/fs/cgroup":
		default:
			if v.HostPath.Type == nil || *v.HostPath.Type != corev1.HostPathFile {
				t.Errorf("hostPath %s is not a single file", v.HostPath.Path)
			}
		}
	}
}

// TestAgentManifestsDefaultImage: the default image is tagged with this
// binary's version.
func TestAgentManifestsDefaultImage(t *testing.T) {
	out, _, code := runCLI(t, "", "agent", "manifests")
	if code != 0 || !strings.Contains(out, "image: "+agentDefaultImage+":"+imageTag()+"\n") {
		t.Errorf("exit %d, image not %s:%s", code, agentDefaultImage, imageTag())
	}
}

// TestAgentRefuses: the errors of the agent and its manifests.
func TestAgentRefuses(t *testing.T) {
	t.Setenv("NODE_NAME", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"agent"}, "--node-name"},
		{[]string{"agent", "--node-name", "n", "--interval", "0s"}, "--interval"},
		{[]string{"agent", "manifests", "--interval", "-1s"}, "--interval"},
		{[]string{"agent", "manifests", "--node-config", "config.yaml"}, "absolute path"},
	} {
		_, errOut, code := runCLI(t, "", tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q (want %q)", tc.args, code, errOut, tc.want)
		}
	}
}

// strictDecoder refuses unknown fields, so that a misspelt field in the
// manifests fails the test instead of being dropped by the API server.
var strictDecoder = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
