// Package podtest builds the Kubernetes objects tests use, from short
// strings. It does not import qos, so the qos package's own tests may use
// it.
package podtest

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ResourceList parses "cpu=100m,memory=100Mi" (the syntax of
// cliparse.ResourceList: comma-separated name=quantity, spaces around
// names and quantities ignored); "" is nil. It panics on bad input, which
// in a test is a bug of the test.
func ResourceList(s string) corev1.ResourceList {
	if s == "" {
		return nil
	}
	out := corev1.ResourceList{}
	if strings.TrimSpace(s) == "" {
		return out
	}
	for tok := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(tok, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			panic(fmt.Sprintf("podtest: bad token %q in %q: want name=quantity", tok, s))
		}
		if _, dup := out[corev1.ResourceName(name)]; dup {
			panic(fmt.Sprintf("podtest: %q given twice in %q", name, s))
		}
		q := resource.MustParse(strings.TrimSpace(value))
		if q.Sign() < 0 {
			panic(fmt.Sprintf("podtest: negative quantity in %q", s))
		}
		out[corev1.ResourceName(name)] = q
	}
	return out
}

// Container is a container with the given image (may be empty) and
// requests and limits in ResourceList syntax.
func Container(name, image, requests, limits string) corev1.Container {
	return corev1.Container{Name: name, Image: image, Resources: corev1.ResourceRequirements{
		Requests: ResourceList(requests), Limits: ResourceList(limits)}}
}
