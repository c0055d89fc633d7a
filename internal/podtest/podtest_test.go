package podtest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kubecgroups/kubecgroups/internal/cliparse"
	_ "github.com/kubecgroups/kubecgroups/internal/golden" // every test package understands -update
	"github.com/kubecgroups/kubecgroups/internal/podtest"
	corev1 "k8s.io/api/core/v1"
)

// TestResourceListMatchesCLI requires the same lists as
// cliparse.ResourceList, whose syntax the tests write.
func TestResourceListMatchesCLI(t *testing.T) {
	for _, s := range []string{" ", "cpu=100m", "cpu=100m,memory=100Mi", " cpu = 1 , memory=64Mi,hugepages-2Mi=0", "pid=32768,ephemeral-storage=1Gi"} {
		want, err := cliparse.ResourceList(s)
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

// TestResourceListPanics requires a panic on what cliparse.ResourceList
// rejects.
func TestResourceListPanics(t *testing.T) {
	for _, s := range []string{"cpu", "=1", "cpu=x", "cpu=-1", "cpu=1,cpu=2"} {
		if _, err := cliparse.ResourceList(s); err == nil {
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
