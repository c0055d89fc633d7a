package qos

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// featureGatesText lists the gates a v1.37 kubelet accepts besides those
// of gateTable (see the file's header).
//
//go:embed featuregates.txt
var featureGatesText string

// otherGates is featureGatesText as a set.
var otherGates = func() map[string]bool {
	m := map[string]bool{}
	for line := range strings.Lines(featureGatesText) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
}()

// UnknownFeatureGateError reports a feature gate the kubelet does not
// know: it refuses to start with one. Suggestion is the known gate the
// name most likely meant (same letters in another case, or a small
// misspelling); empty when none is close.
type UnknownFeatureGateError struct {
	// Gate is the name as given.
	Gate string
	// Suggestion is the nearest known gate name, or empty.
	Suggestion string
}

// Error implements the error interface.
func (e *UnknownFeatureGateError) Error() string {
	msg := fmt.Sprintf("unknown feature gate %q", e.Gate)
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", e.Suggestion)
	}
	return msg + ": a kubelet refuses to start with it"
}

// IsKnownFeatureGate reports whether a v1.37 kubelet accepts the feature
// gate name (exactly as spelled): the gates the model reads
// ([KnownFeatureGates]) and every other gate the kubelet registers.
func IsKnownFeatureGate(name string) bool {
	_, ok := gateTable[name]
	return ok || otherGates[name] || gateAliases[name] != ""
}

// CheckFeatureGates returns an *UnknownFeatureGateError for the first
// gate (in name order) that IsKnownFeatureGate rejects.
func CheckFeatureGates(gates map[string]bool) error {
	for _, name := range slices.Sorted(maps.Keys(gates)) {
		if !IsKnownFeatureGate(name) {
			return &UnknownFeatureGateError{Gate: name, Suggestion: suggestGate(name)}
		}
	}
	return nil
}

// suggestGate returns the known gate that differs from name only in case,
// or else the one nearest by edit distance (case ignored) when at most 2
// edits, and fewer than a third of the name's letters, away.
func suggestGate(name string) string {
	low := strings.ToLower(name)
	names := slices.Concat(slices.Collect(maps.Keys(gateTable)), slices.Collect(maps.Keys(gateAliases)), slices.Collect(maps.Keys(otherGates)))
	slices.Sort(names)
	best, bestD := "", 3
	for _, g := range names {
		lg := strings.ToLower(g)
		if lg == low {
			return g
		}
		if d := editDistance(low, lg); d < bestD && d*3 < len(low) {
			best, bestD = g, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
