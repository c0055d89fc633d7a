package kubelet

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kubecgroups/kubecgroups/qos"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Defaults of StaticPodOptions.
const (
	// DefaultPodLogsDir is the kubelet's default podLogsDir.
	DefaultPodLogsDir = "/var/log/pods"
	// DefaultContainerLogsDir holds the kubelet's container log links.
	DefaultContainerLogsDir = "/var/log/containers"
)

// StaticPodOptions locate static pod manifests and the kubelet's log
// directories that map them to the UIDs and container IDs the kubelet
// gave them.
type StaticPodOptions struct {
	// ManifestDir is the kubelet's staticPodPath.
	ManifestDir string
	// NodeName is the node name the kubelet appends to static pod names;
	// empty finds it in the pod log directory.
	NodeName string
	// PodLogsDir is the kubelet's podLogsDir, whose
	// <namespace>_<pod>_<uid> directories give static pod UIDs
	// (DefaultPodLogsDir when empty).
	PodLogsDir string
	// ContainerLogsDir holds the <pod>_<namespace>_<container>-<id>.log
	// links that give container IDs (DefaultContainerLogsDir when empty).
	ContainerLogsDir string
	// FlagNames, when set, names the options in errors the way a CLI
	// spells them (for example "NodeName" -> "--node-name").
	FlagNames map[string]string
}

func (s StaticPodOptions) name(field string) string {
	if n, ok := s.FlagNames[field]; ok {
		return n
	}
	return field
}

// ReadStaticPods reads the static pod manifests and fills in each pod's
// name as the kubelet runs it (<name>-<node>), UID and container IDs from
// the kubelet's log directories, as the kubelet's /pods would list them.
// Errors name the option and the directory.
func ReadStaticPods(s StaticPodOptions) ([]*corev1.Pod, error) {
	if s.PodLogsDir == "" {
		s.PodLogsDir = DefaultPodLogsDir
	}
	if s.ContainerLogsDir == "" {
		s.ContainerLogsDir = DefaultContainerLogsDir
	}
	pods, err := qos.ReadPodsPath(s.ManifestDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name("ManifestDir"), err)
	}
	podDirs, err := os.ReadDir(s.PodLogsDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (static pod UIDs are read from the kubelet's pod log directories)", s.name("PodLogsDir"), err)
	}
	links, err := os.ReadDir(s.ContainerLogsDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", s.name("ContainerLogsDir"), err)
	}
	for _, pod := range pods {
		if pod.Namespace == "" {
			pod.Namespace = "default"
		}
	}
	if s.NodeName == "" {
		s.NodeName = guessNodeName(pods, podDirs)
	}
	for _, pod := range pods {
		if err := s.resolve(pod, podDirs, links); err != nil {
			return nil, err
		}
	}
	return pods, nil
}

// guessNodeName finds the node name the kubelet appended to every static
// pod's name: the one suffix that all manifests have a pod log directory
// for ("" when there is no single one). Matching each manifest alone is
// ambiguous when one pod's name prefixes another's (web, web-canary).
func guessNodeName(pods []*corev1.Pod, podDirs []os.DirEntry) string {
	var common map[string]bool
	for _, pod := range pods {
		prefix := pod.Namespace + "_" + pod.Name + "-"
		nodes := map[string]bool{}
		for _, d := range podDirs {
			rest, ok := strings.CutPrefix(d.Name(), prefix)
			if !ok || !d.IsDir() {
				continue
			}
			if i := strings.LastIndex(rest, "_"); i > 0 {
				nodes[rest[:i]] = true
			}
		}
		if len(nodes) == 0 {
			continue // not running: resolve reports it
		}
		if common == nil {
			common = nodes
			continue
		}
		for n := range common {
			if !nodes[n] {
				delete(common, n)
			}
		}
	}
	if len(common) != 1 {
		return ""
	}
	for n := range common {
		return n
	}
	return ""
}

// resolve finds the running instance of a static pod manifest: its
// mirror name (<name>-<node>), UID and container IDs.
func (s StaticPodOptions) resolve(pod *corev1.Pod, podDirs, links []os.DirEntry) error {
	prefix := pod.Namespace + "_" + pod.Name + "-"
	if s.NodeName != "" {
		prefix += s.NodeName + "_"
	}
	var matches []string
	for _, d := range podDirs {
		if d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			matches = append(matches, d.Name())
		}
	}
	if len(matches) == 0 {
		return fmt.Errorf("static pod %s/%s: no directory %s* in %s; is the kubelet running it? (give %s if its node name is unusual)", pod.Namespace, pod.Name, prefix, s.PodLogsDir, s.name("NodeName"))
	}
	if len(matches) > 1 {
		return fmt.Errorf("static pod %s/%s: several pod log directories match (%s); give %s", pod.Namespace, pod.Name, strings.Join(matches, ", "), s.name("NodeName"))
	}
	rest := strings.TrimPrefix(matches[0], pod.Namespace+"_")
	i := strings.LastIndex(rest, "_")
	pod.Name, pod.UID = rest[:i], types.UID(rest[i+1:])

	ids := map[string]string{}
	times := map[string]time.Time{}
	linkPrefix := pod.Name + "_" + pod.Namespace + "_"
	for _, l := range links {
		name, ok := strings.CutPrefix(l.Name(), linkPrefix)
		if !ok || !strings.HasSuffix(name, ".log") {
			continue
		}
		name = strings.TrimSuffix(name, ".log")
		j := strings.LastIndex(name, "-")
		if j < 0 {
			continue
		}
		container, id := name[:j], name[j+1:]
		info, err := l.Info()
		if err != nil {
			continue
		}
		// After a restart the newest link is the running container.
		if t, seen := times[container]; !seen || info.ModTime().After(t) {
			ids[container], times[container] = id, info.ModTime()
		}
	}
	statuses := func(cs []corev1.Container) []corev1.ContainerStatus {
		var out []corev1.ContainerStatus
		for _, c := range cs {
			st := corev1.ContainerStatus{Name: c.Name}
			if id, ok := ids[c.Name]; ok {
				st.ContainerID = "containerd://" + id
			}
			out = append(out, st)
		}
		return out
	}
	pod.Status.ContainerStatuses = statuses(pod.Spec.Containers)
	pod.Status.InitContainerStatuses = statuses(pod.Spec.InitContainers)
	return nil
}
