package cliparse

import (
	"fmt"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ResourceList parses "cpu=8,memory=32Gi,hugepages-2Mi=0" (the syntax of
// kubelet flags such as --kube-reserved, and of --node-capacity) into a
// resource list; "" is an empty list. Errors name the offending token.
func ResourceList(s string) (corev1.ResourceList, error) {
	ps, err := pairs(s, "name=quantity, for example cpu=8", "")
	if err != nil {
		return nil, err
	}
	out := corev1.ResourceList{}
	for _, p := range ps {
		q, err := resource.ParseQuantity(p.value)
		if err != nil {
			return nil, fmt.Errorf("bad token %q: invalid quantity %q", p.token, p.value)
		}
		if q.Sign() < 0 {
			return nil, fmt.Errorf("bad token %q: negative quantity", p.token)
		}
		out[corev1.ResourceName(p.name)] = q
	}
	return out, nil
}

// FeatureGates parses "A=true,B=false" (the kubelet's --feature-gates
// syntax; true and false in any case); "" is no gates. A gate the kubelet
// does not know is a *qos.UnknownFeatureGateError (qos.CheckFeatureGates).
func FeatureGates(s string) (map[string]bool, error) {
	ps, err := pairs(s, "Gate=true or Gate=false", "feature gate ")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, p := range ps {
		switch strings.ToLower(p.value) {
		case "true":
			out[p.name] = true
		case "false":
			out[p.name] = false
		default:
			return nil, fmt.Errorf("bad token %q: %q is not true or false", p.token, p.value)
		}
	}
	if err := qos.CheckFeatureGates(out); err != nil {
		return nil, err
	}
	return out, nil
}

// A pair is one name=value token of a flag, trimmed.
type pair struct {
	token, name, value string
}

// pairs splits "a=1, b=2" into its tokens ("" has none). A token
// without "=" or a name is an error that says what a token should be
// (want); a name given twice is one too, naming it after what.
func pairs(s, want, what string) ([]pair, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []pair
	seen := map[string]bool{}
	for tok := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(tok, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("bad token %q: want %s", tok, want)
		}
		if seen[name] {
			return nil, fmt.Errorf("%s%q given twice", what, name)
		}
		seen[name] = true
		out = append(out, pair{token: tok, name: name, value: strings.TrimSpace(value)})
	}
	return out, nil
}

// ConversionInput parses the REQUESTS and LIMITS of `kubectl-cgroups
// convert`: comma-separated resource=quantity pairs of cpu, memory and
// hugepages-<size>, in the syntax of a pod spec ("" for none), into the
// maps qos.ConvertContainer takes. As the API server does, a resource
// with a limit and no request gets the limit as its request; a request
// above its limit is an error. Errors name the argument and the token,
// and a bad quantity reads as it does in a manifest.
func ConversionInput(requests, limits string) (req, lim map[string]resource.Quantity, err error) {
	if req, err = containerResources("requests", requests); err != nil {
		return nil, nil, err
	}
	if lim, err = containerResources("--limits", limits); err != nil {
		return nil, nil, err
	}
	for name, q := range lim {
		if _, ok := req[name]; !ok {
			req[name] = q
		}
		if rq := req[name]; rq.Cmp(q) > 0 {
			return nil, nil, fmt.Errorf("request %s=%s is above its limit %s", name, rq.String(), q.String())
		}
	}
	return req, lim, nil
}

// containerResources parses "cpu=250m,memory=100M" into quantities.
// Errors name what (the argument) and the offending token.
func containerResources(what, arg string) (map[string]resource.Quantity, error) {
	out := map[string]resource.Quantity{}
	if strings.TrimSpace(arg) == "" {
		return out, nil
	}
	for tok := range strings.SplitSeq(arg, ",") {
		name, value, ok := strings.Cut(tok, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" {
			return nil, fmt.Errorf("%s: bad token %q: want resource=quantity, for example cpu=250m", what, tok)
		}
		if name != "cpu" && name != "memory" && !strings.HasPrefix(name, "hugepages-") {
			return nil, fmt.Errorf("%s: bad token %q: resource %q is not cpu, memory or hugepages-<size>", what, tok, name)
		}
		if strings.HasPrefix(name, "hugepages-") {
			if _, err := convert.ParseHugePageResourceName(name); err != nil {
				return nil, fmt.Errorf("%s: bad token %q: %w", what, tok, err)
			}
		}
		q, err := resource.ParseQuantity(value)
		if err != nil {
			// The wording of a bad quantity in a manifest (qos's
			// checkQuantities).
			return nil, fmt.Errorf("%s: bad token %q: invalid quantity %q: want a number with an optional suffix such as 250m, 1.5 or 256Mi", what, tok, value)
		}
		if q.Sign() < 0 {
			return nil, fmt.Errorf("%s: bad token %q: negative quantity %q", what, tok, value)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s: resource %q given twice", what, name)
		}
		out[name] = q
	}
	return out, nil
}
