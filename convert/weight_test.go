package convert

import (
	"encoding/json"
	"errors"
	"testing"
)

// weightTable is the table the closing note of the foundation issue lists.
// Linear values: pkg/kubelet/cm/cgroup_manager_linux.go: getCPUWeight
// (v1.37.2) and its TestGetCpuWeight; quadratic values: opencontainers/cgroups
// v0.0.7 utils_test.go ConvertCPUSharesToCgroupV2Value vectors (the same
// formula as crun's convert_shares_to_weight), the rest (28, 29, 245,
// 1843, 8192) computed independently with Python's math.log2/pow/ceil.
var weightTable = []struct {
	shares, linear, quadratic uint64
}{
	{0, 0, 0}, // unset
	{1, 1, 1}, // below MinShares: clamped (runc < 1.3.2 would underflow and fail)
	{2, 1, 1},
	{3, 1, 2},
	{10, 1, 4},
	{28, 1, 7},
	{29, 2, 7},
	{51, 2, 11},
	{102, 4, 17},
	{204, 8, 29},
	{245, 10, 33},
	{256, 10, 35},
	{512, 20, 59},
	{1024, 39, 100},
	{1536, 59, 138},
	{1843, 71, 160}, // 1800m allocatable, as on the live rig
	{2048, 79, 174},
	{4096, 157, 303},
	{7168, 274, 477},
	{8192, 313, 532},
	{65536, 2500, 3023},
	{262143, 9999, 10000},
	{262144, 10000, 10000},
	{262145, 10000, 10000},
	{1 << 40, 10000, 10000},
}

func TestSharesToWeightBoundaries(t *testing.T) {
	for _, tt := range weightTable {
		if got := SharesToWeightLinear(tt.shares); got != tt.linear {
			t.Errorf("SharesToWeightLinear(%d) = %d, want %d", tt.shares, got, tt.linear)
		}
		if got := SharesToWeightQuadratic(tt.shares); got != tt.quadratic {
			t.Errorf("SharesToWeightQuadratic(%d) = %d, want %d", tt.shares, got, tt.quadratic)
		}
	}
}

func TestLinearWeightKubeletVectors(t *testing.T) {
	// getCPUWeight (pkg/kubelet/cm/cgroup_manager_linux.go, v1.37.2) and
	// TestGetCpuWeight (pkg/kubelet/cm/container_manager_linux_test.go).
	for shares, want := range map[uint64]uint64{
		2: 1, 28: 1, 29: 2, 51: 2, 102: 4, 245: 10, 256: 10, 512: 20, 1024: 39,
		2048: 79, 7168: 274, 8192: 313, 262144: 10000, 1000000000: 10000,
	} {
		if got := SharesToWeightLinear(shares); got != want {
			t.Errorf("SharesToWeightLinear(%d) = %d, want %d", shares, got, want)
		}
	}
}

func TestWeightFormulasMonotonicAndInRange(t *testing.T) {
	for _, f := range []WeightFormula{WeightLinear, WeightQuadratic} {
		prev := uint64(0)
		for s := MinShares; s <= MaxShares; s++ {
			w := f.Weight(s)
			if w < MinWeight || w > MaxWeight {
				t.Fatalf("%v(%d) = %d, outside [1, 10000]", f, s, w)
			}
			if w < prev {
				t.Fatalf("%v decreases at %d: %d < %d", f, s, w, prev)
			}
			prev = w
		}
	}
}

func TestSharesForWeightIsExact(t *testing.T) {
	for _, f := range []WeightFormula{WeightLinear, WeightQuadratic} {
		// Every shares value lies in the range of its own weight, and the
		// ranges of consecutive weights tile [2, 262144] without gaps.
		next := MinShares
		for w := MinWeight; w <= MaxWeight; w++ {
			r := f.SharesForWeight(w)
			if r.Empty() {
				t.Fatalf("%v.SharesForWeight(%d) is empty", f, w)
			}
			if r.Min != next {
				t.Fatalf("%v.SharesForWeight(%d) = %v, want it to start at %d", f, w, r, next)
			}
			if f.Weight(r.Min) != w || f.Weight(r.Max) != w {
				t.Fatalf("%v.SharesForWeight(%d) = %v has members mapping elsewhere", f, w, r)
			}
			if r.Min > MinShares && f.Weight(r.Min-1) == w {
				t.Fatalf("%v.SharesForWeight(%d) = %v misses %d", f, w, r, r.Min-1)
			}
			if r.Max < MaxShares && f.Weight(r.Max+1) == w {
				t.Fatalf("%v.SharesForWeight(%d) = %v misses %d", f, w, r, r.Max+1)
			}
			next = r.Max + 1
		}
		if next != MaxShares+1 {
			t.Fatalf("%v: ranges end at %d", f, next-1)
		}
		for _, w := range []uint64{0, 10001} {
			if r := f.SharesForWeight(w); !r.Empty() || r.Contains(5) {
				t.Errorf("%v.SharesForWeight(%d) = %v, want empty", f, w, r)
			}
		}
	}
	for _, tt := range []struct {
		f    WeightFormula
		w    uint64
		want SharesRange
	}{
		{WeightLinear, 1, SharesRange{2, 28}},
		{WeightLinear, 4, SharesRange{81, 106}},
		{WeightLinear, 39, SharesRange{999, 1024}},
		{WeightLinear, 10000, SharesRange{262144, 262144}},
		{WeightQuadratic, 1, SharesRange{2, 2}},
		{WeightQuadratic, 100, SharesRange{1012, 1024}},
	} {
		if got := tt.f.SharesForWeight(tt.w); got != tt.want {
			t.Errorf("%v.SharesForWeight(%d) = %v, want %v", tt.f, tt.w, got, tt.want)
		}
	}
	if got := (SharesRange{2, 28}).String(); got != "2-28" {
		t.Errorf("String = %q", got)
	}
	if got := (SharesRange{5, 5}).String(); got != "5" {
		t.Errorf("String = %q", got)
	}
	if got := (SharesRange{}).String(); got != "empty" {
		t.Errorf("String = %q", got)
	}
}

func TestKubeletWeightToShares(t *testing.T) {
	for w, want := range map[uint64]uint64{0: 0, 1: 2, 2: 28, 3: 54, 4: 80, 245: 6398, 10000: 262144} {
		if got := KubeletWeightToShares(w); got != want {
			t.Errorf("KubeletWeightToShares(%d) = %d, want %d", w, got, want)
		}
	}
	for _, tt := range []struct {
		allocated, readback uint64
		want                bool
	}{
		{51, 28, true}, {51, 27, false}, {102, 80, true}, {102, 102, false}, {51, 102, false},
	} {
		if got := SharesEqualAfterV2RoundTrip(tt.allocated, tt.readback); got != tt.want {
			t.Errorf("SharesEqualAfterV2RoundTrip(%d, %d) = %v", tt.allocated, tt.readback, got)
		}
	}
}

func TestWeights(t *testing.T) {
	if got := Weights(WeightUnknown, 1024); len(got) != 2 || got[0] != 39 || got[1] != 100 {
		t.Errorf("Weights(unknown, 1024) = %v", got)
	}
	if got := Weights(WeightUnknown, 2); len(got) != 1 || got[0] != 1 {
		t.Errorf("Weights(unknown, 2) = %v", got)
	}
	if got := Weights(WeightLinear, 1024); len(got) != 1 || got[0] != 39 {
		t.Errorf("Weights(linear, 1024) = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("WeightUnknown.Weight did not panic")
		}
	}()
	WeightUnknown.Weight(1024)
}

func TestInferWeightFormula(t *testing.T) {
	tests := []struct {
		name  string
		pairs []SharesWeight
		want  Inference
	}{
		{"none", nil, InferBoth},
		{"only minimum", []SharesWeight{{2, 1}, {2, 1}}, InferBoth},
		{"linear", []SharesWeight{{2, 1}, {1024, 39}, {256, 10}}, InferLinear},
		{"quadratic", []SharesWeight{{2, 1}, {1024, 100}, {256, 35}}, InferQuadratic},
		{"mixed", []SharesWeight{{1024, 39}, {256, 35}}, InferNeither},
		{"garbage", []SharesWeight{{1024, 7}}, InferNeither},
		{"max is shared", []SharesWeight{{262144, 10000}}, InferBoth},
	}
	for _, tt := range tests {
		if got := InferWeightFormula(tt.pairs); got != tt.want {
			t.Errorf("%s: InferWeightFormula = %v, want %v", tt.name, got, tt.want)
		}
	}
	if InferLinear.Formula() != WeightLinear || InferQuadratic.Formula() != WeightQuadratic ||
		InferBoth.Formula() != WeightUnknown || InferNeither.Formula() != WeightUnknown {
		t.Error("Inference.Formula is wrong")
	}
}

func TestParseWeight(t *testing.T) {
	for in, want := range map[string]uint64{"1\n": 1, "100\n": 100, "10000": 10000} {
		if got, err := ParseWeight(in); err != nil || got != want {
			t.Errorf("ParseWeight(%q) = %d, %v", in, got, err)
		}
	}
	for in, wantErr := range map[string]error{"0": ErrRange, "10001": ErrRange, "": ErrSyntax, "1.5": ErrSyntax, "-1": ErrSyntax, "100\r\n": ErrSyntax} {
		if _, err := ParseWeight(in); !errors.Is(err, wantErr) {
			t.Errorf("ParseWeight(%q) error = %v, want %v", in, err, wantErr)
		}
	}
}

func TestParseWeightFormula(t *testing.T) {
	for in, want := range map[string]WeightFormula{"linear": WeightLinear, "quadratic": WeightQuadratic, "unknown": WeightUnknown, "": WeightUnknown} {
		got, err := ParseWeightFormula(in)
		if err != nil || got != want {
			t.Errorf("ParseWeightFormula(%q) = %v, %v", in, got, err)
		}
		if in != "" && got.String() != in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if _, err := ParseWeightFormula("log"); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParseWeightFormula(log) = %v", err)
	}
}

func TestParseInference(t *testing.T) {
	for in, want := range map[string]Inference{"both": InferBoth, "linear": InferLinear, "quadratic": InferQuadratic, "neither": InferNeither} {
		got, err := ParseInference(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParseInference(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "Both", "unknown", "linear "} {
		if _, err := ParseInference(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseInference(%q) = %v", in, err)
		}
	}
}

// TestFormulaText: the JSON form of the formula types is their String
// form, out-of-range values fail to marshal, and unknown text fails to
// unmarshal.
func TestFormulaText(t *testing.T) {
	type doc struct {
		F WeightFormula `json:"f"`
		I Inference     `json:"i"`
	}
	for _, d := range []doc{{WeightUnknown, InferBoth}, {WeightLinear, InferLinear}, {WeightQuadratic, InferQuadratic}, {WeightLinear, InferNeither}} {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"f":"` + d.F.String() + `","i":"` + d.I.String() + `"}`; string(b) != want {
			t.Errorf("%+v: %s, want %s", d, b, want)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Errorf("%s: round trip %+v, %v", b, back, err)
		}
	}
	if _, err := json.Marshal(doc{F: WeightFormula(7)}); err == nil {
		t.Error("WeightFormula(7) marshalled")
	}
	if _, err := json.Marshal(doc{I: Inference(7)}); err == nil {
		t.Error("Inference(7) marshalled")
	}
	for _, in := range []string{`{"f":"log"}`, `{"i":"maybe"}`} {
		var d doc
		if err := json.Unmarshal([]byte(in), &d); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: %v", in, err)
		}
	}
}
