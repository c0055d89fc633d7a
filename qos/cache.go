package qos

import (
	"cmp"
	"reflect"
	"slices"
	"strconv"
	"sync"
)

// fileCache shares the file maps of cgroups computed from equal inputs
// within one Expect call. A node runs many replicas of few workloads, so
// most container, sandbox and pod cgroups repeat the values (and the
// derivations) of another: each distinct set is built once and every
// cgroup with those inputs points at the same map. The maps are never
// modified once stored; merges copy (see merge).
//
// The key of a set is an encoding of everything its files are computed
// from (the CRI resources or the kubelet's ResourceConfig, with the
// reasons), under one profile. The MemoryQoS-off alternative shares the
// cache (MemoryQoS changes the keys, not how a set is built from them);
// the exclusive-CPU variant of one pod has none. Building a set may look
// up another (the sandbox's pause files): no lock is held while building.
type fileCache struct {
	mu     sync.Mutex
	sets   map[string]map[string]ExpectedFile
	merged map[mergeKey]mergedSet
}

// mergeKey identifies a merge by the identity of the two maps (both owned
// by the cache or by the entry, so their addresses cannot be reused while
// the cache lives), the reason and the message prefix.
type mergeKey struct {
	base, alt uintptr
	reason    Reason
	prefix    string
}

// mergedSet keeps the merge's inputs alive with its result.
type mergedSet struct {
	base, alt, out map[string]ExpectedFile
}

func newFileCache() *fileCache {
	return &fileCache{sets: map[string]map[string]ExpectedFile{}, merged: map[mergeKey]mergedSet{}}
}

// files returns the set stored under key, or builds it with build and
// stores it. A nil cache builds every time. Errors are not stored.
func (c *fileCache) files(key []byte, build func() (map[string]ExpectedFile, error)) (map[string]ExpectedFile, error) {
	if c == nil {
		return build()
	}
	c.mu.Lock()
	m, ok := c.sets[string(key)]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	// Built outside the lock: two workers may build the same set; the
	// first stored wins and both get equal content.
	m, err := build()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.sets[string(key)]; ok {
		return old, nil
	}
	c.sets[string(key)] = m
	return m, nil
}

// merge returns base with alt's values missing from it added as
// explanations (mergeFiles); base itself when there is nothing to add,
// else a new map, shared by every merge of the same two maps.
func (c *fileCache) merge(base, alt map[string]ExpectedFile, reason Reason, prefix string) map[string]ExpectedFile {
	if c == nil {
		if !needsMerge(base, alt, reason) {
			return base
		}
		return mergeFiles(base, alt, reason, prefix)
	}
	k := mergeKey{reflect.ValueOf(base).Pointer(), reflect.ValueOf(alt).Pointer(), reason, prefix}
	c.mu.Lock()
	e, ok := c.merged[k]
	c.mu.Unlock()
	if ok {
		return e.out
	}
	out := base
	if needsMerge(base, alt, reason) {
		out = mergeFiles(base, alt, reason, prefix)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.merged[k]; ok {
		return e.out
	}
	c.merged[k] = mergedSet{base, alt, out}
	return out
}

// keyBufSize is the stack buffer a cache key is built in: keys of v2
// cgroups, with their reasons, run to about 800 bytes, and a longer one
// only costs a heap allocation.
const keyBufSize = 2048

// key encodes the inputs of a container cgroup's files (with the formula
// they are converted with) into buf.
func (r *criResources) key(buf []byte, kind byte, formula int) []byte {
	buf = append(buf, kind)
	for _, n := range []int64{r.cpuPeriod, r.cpuQuota, r.cpuShares, r.memoryLimit, r.memorySwap, int64(formula)} {
		buf = strconv.AppendInt(buf, n, 10)
		buf = append(buf, 0)
	}
	for _, s := range sortedSizes(r.hugepages) {
		buf = strconv.AppendUint(buf, s, 10)
		buf = append(buf, '=')
		buf = strconv.AppendUint(buf, r.hugepages[s], 10)
		buf = append(buf, 0)
	}
	buf = appendStringMap(buf, r.unified)
	return appendStringMap(buf, r.why)
}

// key encodes a kubelet ResourceConfig with its reasons into buf.
func (rc *resourceConfig) key(buf []byte) []byte {
	buf = append(buf, 'k')
	opt := func(set bool, n int64, why string) {
		if set {
			buf = append(buf, '+')
			buf = strconv.AppendInt(buf, n, 10)
		}
		buf = appendString(buf, why)
	}
	deref := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	var shares, period int64
	if rc.shares != nil {
		shares = int64(*rc.shares)
	}
	if rc.period != nil {
		period = int64(*rc.period)
	}
	opt(rc.shares != nil, shares, rc.sharesBy)
	opt(rc.quota != nil, deref(rc.quota), rc.quotaBy)
	opt(rc.period != nil, period, "")
	opt(rc.memory != nil, deref(rc.memory), rc.memoryBy)
	opt(rc.pids != nil, deref(rc.pids), rc.pidsBy)
	for _, s := range sortedSizes(rc.hugePages) {
		buf = strconv.AppendUint(buf, s, 10)
		buf = append(buf, '=')
		buf = strconv.AppendInt(buf, rc.hugePages[s], 10)
		buf = append(buf, 0)
	}
	buf = append(buf, 1)
	for _, s := range sortedSizes(rc.hugeBy) {
		buf = strconv.AppendUint(buf, s, 10)
		buf = appendString(buf, rc.hugeBy[s])
	}
	buf = appendStringMap(buf, rc.unified)
	buf = appendStringMap(buf, rc.unifiedBy)
	buf = appendString(buf, rc.cpuset)
	return appendString(buf, rc.cpusetBy)
}

// appendStringMap encodes m in key order, delimited.
func appendStringMap(buf []byte, m map[string]string) []byte {
	buf = append(buf, 1)
	keys := make([]string, 0, 16)
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare)
	for _, k := range keys {
		buf = appendString(buf, k)
		buf = appendString(buf, m[k])
	}
	return buf
}

// appendString appends s with its length in front, so that no content can
// be mistaken for a delimiter.
func appendString(buf []byte, s string) []byte {
	buf = strconv.AppendInt(buf, int64(len(s)), 10)
	buf = append(buf, ':')
	return append(buf, s...)
}

// sortedSizes returns the huge page sizes of m in ascending order. Hosts
// have one to three sizes: the keys fit in a small array, so no slice is
// allocated for them.
func sortedSizes[V any](m map[uint64]V) []uint64 {
	var small [4]uint64
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
