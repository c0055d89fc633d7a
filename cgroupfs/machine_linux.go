//go:build linux

package cgroupfs

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kubecgroups/kubecgroups/convert"
)

// ReadMachine reads the capacity facts the kubelet takes from cAdvisor and
// /proc on the machine this runs on: online CPUs, MemTotal and SwapTotal,
// pid_max and threads-max, and the huge page sizes. procRoot and sysRoot
// are normally /proc and /sys.
func ReadMachine(procRoot, sysRoot string) (*MachineInfo, error) {
	m := &MachineInfo{}
	online, err := readSmall(filepath.Join(sysRoot, "devices/system/cpu/online"))
	if err != nil {
		return nil, err
	}
	set, err := convert.ParseCPUSet(online)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(sysRoot, "devices/system/cpu/online"), err)
	}
	m.CPUs = set.Size()
	meminfo, err := readSmall(filepath.Join(procRoot, "meminfo"))
	if err != nil {
		return nil, err
	}
	if m.MemoryBytes, m.SwapBytes, err = parseMeminfo(meminfo); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(procRoot, "meminfo"), err)
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"sys/kernel/pid_max", &m.PIDMax}, {"sys/kernel/threads-max", &m.ThreadsMax}} {
		path := filepath.Join(procRoot, f.name)
		text, err := readSmall(path)
		if err != nil {
			return nil, err
		}
		if *f.dst, err = strconv.ParseInt(strings.TrimSpace(text), 10, 64); err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", path, text)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(sysRoot, "kernel/mm/hugepages"))
	for _, e := range entries {
		kb, ok := strings.CutPrefix(e.Name(), "hugepages-")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(kb, "kB"), 10, 64)
		if err == nil && strings.HasSuffix(kb, "kB") {
			m.HugePageSizes = append(m.HugePageSizes, n*1024)
		}
	}
	slices.Sort(m.HugePageSizes)
	return m, nil
}

// parseMeminfo returns MemTotal and SwapTotal in bytes.
func parseMeminfo(text string) (mem, swap int64, err error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	found := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || fields[2] != "kB" {
			continue
		}
		n, perr := strconv.ParseInt(fields[1], 10, 64)
		if perr != nil || n < 0 || n > 1<<53 {
			return 0, 0, fmt.Errorf("bad line %q", sc.Text())
		}
		switch fields[0] {
		case "MemTotal:":
			mem = n * 1024
			found++
		case "SwapTotal:":
			swap = n * 1024
		}
	}
	if found == 0 {
		return 0, 0, fmt.Errorf("no MemTotal line")
	}
	return mem, swap, nil
}

// readSmall reads a small /proc or /sys file (at most 1 MiB).
func readSmall(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20+1))
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > 1<<20 {
		return "", fmt.Errorf("%s: larger than 1 MiB", path)
	}
	return string(b), nil
}
