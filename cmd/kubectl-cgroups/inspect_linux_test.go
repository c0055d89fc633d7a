//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/cgtest"
)

// TestInspectRealKernel builds a small kubepods hierarchy of throwaway
// cgroups in the writable v1 cpu and memory controllers and checks that
// inspect finds it and shows what the kernel holds, and that a snapshot
// of it reads back the same.
func TestInspectRealKernel(t *testing.T) {
	cpu := cgtest.V1Controller(t, "cpu")
	mem := cgtest.V1Controller(t, "memory")
	name := cgtest.UniqueName(t, "inspect")
	const uid = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
	id := strings.Repeat("5e", 32)
	pod := filepath.Join(name, "kubepods", "burstable", "pod"+uid)
	for _, root := range []string{cpu, mem} {
		cgtest.Mkdir(t, filepath.Join(root, pod, id))
		cgtest.Mkdir(t, filepath.Join(root, name, "kubepods", "besteffort"))
	}
	cgtest.Write(t, filepath.Join(cpu, pod, "cpu.shares"), "358")
	cgtest.Write(t, filepath.Join(cpu, pod, id, "cpu.cfs_quota_us"), "25000")
	cgtest.Write(t, filepath.Join(mem, pod, id, "memory.limit_in_bytes"), "100000000")

	live, errOut, code := runCLI(t, "", "inspect", "--cgroup-root", "/"+name, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Driver string
		Pods   []struct {
			UID, QOSTier string
			Files        map[string]struct{ Raw string }
			Containers   []struct {
				ID    string
				Files map[string]struct{ Raw string }
			}
		}
	}
	if err := json.Unmarshal([]byte(live), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Driver != "cgroupfs" || len(doc.Pods) != 1 || doc.Pods[0].UID != uid || doc.Pods[0].QOSTier != "burstable" || len(doc.Pods[0].Containers) != 1 {
		t.Fatalf("hierarchy: %+v", doc)
	}
	c := doc.Pods[0].Containers[0]
	for file, want := range map[string]string{
		"cpu.cfs_quota_us":      cgtest.Read(t, filepath.Join(cpu, pod, id, "cpu.cfs_quota_us")),
		"memory.limit_in_bytes": cgtest.Read(t, filepath.Join(mem, pod, id, "memory.limit_in_bytes")),
	} {
		if c.Files[file].Raw != want {
			t.Errorf("%s: inspect shows %q, the kernel %q", file, c.Files[file].Raw, want)
		}
	}
	if doc.Pods[0].Files["cpu.shares"].Raw != "358" {
		t.Errorf("pod cpu.shares %q", doc.Pods[0].Files["cpu.shares"].Raw)
	}
	table, _, code := runCLI(t, "", "inspect", "--cgroup-root", "/"+name, "--pod", uid)
	if code != 0 || !strings.Contains(table, "BURSTABLE POD "+uid) || !strings.Contains(table, id[:12]+"   1024         25000/100000   99999744") {
		t.Errorf("table:\n%s", table)
	}

	file := filepath.Join(t.TempDir(), "node.tar.gz")
	if _, errOut, code := runCLI(t, "", "snapshot", "--cgroup-root", "/"+name, "-o", file); code != 0 {
		t.Fatalf("snapshot: %s", errOut)
	}
	snap, errOut, code := runCLI(t, "", "inspect", "--snapshot", file, "-o", "json")
	if code != 0 {
		t.Fatal(errOut)
	}
	l, s := withoutSource(t, live), withoutSource(t, snap)
	lj, _ := json.Marshal(l)
	sj, _ := json.Marshal(s)
	if !bytes.Equal(lj, sj) {
		t.Errorf("snapshot reads differently from the live tree:\n%s\n%s", lj, sj)
	}
}
