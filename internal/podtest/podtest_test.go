package podtest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "github.com/kubecgroups/kubecgroups/internal/golden" // every test package understands -update
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
)

// TestResourceListMatchesQoS requires the same lists as
// qos.ParseResourceList, whose syntax the tests write.
func TestResourceListMatchesQoS(t *testing.T) {
	for _, s := range []string{" ", "cpu=100m", "cpu=100m,memory=100Mi", " cpu = 1 , memory=64Mi,hugepages-2Mi=0", "pid=32768,ephemeral-storage=1Gi"} {
		want, err := qos.ParseResourceList(s)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, podtest.ResourceList(s)); diff != "" {
			t.Errorf("%q (-qos +podtest):\n%s", s, diff)
		}
	}
	if podtest.ResourceList("") != nil {
		t.Error(`ResourceList("") is not nil`)
	}
}

// TestResourceListPanics requires a panic on what qos.ParseResourceList
// rejects.
func TestResourceListPanics(t *testing.T) {
	for _, s := range []string{"cpu", "=1", "cpu=x", "cpu=-1", "cpu=1,cpu=2"} {
		if _, err := qos.ParseResourceList(s); err == nil {
			t.Fatalf("%q: qos accepts it", s)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q: no panic", s)
				}
			}()
			podtest.ResourceList(s)
		}()
	}
}

func TestContainer(t *testing.T) {
	c := podtest.Container("app", "busybox", "cpu=1", "")
	if c.Name != "app" || c.Image != "busybox" || c.Resources.Limits != nil || !c.Resources.Requests[corev1.ResourceCPU].Equal(podtest.ResourceList("cpu=1")[corev1.ResourceCPU]) {
		t.Errorf("%+v", c)
	}
}
