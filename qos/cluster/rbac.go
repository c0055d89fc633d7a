package cluster

import (
	"embed"
	"errors"
	"fmt"
	"github.com/kubecgroups/kubecgroups/qos/agent"
	"io"
	"strconv"
	"strings"
	"text/template"

	"k8s.io/apimachinery/pkg/util/validation"
)

// DefaultAgentNamespace is the namespace of the node agents
// (agent.DefaultNamespace) whose reports the default user role reads
// through the pod proxy.
const DefaultAgentNamespace = agent.DefaultNamespace

// DefaultRBACGroup is the group WriteRBAC binds its roles to when
// RBACOptions.Group is empty.
const DefaultRBACGroup = "kubecgroups:users"

//go:embed rbac/*.yaml.tmpl
var rbacTemplates embed.FS

// RBACOptions choose what WriteRBAC prints. DefaultRBACOptions returns
// the user role of agent mode for DefaultRBACGroup; every field must be
// set.
type RBACOptions struct {
	// AgentNamespace is where the node agents run: the user role may get
	// pods/proxy there, nowhere else.
	AgentNamespace string
	// Group is the group every role is bound to.
	Group string
	// SnapshotPods adds what reading nodes through snapshot pods needs:
	// the snapshot namespace, a Role to create, get and delete pods and
	// exec into them there, and a ValidatingAdmissionPolicy (Kubernetes
	// 1.31 or later) that admits only the exact snapshot pod there.
	SnapshotPods bool
	// SnapshotNamespace is the snapshot pods' namespace; only with
	// SnapshotPods.
	SnapshotNamespace string
	// AllowedImages are the images the admission policy admits for
	// snapshot pods (at least one); only with SnapshotPods.
	AllowedImages []string
	// NodeProxy adds get on nodes/proxy (the kubelet's /configz). It
	// amounts to exec in every pod of every node: a WebSocket upgrade
	// starts as a GET.
	NodeProxy bool
}

// DefaultRBACOptions are the user role of agent mode, bound to
// DefaultRBACGroup, with the snapshot pods' defaults filled in for
// SnapshotPods.
func DefaultRBACOptions() RBACOptions {
	return RBACOptions{AgentNamespace: DefaultAgentNamespace, Group: DefaultRBACGroup,
		SnapshotNamespace: DefaultNamespace, AllowedImages: []string{DefaultImage}}
}

// RBACOptionError is WriteRBAC's error about one of its options.
type RBACOptionError struct {
	// Field is the RBACOptions field: "AgentNamespace", "Group",
	// "SnapshotNamespace" or "AllowedImages".
	Field string
	// Value is the value refused.
	Value string
	Err   error
}

func (e *RBACOptionError) Error() string {
	return fmt.Sprintf("%s %q: %v", e.Field, e.Value, e.Err)
}

func (e *RBACOptionError) Unwrap() error { return e.Err }

// rbacData fills the templates.
type rbacData struct {
	AgentNamespace, SnapshotNamespace, Group string
	AllowedImages                            []string
	Container, HostPath, MountPath           string
	AppLabel, AppLabelValue, RunIDLabel      string
	CommandCEL                               string
	MaxLifetimeSeconds                       int
}

// WriteRBAC writes to w, as YAML for kubectl apply, the RBAC objects (and
// with SnapshotPods the admission policy) that reading nodes through the
// API needs. Nothing it prints grants node access by default: the user
// role reads pods and nodes and the agents' reports; exec and pod
// creation come only with SnapshotPods, confined to the snapshot
// namespace and to the snapshot pod's exact shape.
func WriteRBAC(w io.Writer, o RBACOptions) error {
	for _, f := range []struct{ field, ns string }{{"AgentNamespace", o.AgentNamespace}, {"SnapshotNamespace", o.SnapshotNamespace}} {
		if errs := validation.IsDNS1123Label(f.ns); len(errs) > 0 {
			return &RBACOptionError{Field: f.field, Value: f.ns, Err: errors.New(strings.Join(errs, "; "))}
		}
	}
	if o.Group == "" || strings.ContainsAny(o.Group, "\"\\\n") {
		return &RBACOptionError{Field: "Group", Value: o.Group, Err: errors.New("want a group name")}
	}
	if len(o.AllowedImages) == 0 {
		return &RBACOptionError{Field: "AllowedImages", Err: errors.New("give at least one")}
	}
	for _, im := range o.AllowedImages {
		if err := ValidateImage(im); err != nil {
			return &RBACOptionError{Field: "AllowedImages", Value: im, Err: err}
		}
	}
	cmd := SnapshotPodCommand()
	quoted := make([]string, len(cmd))
	for i, a := range cmd {
		quoted[i] = strconv.Quote(a) // CEL string literals escape like Go's
	}
	d := rbacData{
		AgentNamespace: o.AgentNamespace, SnapshotNamespace: o.SnapshotNamespace, Group: o.Group,
		AllowedImages: o.AllowedImages, Container: SnapshotContainer,
		HostPath: SnapshotHostPath, MountPath: SnapshotMountPath,
		AppLabel: SnapshotPodLabel, AppLabelValue: SnapshotPodLabelValue, RunIDLabel: SnapshotRunIDLabel,
		CommandCEL:         "[" + strings.Join(quoted, ", ") + "]",
		MaxLifetimeSeconds: int(MaxSnapshotPodLifetime.Seconds()),
	}
	files := []string{"user.yaml.tmpl"}
	if o.SnapshotPods {
		files = append(files, "snapshot-pods.yaml.tmpl")
	}
	if o.NodeProxy {
		files = append(files, "node-proxy.yaml.tmpl")
	}
	funcs := template.FuncMap{
		"inc":   func(i int) int { return i + 1 },
		"quote": strconv.Quote, // a YAML double-quoted scalar for these ASCII references
	}
	for _, f := range files {
		t, err := template.New(f).Funcs(funcs).Option("missingkey=error").ParseFS(rbacTemplates, "rbac/"+f)
		if err != nil {
			return err
		}
		if err := t.Execute(w, d); err != nil {
			return err
		}
	}
	return nil
}
