package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pod-1234_ab.slice", "pod-1234_ab.slice"},
		{`back\slash`, `back\slash`},
		{"héllo 世界 🙂", "héllo 世界 🙂"},
		{"x\n/kubepods/victim", `x\n/kubepods/victim`},
		{"\x1b]52;c;aGk=\a", `\x1b]52;c;aGk=\a`},
		{"\x1b[2J", `\x1b[2J`},
		{"a\tb\rc\vd\fe\bf", `a\tb\rc\vd\fe\bf`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1 \u0085 \u009b", `c1 \u0085 \u009b`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c", `\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c`},
		{"bad \xff\xfe utf8 \xc3", `bad \xff\xfe utf8 \xc3`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if IsSafe(tt.in) != (tt.in == tt.want) {
			t.Errorf("IsSafe(%q) = %v", tt.in, IsSafe(tt.in))
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 128, "short"},
		{strings.Repeat("a", 128), 128, strings.Repeat("a", 128)},
		{strings.Repeat("a", 65536), 128, strings.Repeat("a", 128) + "…(65536 bytes)"},
		// "é" is two bytes: a cut inside it moves before it.
		{"aé" + strings.Repeat("b", 10), 2, "a…(13 bytes)"},
		{"abc", 0, "a…(3 bytes)"},
		// Not UTF-8: cut at the byte.
		{strings.Repeat("\x80", 10), 4, "\x80\x80\x80\x80…(10 bytes)"},
	}
	for _, tt := range tests {
		if got := Truncate(tt.in, tt.limit); got != tt.want {
			t.Errorf("Truncate(%.20q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
	if got, want := Quote("\x1b[2J"+strings.Repeat("x", 200)), `\x1b[2J`+strings.Repeat("x", 124)+"…(204 bytes)"; got != want {
		t.Errorf("Quote = %q, want %q", got, want)
	}
}

// FuzzEscape checks that no escaped string holds a character a terminal
// acts on, that safe strings pass unchanged, and that Truncate bounds
// its result.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "pod1", "x\n/victim", "\x1b]52;c;aGk=\a", "\u202eabc", "\xff", "é", "\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !utf8.ValidString(e) {
			t.Fatalf("Escape(%q) = %q: not UTF-8", s, e)
		}
		for _, r := range e {
			if unsafeRune(r) {
				t.Fatalf("Escape(%q) = %q holds %U", s, e, r)
			}
		}
		if !IsSafe(e) {
			t.Fatalf("Escape(%q) = %q is not safe", s, e)
		}
		if IsSafe(s) != (e == s) {
			t.Fatalf("IsSafe(%q) = %v but Escape gives %q", s, IsSafe(s), e)
		}
		if IsSafe(s) && Escape(e) != e {
			t.Fatalf("Escape is not idempotent on a safe string")
		}
		tr := Truncate(s, 16)
		if len(s) <= 16 && tr != s || len(s) > 16 && (len(tr) > 16+len("…(")+20+len(" bytes)") || !strings.HasPrefix(s, strings.Split(tr, "…(")[0])) {
			t.Fatalf("Truncate(%q, 16) = %q", s, tr)
		}
	})
}
