package cgroupfs

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestV1UnionOfControllers: on cgroup v1 a pod or container cgroup present
// in any one controller is found (a leftover that survives only under
// memory/ or only under cpu/), and one missing from some controllers gets
// a note naming where it is and where it is not.
func TestV1UnionOfControllers(t *testing.T) {
	const (
		full     = "11111111-1111-4111-8111-111111111111"
		memOnly  = "22222222-2222-4222-8222-222222222222"
		cpuOnly  = "33333333-3333-4333-8333-333333333333"
		ctrBoth  = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		ctrMem   = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		ctrlCPU  = "cpu,cpuacct"
		burst    = "/kubepods/burstable/pod"
		memLimit = "memory.limit_in_bytes"
	)
	fsys := fstest.MapFS{}
	add := func(ctrl, cgroup, file, value string) {
		fsys[ctrl+cgroup+"/"+file] = &fstest.MapFile{Data: []byte(value + "\n")}
	}
	for _, cg := range []string{"/kubepods", "/kubepods/burstable", "/kubepods/besteffort"} {
		add(ctrlCPU, cg, "cpu.shares", "1024")
		add("memory", cg, memLimit, "9223372036854771712")
	}
	// A pod in both controllers, with one container in both and one
	// only under memory/.
	add(ctrlCPU, burst+full, "cpu.shares", "102")
	add("memory", burst+full, memLimit, "104857600")
	add(ctrlCPU, burst+full+"/"+ctrBoth, "cpu.shares", "102")
	add("memory", burst+full+"/"+ctrBoth, memLimit, "104857600")
	add("memory", burst+full+"/"+ctrMem, memLimit, "104857600")
	// Leftovers: a pod only under memory/, one only under cpu/.
	add("memory", burst+memOnly, memLimit, "104857600")
	add(ctrlCPU, burst+cpuOnly, "cpu.shares", "2")

	tree, err := NewTreeFS(fsys, TreeOptions{Mode: ModeLegacy, PageSizeBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	n, err := tree.Node(NodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]*Pod{}
	for i := range n.Pods {
		found[n.Pods[i].UID] = &n.Pods[i]
	}
	for _, uid := range []string{full, memOnly, cpuOnly} {
		if found[uid] == nil {
			t.Errorf("pod %s not found (found %d pods)", uid, len(n.Pods))
		}
	}
	if p := found[full]; p != nil {
		if len(p.Containers) != 2 {
			t.Errorf("pod %s: %d containers, want 2 (one only under memory/)", full, len(p.Containers))
		}
	}
	if p := found[memOnly]; p != nil {
		if f := p.Cgroup.Files[memLimit]; f.Err != nil || f.Raw != "104857600" {
			t.Errorf("memory-only pod: %s = %+v", memLimit, f)
		}
	}
	notes := strings.Join(n.Notes, "\n")
	for _, want := range []string{
		"pod cgroup " + burst + memOnly + " exists only in memory (not in cpu,cpuacct)",
		"pod cgroup " + burst + cpuOnly + " exists only in cpu,cpuacct (not in memory)",
		"container cgroup " + burst + full + "/" + ctrMem + " exists only in memory (not in cpu,cpuacct)",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("no note %q in:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, burst+full+" exists") || strings.Contains(notes, ctrBoth+" exists") {
		t.Errorf("a note for a cgroup present everywhere:\n%s", notes)
	}
}

// TestV1UnionPodByUID: a pod looked up by UID is found in any controller
// and noted when some lack it.
func TestV1UnionPodByUID(t *testing.T) {
	const uid = "22222222-2222-4222-8222-222222222222"
	fsys := fstest.MapFS{}
	for _, f := range []string{"cpu,cpuacct/kubepods/cpu.shares", "memory/kubepods/memory.limit_in_bytes", "memory/kubepods/burstable/pod" + uid + "/memory.limit_in_bytes"} {
		fsys[f] = &fstest.MapFile{Data: []byte("1024\n")}
	}
	tree, err := NewTreeFS(fsys, TreeOptions{Mode: ModeLegacy, PageSizeBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	n, err := tree.Node(NodeOptions{PodUID: uid})
	if err != nil {
		t.Fatal(err)
	}
	if n.Pod(uid) == nil || !strings.Contains(strings.Join(n.Notes, "\n"), "exists only in memory (not in cpu,cpuacct)") {
		t.Errorf("pod found: %v, notes %q", n.Pod(uid) != nil, n.Notes)
	}
}
