package qos

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// TemplateAnnotation is set on pods made from a workload's pod template;
// its value names the workload ("Deployment/web").
const TemplateAnnotation = "kubecgroups.io/template-of"

// maxManifestBytes bounds one input so a stray binary cannot exhaust memory.
const maxManifestBytes = 64 << 20

// ReadPods reads Pod manifests from r: single objects or multi-document
// YAML (or JSON), kind List and PodList, and the pod templates of
// Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers,
// Jobs, CronJobs and PodTemplates (one pod per template, named after the
// workload and marked with [TemplateAnnotation]). Unknown fields and
// invalid quantities are errors: a *ManifestError names the source, the
// document and the field. Other kinds are errors too.
//
// ReadPods does not default anything; call [Profile.DefaultPod] on each
// pod before [Expect] when the input may be a plain manifest.
func ReadPods(r io.Reader, source string) ([]*corev1.Pod, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return nil, &ManifestError{Source: source, Err: err}
	}
	if len(data) > maxManifestBytes {
		return nil, &ManifestError{Source: source, Err: fmt.Errorf("larger than %d bytes", maxManifestBytes)}
	}
	// One JSON object (`kubectl get pods -o json`) is one document: a
	// line of JSON cannot start a new YAML document ("---"), so the
	// document reader, which scans every line, is not needed.
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' && json.Valid(t) {
		pods, err := decodeJSONDocument(t)
		if err != nil {
			return nil, withSource(err, source, 1)
		}
		return pods, nil
	}
	return readDocuments(data, source)
}

// readDocuments splits data into YAML documents and decodes each.
func readDocuments(data []byte, source string) ([]*corev1.Pod, error) {
	yr := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var pods []*corev1.Pod
	for index := 1; ; index++ {
		doc, err := yr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &ManifestError{Source: source, Index: index, Err: err}
		}
		if isBlankYAML(doc) {
			index--
			continue
		}
		got, err := decodeDocument(doc)
		if err != nil {
			return nil, withSource(err, source, index)
		}
		pods = append(pods, got...)
	}
	return pods, nil
}

// withSource names the source and the document (from 1) in a decoding
// error.
func withSource(err error, source string, index int) error {
	var me *ManifestError
	if errors.As(err, &me) {
		me.Source, me.Index = source, index
		return me
	}
	return &ManifestError{Source: source, Index: index, Err: err}
}

func isBlankYAML(doc []byte) bool {
	for line := range strings.SplitSeq(string(doc), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") && t != "---" {
			return false
		}
	}
	return true
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// decodeDocument decodes one YAML or JSON document into pods.
func decodeDocument(doc []byte) ([]*corev1.Pod, error) {
	js := doc
	if t := bytes.TrimSpace(doc); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		// YAML (a JSON object, such as `kubectl get -o json` prints, is
		// decoded as it is: converting it through YAML costs more than
		// decoding it).
		var err error
		if js, err = yaml.YAMLToJSON(doc); err != nil {
			return nil, &ManifestError{Err: fmt.Errorf("not YAML or JSON: %w", err)}
		}
	}
	return decodeJSONDocument(js)
}

// decodeJSONDocument decodes one document, given as valid JSON, into
// pods.
func decodeJSONDocument(js []byte) ([]*corev1.Pod, error) {
	var tm typeMeta
	if err := json.Unmarshal(js, &tm); err != nil {
		return nil, &ManifestError{Err: fmt.Errorf("not a Kubernetes object: %w", err)}
	}
	return decodeObject(js, tm, "", false)
}

// decodeObject decodes a document of kind tm.Kind; checked reports that
// its quantities were checked already (an item of a List, whose
// quantities the List's check covered).
func decodeObject(js []byte, tm typeMeta, fieldPrefix string, checked bool) ([]*corev1.Pod, error) {
	obj := tm.Kind
	if tm.Metadata.Name != "" {
		obj = strings.TrimSpace(obj + " " + podRef(tm.Metadata.Namespace, tm.Metadata.Name))
	}
	fail := func(field string, err error) error {
		return &ManifestError{Object: obj, Field: fieldPrefix + field, Err: err}
	}
	if tm.Kind == "" {
		return nil, fail("kind", errors.New("missing: want Pod, List or a workload"))
	}
	if !checked {
		var generic any
		if err := json.Unmarshal(js, &generic); err != nil {
			return nil, fail("", err)
		}
		if field, err := checkQuantities(generic, ""); err != nil {
			return nil, fail(field, err)
		}
	}
	strict := func(v any) error {
		return strictDecode(js, v, fail)
	}
	template := func(meta metav1.ObjectMeta, t *corev1.PodTemplateSpec) []*corev1.Pod {
		pod := &corev1.Pod{ObjectMeta: *t.ObjectMeta.DeepCopy(), Spec: *t.Spec.DeepCopy()}
		pod.APIVersion, pod.Kind = "v1", "Pod"
		pod.Name = meta.Name
		pod.Namespace = meta.Namespace
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		pod.Annotations[TemplateAnnotation] = tm.Kind + "/" + meta.Name
		return []*corev1.Pod{pod}
	}
	switch tm.Kind {
	case "Pod":
		var p corev1.Pod
		if err := strict(&p); err != nil {
			return nil, err
		}
		return []*corev1.Pod{&p}, nil
	case "List", "PodList":
		var l struct {
			APIVersion string            `json:"apiVersion"`
			Kind       string            `json:"kind"`
			Metadata   metav1.ListMeta   `json:"metadata"`
			Items      []json.RawMessage `json:"items"`
		}
		if err := strict(&l); err != nil {
			return nil, err
		}
		// The items are independent: decoded by up to GOMAXPROCS
		// goroutines, the first error in item order returned.
		got := make([][]*corev1.Pod, len(l.Items))
		errs := make([]error, len(l.Items))
		forEach(len(l.Items), func(i int) {
			item := l.Items[i]
			var itm typeMeta
			if err := json.Unmarshal(item, &itm); err != nil {
				errs[i] = fail(fmt.Sprintf("items[%d]", i), err)
				return
			}
			if itm.Kind == "" && tm.Kind == "PodList" {
				itm.Kind = "Pod"
				item = withKind(item, "v1", "Pod")
			}
			got[i], errs[i] = decodeObject(item, itm, fmt.Sprintf("%sitems[%d].", fieldPrefix, i), true)
		})
		var out []*corev1.Pod
		for i := range got {
			if errs[i] != nil {
				return nil, errs[i]
			}
			out = append(out, got[i]...)
		}
		return out, nil
	case "Deployment":
		var d appsv1.Deployment
		if err := strict(&d); err != nil {
			return nil, err
		}
		return template(d.ObjectMeta, &d.Spec.Template), nil
	case "StatefulSet":
		var d appsv1.StatefulSet
		if err := strict(&d); err != nil {
			return nil, err
		}
		return template(d.ObjectMeta, &d.Spec.Template), nil
	case "DaemonSet":
		var d appsv1.DaemonSet
		if err := strict(&d); err != nil {
			return nil, err
		}
		return template(d.ObjectMeta, &d.Spec.Template), nil
	case "ReplicaSet":
		var d appsv1.ReplicaSet
		if err := strict(&d); err != nil {
			return nil, err
		}
		return template(d.ObjectMeta, &d.Spec.Template), nil
	case "ReplicationController":
		var d corev1.ReplicationController
		if err := strict(&d); err != nil {
			return nil, err
		}
		if d.Spec.Template == nil {
			return nil, fail("spec.template", errors.New("missing"))
		}
		return template(d.ObjectMeta, d.Spec.Template), nil
	case "Job":
		var d batchv1.Job
		if err := strict(&d); err != nil {
			return nil, err
		}
		return template(d.ObjectMeta, &d.Spec.Template), nil
	case "CronJob":
		var d batchv1.CronJob
		if err := strict(&d); err != nil {
			return nil, err
		}
		return template(d.ObjectMeta, &d.Spec.JobTemplate.Spec.Template), nil
	case "PodTemplate":
		var d corev1.PodTemplate
		if err := strict(&d); err != nil {
			return nil, err
		}
		return template(d.ObjectMeta, &d.Template), nil
	}
	return nil, fail("kind", fmt.Errorf("%q is not supported: want Pod, List, PodList, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob or PodTemplate", tm.Kind))
}

func withKind(item json.RawMessage, apiVersion, kind string) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(item, &m) != nil {
		return item
	}
	m["apiVersion"], m["kind"] = apiVersion, kind
	b, err := json.Marshal(m)
	if err != nil {
		return item
	}
	return b
}

// quantityMaps are the keys whose values are maps of resource quantities.
var quantityMaps = map[string]bool{
	"requests": true, "limits": true, "overhead": true, "allocatedResources": true,
	"capacity": true, "allocatable": true, "hard": true,
}

// checkQuantities walks a decoded document and returns the path of the
// first resource quantity that does not parse, so errors name the field.
func checkQuantities(v any, path string) (string, error) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := joinPath(path, k)
			if quantityMaps[k] {
				if m, ok := t[k].(map[string]any); ok {
					names := make([]string, 0, len(m))
					for n := range m {
						names = append(names, n)
					}
					sort.Strings(names)
					for _, n := range names {
						var s string
						switch q := m[n].(type) {
						case string:
							s = q
						case float64:
							s = strings.TrimSuffix(fmt.Sprintf("%f", q), ".000000")
							if q == float64(int64(q)) {
								s = fmt.Sprintf("%d", int64(q))
							}
						default:
							return p + "." + n, fmt.Errorf("want a quantity such as 250m or 1Gi, got %v", m[n])
						}
						qq, err := resource.ParseQuantity(s)
						if err != nil {
							return p + "." + n, fmt.Errorf("invalid quantity %q: want a number with an optional suffix such as 250m, 1.5 or 256Mi", s)
						}
						if qq.Sign() < 0 {
							return p + "." + n, fmt.Errorf("negative quantity %q", s)
						}
					}
					continue
				}
			}
			if f, err := checkQuantities(t[k], p); err != nil {
				return f, err
			}
		}
	case []any:
		for i, x := range t {
			if f, err := checkQuantities(x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return f, err
			}
		}
	}
	return "", nil
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// strictDecode decodes JSON into v, refusing unknown and duplicate
// fields; errors name the field path.
func strictDecode(js []byte, v any, fail func(field string, err error) error) error {
	strictErrs, err := kjson.UnmarshalStrict(js, v)
	if err != nil {
		return fail(fieldOf(err), cleanJSONError(err))
	}
	if len(strictErrs) > 0 {
		return fail(fieldOf(strictErrs[0]), cleanJSONError(strictErrs[0]))
	}
	return nil
}

var (
	unknownFieldRE = regexp.MustCompile(`unknown field "([^"]+)"`)
	structFieldRE  = regexp.MustCompile(`Go struct field [A-Za-z0-9_]+\.([A-Za-z0-9_.\[\]]+) of type`)
)

// fieldOf extracts the field a JSON decoding error is about.
func fieldOf(err error) string {
	s := err.Error()
	if m := unknownFieldRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	if m := structFieldRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// cleanJSONError shortens the decoder's wrapping.
func cleanJSONError(err error) error {
	s := err.Error()
	s = strings.TrimPrefix(s, "error unmarshaling JSON: ")
	s = strings.TrimPrefix(s, "while decoding JSON: ")
	s = strings.TrimPrefix(s, "json: ")
	return errors.New(s)
}
