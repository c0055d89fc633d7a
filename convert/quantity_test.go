package convert

import "testing"

func TestFormatBytes(t *testing.T) {
	for b, want := range map[int64]string{
		0: "0", 1: "1", 1000: "1k", 1023: "1023", 1024: "1Ki", 268435456: "256Mi", 1073741824: "1Gi",
		100000000: "100M", 99999744: "97656Ki", 1 << 40: "1Ti", 1 << 50: "1Pi", 1 << 60: "1Ei",
		1500000: "1500k", -1: "-1", 9223372036854771712: "9007199254740988Ki",
	} {
		if got := FormatBytes(b); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", b, got, want)
		}
	}
}

func TestFormatMilliCPU(t *testing.T) {
	for m, want := range map[int64]string{0: "0", 1: "1m", 200: "200m", 1000: "1", 1500: "1500m", 8000: "8", -5: "-5m"} {
		if got := FormatMilliCPU(m); got != want {
			t.Errorf("FormatMilliCPU(%d) = %q, want %q", m, got, want)
		}
	}
}
