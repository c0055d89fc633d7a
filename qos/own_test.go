package qos

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

// holders lists where x keeps each map and each slice's array (the
// address of its first element), by a description, for every non-empty
// map and slice an ExpectedCgroup or PodExpectation holds.
func holders(x *Expectation) map[uintptr][]string {
	out := map[uintptr][]string{}
	add := func(p uintptr, what string) {
		out[p] = append(out[p], what)
	}
	slice := func(v any, what string) {
		rv := reflect.ValueOf(v)
		if rv.Len() > 0 {
			add(rv.Index(0).Addr().Pointer(), what)
		}
	}
	cgroup := func(cg *ExpectedCgroup, where string) {
		if len(cg.Files) > 0 {
			add(reflect.ValueOf(cg.Files).Pointer(), where+" files")
		}
		slice(cg.Notes, where+" notes")
		for name, f := range cg.Files {
			slice(f.Accept, where+" "+name+" accept")
			slice(f.Explained, where+" "+name+" explained")
			for i, e := range f.Explained {
				slice(e.Values, fmt.Sprintf("%s %s explained[%d]", where, name, i))
			}
		}
	}
	for i := range x.Node {
		cgroup(&x.Node[i], "node "+string(x.Node[i].Level))
	}
	for i := range x.Pods {
		pe := &x.Pods[i]
		for j := range pe.Cgroups {
			cgroup(&pe.Cgroups[j], pe.Name+" "+pe.Cgroups[j].Path)
		}
		if len(pe.OOMScoreAdj) > 0 {
			add(reflect.ValueOf(pe.OOMScoreAdj).Pointer(), pe.Name+" oomScoreAdj")
		}
		slice(pe.Notes, pe.Name+" notes")
	}
	return out
}

// shared returns the holders that more than one place holds.
func shared(x *Expectation) map[uintptr][]string {
	out := map[uintptr][]string{}
	for p, ws := range holders(x) {
		if len(ws) > 1 {
			out[p] = ws
		}
	}
	return out
}

// TestExpectationOwnsItsMaps: while the expectation is computed, equal
// cgroups (a pod and its twin) share file maps and slices; Expect hands
// out none of that sharing, and changing one pod's files in the result
// changes no other and no later result. The pods' start times are
// copied, not pointed at.
func TestExpectationOwnsItsMaps(t *testing.T) {
	pods := cachePods(t)
	p := DefaultProfile()
	inner, err := expectShared(pods, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(shared(inner)) == 0 {
		t.Fatal("the file cache shared nothing between twin pods: this test would prove nothing")
	}
	x, err := Expect(pods, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, ws := range shared(x) {
		t.Errorf("Expect's result shares one map or array between %q", ws)
	}
	if d := cmp.Diff(inner, x); d != "" {
		t.Errorf("owning changed the expectation (-computed +owned):\n%s", d)
	}
	byUID := map[string]*corev1.Pod{}
	for _, pod := range pods {
		byUID[string(pod.UID)] = pod
	}
	for _, pe := range x.Pods {
		if st := byUID[pe.UID].Status.StartTime; st != nil && pe.StartTime == st {
			t.Errorf("%s: StartTime points into the pod", pe.Name)
		}
	}

	// Spoil every file of the first pod's cgroups in place.
	before, err := Expect(pods, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, cg := range x.Pods[0].Cgroups {
		for name, f := range cg.Files {
			for i := range f.Accept {
				f.Accept[i] = "spoiled"
			}
			for _, ex := range f.Explained {
				for i := range ex.Values {
					ex.Values[i] = "spoiled"
				}
			}
			cg.Files[name] = ExpectedFile{Accept: []string{"spoiled"}}
		}
	}
	x.Pods[0] = before.Pods[0]
	if d := cmp.Diff(before, x); d != "" {
		t.Errorf("changing the first pod's files changed other pods (-before +after):\n%s", d)
	}
	after, err := Expect(pods, p)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("changing a result changed a later one (-before +after):\n%s", d)
	}
}
