package testutil

import (
	"testing"

	_ "github.com/kubecgroups/kubecgroups/internal/golden" // every test package understands -update
)

func TestHexID(t *testing.T) {
	// SHA-256 of the empty string and of "abc" (FIPS 180-2 examples).
	for label, want := range map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	} {
		if got := HexID(label); got != want {
			t.Errorf("HexID(%q) = %s, want %s", label, got, want)
		}
	}
}
