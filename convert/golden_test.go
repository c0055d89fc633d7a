package convert

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/internal/golden"
)

// TestWeightTableGolden renders the shares → weight table for the CPU
// amounts operators meet most, under both formulas, into
// testdata/golden/convert/weights.txt. The file is the reviewable record
// of what the two formulas give; the unit tables above pin the upstream
// vectors.
func TestWeightTableGolden(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s %8s %8s %10s  %s\n", "CPU", "SHARES", "LINEAR", "QUADRATIC", "SHARES FOR THE LINEAR WEIGHT")
	for _, m := range []int64{0, 1, 2, 3, 10, 15, 50, 100, 200, 250, 333, 500, 1000, 1500, 1800, 2000, 4000, 7000, 8000, 16000, 64000, 255999, 256000} {
		s := MilliCPUToShares(m)
		fmt.Fprintf(&b, "%-9s %8d %8d %10d  %v\n", fmt.Sprintf("%dm", m), s, SharesToWeightLinear(s), SharesToWeightQuadratic(s), WeightLinear.SharesForWeight(SharesToWeightLinear(s)))
	}
	golden.Check(t, golden.Path(t, "golden", "convert", "weights.txt"), []byte(b.String()))
}
