package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
	"github.com/kubecgroups/kubecgroups/qos/cluster"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// rbacOutput is one output of the rbac command, decoded strictly.
type rbacOutput struct {
	namespaces []corev1.Namespace
	configMaps []corev1.ConfigMap
	rules      map[string][]rbacv1.PolicyRule // "Kind/namespace/name"
	bindings   []rbacv1.RoleBinding           // ClusterRoleBindings too (namespace "")
	policies   []admissionv1.ValidatingAdmissionPolicy
	vapBinds   []admissionv1.ValidatingAdmissionPolicyBinding
}

func decodeRBAC(t *testing.T, out string) *rbacOutput {
	t.Helper()
	o := &rbacOutput{rules: map[string][]rbacv1.PolicyRule{}}
	for _, doc := range strings.Split(out, "\n---\n") {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatalf("%v:\n%s", err, doc)
		}
		strict := func(v any) {
			if err := yaml.UnmarshalStrict([]byte(doc), v); err != nil {
				t.Fatalf("%s: %v", tm.Kind, err)
			}
		}
		switch tm.Kind {
		case "Namespace":
			var n corev1.Namespace
			strict(&n)
			o.namespaces = append(o.namespaces, n)
		case "ConfigMap":
			var c corev1.ConfigMap
			strict(&c)
			o.configMaps = append(o.configMaps, c)
		case "ClusterRole", "Role":
			var r rbacv1.Role
			strict(&r)
			o.rules[tm.Kind+"/"+r.Namespace+"/"+r.Name] = r.Rules
		case "ClusterRoleBinding", "RoleBinding":
			var b rbacv1.RoleBinding
			strict(&b)
			o.bindings = append(o.bindings, b)
		case "ValidatingAdmissionPolicy":
			var p admissionv1.ValidatingAdmissionPolicy
			strict(&p)
			o.policies = append(o.policies, p)
		case "ValidatingAdmissionPolicyBinding":
			var b admissionv1.ValidatingAdmissionPolicyBinding
			strict(&b)
			o.vapBinds = append(o.vapBinds, b)
		default:
			t.Fatalf("unexpected kind %q in:\n%s", tm.Kind, doc)
		}
	}
	return o
}

// grants lists "verb resource namespace" for every rule of every bound
// role.
func (o *rbacOutput) grants(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, b := range o.bindings {
		key := b.RoleRef.Kind + "/" + b.Namespace + "/" + b.RoleRef.Name
		rules, ok := o.rules[key]
		if !ok {
			t.Errorf("binding %s refers to %s, which this output does not define", b.Name, key)
		}
		if len(b.Subjects) != 1 || b.Subjects[0].Kind != "Group" || b.Subjects[0].Name != "kubecgroups:users" {
			t.Errorf("binding %s subjects %+v", b.Name, b.Subjects)
		}
		for _, r := range rules {
			if len(r.APIGroups) != 1 || r.APIGroups[0] != "" || len(r.ResourceNames) != 0 || len(r.NonResourceURLs) != 0 {
				t.Errorf("rule %+v", r)
			}
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					ns := b.Namespace
					if ns == "" {
						ns = "*"
					}
					out = append(out, v+" "+res+" "+ns)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestRBACCommand: each output of the rbac command is its golden file,
// decodes strictly into the API types, and grants exactly what it says:
// the default is the read-only agent-mode role; pod creation comes only
// with the admission policy; nodes/proxy only with --node-proxy.
func TestRBACCommand(t *testing.T) {
	agentReader := []string{"get nodes *", "get pods *", "get pods/proxy kubecgroups-system", "list nodes *", "list pods *"}
	snapshot := []string{"create pods kubecgroups", "create pods/exec kubecgroups", "delete pods kubecgroups", "get pods kubecgroups"}
	nodeProxy := []string{"get nodes/proxy *"}
	for _, tc := range []struct {
		golden string
		args   []string
		grants []string
	}{
		{"default.yaml", nil, agentReader},
		{"snapshot-pods.yaml", []string{"--snapshot-pods"}, append(slices.Clone(agentReader), snapshot...)},
		{"node-proxy.yaml", []string{"--node-proxy"}, append(slices.Clone(agentReader), nodeProxy...)},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", append([]string{"rbac"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden.Check(t, golden.Path(t, "golden", "rbac", tc.golden), []byte(out))
			o := decodeRBAC(t, out)
			got := o.grants(t)
			want := slices.Clone(tc.grants)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("grants\n%q\nwant\n%q", got, want)
			}
			createsPods := slices.Contains(got, "create pods kubecgroups")
			if createsPods != (len(o.policies) == 1 && len(o.vapBinds) == 1) {
				t.Errorf("pod creation %v with %d admission policies and %d bindings in the same output", createsPods, len(o.policies), len(o.vapBinds))
			}
			if createsPods {
				checkSnapshotPolicy(t, o)
			}
			for _, unwanted := range []string{"watch", "secrets", "\"*\"", "escalate", "impersonate", "pods/attach", "pods/log", "update", "patch"} {
				if strings.Contains(strings.Join(got, "\n"), unwanted) {
					t.Errorf("grants %q", unwanted)
				}
			}
		})
	}
	// Both flags: the two additions, nothing more.
	out, _, code := runCLI(t, "", "rbac", "--snapshot-pods", "--node-proxy")
	def, _, _ := runCLI(t, "", "rbac")
	snap, _, _ := runCLI(t, "", "rbac", "--snapshot-pods")
	np, _, _ := runCLI(t, "", "rbac", "--node-proxy")
	if code != 0 || out != snap+strings.TrimPrefix(np, def) {
		t.Errorf("--snapshot-pods --node-proxy is not the two outputs together")
	}
	if !strings.Contains(np, "equivalent to exec in every pod") {
		t.Errorf("--node-proxy does not say it is exec-equivalent")
	}
}

// checkSnapshotPolicy: the admission policy is bound to the snapshot
// namespace with the ConfigMap of images as its parameter, denies, and
// names every requirement of the snapshot pod; the pod cluster mode
// creates meets the facts the policy checks literally (its command, host
// path, mount path and labels).
func checkSnapshotPolicy(t *testing.T, o *rbacOutput) {
	t.Helper()
	p, b := o.policies[0], o.vapBinds[0]
	if *p.Spec.FailurePolicy != admissionv1.Fail || p.Spec.ParamKind.Kind != "ConfigMap" ||
		b.Spec.PolicyName != p.Name || !slices.Equal(b.Spec.ValidationActions, []admissionv1.ValidationAction{admissionv1.Deny}) ||
		b.Spec.ParamRef.Name != "kubecgroups-snapshot-images" || b.Spec.ParamRef.Namespace != "kubecgroups" ||
		*b.Spec.ParamRef.ParameterNotFoundAction != admissionv1.DenyAction ||
		b.Spec.MatchResources.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "kubecgroups" {
		t.Errorf("policy %+v\nbinding %+v", p.Spec, b.Spec)
	}
	if len(o.namespaces) != 1 || o.namespaces[0].Name != "kubecgroups" || len(o.configMaps) != 1 || o.configMaps[0].Data["image-1"] != cluster.DefaultImage {
		t.Errorf("namespaces %+v, configmaps %+v", o.namespaces, o.configMaps)
	}
	var all bytes.Buffer
	for _, v := range p.Spec.Validations {
		fmt.Fprintln(&all, v.Expression)
		if v.Reason == nil || *v.Reason != metav1.StatusReasonForbidden || (v.Message == "" && v.MessageExpression == "") {
			t.Errorf("validation without reason or message: %+v", v)
		}
	}
	pod := cluster.SnapshotPod(cluster.SnapshotPodSpec{Node: "n", Name: "x", Namespace: "kubecgroups", Image: cluster.DefaultImage, RunID: "r"})
	for _, want := range []string{
		`variables.c.command == ["sh", "-c", "` + pod.Spec.Containers[0].Command[2] + `"]`,
		`v.hostPath.path == "` + pod.Spec.Volumes[0].HostPath.Path + `"`,
		`m.mountPath == "` + pod.Spec.Containers[0].VolumeMounts[0].MountPath + `"`,
		`m.recursiveReadOnly in ["IfPossible", "Enabled"]`,
		`variables.spec.activeDeadlineSeconds <= 3600`,
		`variables.c.name == "` + pod.Spec.Containers[0].Name + `"`,
		`object.metadata.labels["app.kubernetes.io/name"] == "kubecgroups-snapshot"`,
		`"kubecgroups.io/run-id" in object.metadata.labels`,
		`!variables.spec.hostNetwork`, `!variables.spec.hostPID`, `!variables.spec.hostIPC`,
		`!variables.spec.automountServiceAccountToken`,
		`variables.spec.securityContext.seccompProfile.type == "RuntimeDefault"`,
		`variables.spec.securityContext.runAsUser != 0`,
		`!variables.c.securityContext.allowPrivilegeEscalation`,
		`variables.c.securityContext.readOnlyRootFilesystem`,
		`"ALL" in variables.c.securityContext.capabilities.drop`,
		`!has(variables.c.securityContext.capabilities.add)`,
		`params.data.exists(k, params.data[k] == variables.c.image)`,
	} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the admission policy does not check %s", want)
		}
	}
}

// TestRBACFlags: the snapshot-pod options need --snapshot-pods; images
// and names are checked; several images become several ConfigMap keys.
func TestRBACFlags(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	out, errOut, code := runCLI(t, "", "rbac", "--snapshot-pods", "--allowed-image", "busybox:1.37@"+digest, "--allowed-image", "registry.example/bb:1", "--snapshot-namespace", "diag", "--agent-namespace", "agents")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	o := decodeRBAC(t, out)
	if d := o.configMaps[0].Data; len(d) != 2 || d["image-1"] != "busybox:1.37@"+digest || d["image-2"] != "registry.example/bb:1" || o.configMaps[0].Namespace != "diag" {
		t.Errorf("configmap %+v", o.configMaps[0])
	}
	if o.vapBinds[0].Spec.MatchResources.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "diag" || o.rules["Role/agents/kubecgroups-agent-reader"] == nil {
		t.Errorf("namespaces not applied: %s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--allowed-image", "x"}, "--allowed-image and --snapshot-namespace configure --snapshot-pods"},
		{[]string{"--snapshot-pods", "--allowed-image", "x@sha256:1"}, "--allowed-image: image \"x@sha256:1\""},
		{[]string{"--snapshot-pods", "--snapshot-namespace", "Not_A_Name"}, "--snapshot-namespace \"Not_A_Name\""},
		{[]string{"--agent-namespace", ""}, "--agent-namespace \"\""},
	} {
		if _, errOut, code := runCLI(t, "", append([]string{"rbac"}, tc.args...)...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d: %s", tc.args, code, errOut)
		}
	}
}
