package cgroupfs

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kubecgroups/kubecgroups/convert"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/.

// checkCounterErr fails unless err is a *convert.ValueError naming what
// and quoting the text.
func checkCounterErr(t *testing.T, what, text string, err error) {
	t.Helper()
	var ve *convert.ValueError
	if !errors.As(err, &ve) || ve.What != what || ve.Value != text {
		t.Fatalf("%s: %q: error %v is not a ValueError naming the file and quoting the text", what, text, err)
	}
	if !errors.Is(err, convert.ErrSyntax) && !errors.Is(err, convert.ErrRange) {
		t.Fatalf("%s: %q: error %v is neither ErrSyntax nor ErrRange", what, text, err)
	}
}

// FuzzParseCPUStat checks that cpu.stat parses or fails with a
// ValueError on both versions, that what parses never has more
// throttled periods than periods, and that it prints back (as the kernel
// would) to the same value.
func FuzzParseCPUStat(f *testing.F) {
	for _, s := range []string{cpuStatV2, cpuStatV2Core, cpuStatV1, "", "nr_periods 1\nnr_throttled 2\nthrottled_time 3", "usage_usec 1\nusage_usec 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, v := range []convert.CgroupVersion{convert.CgroupV1, convert.CgroupV2} {
			s, err := ParseCPUStat(text, v)
			if err != nil {
				checkCounterErr(t, "cpu.stat", text, err)
				continue
			}
			if s.ThrottledPeriods > s.Periods || (v == convert.CgroupV1) != !s.HasUsage {
				t.Fatalf("%s %q: %+v", v, text, s)
			}
			var b strings.Builder
			if v == convert.CgroupV2 {
				fmt.Fprintf(&b, "usage_usec %d\nuser_usec %d\nsystem_usec %d\n", s.UsageMicros, s.UserMicros, s.SystemMicros)
				if s.HasBandwidth {
					fmt.Fprintf(&b, "nr_periods %d\nnr_throttled %d\nthrottled_usec %d\nnr_bursts %d\n", s.Periods, s.ThrottledPeriods, s.ThrottledMicros, s.Bursts)
				}
				fmt.Fprintf(&b, "burst_usec %d", s.BurstMicros)
			} else {
				fmt.Fprintf(&b, "nr_periods %d\nnr_throttled %d\nthrottled_time %d\nnr_bursts %d\nburst_time %d", s.Periods, s.ThrottledPeriods, s.ThrottledMicros*1000, s.Bursts, s.BurstMicros*1000)
			}
			again, err := ParseCPUStat(b.String(), v)
			if err != nil || again != s {
				t.Fatalf("%s %q: %+v prints as %q, which parses as %+v, %v", v, text, s, b.String(), again, err)
			}
		}
	})
}

// FuzzParseMemoryEvents checks memory.events: a value or a ValueError,
// and a value prints back to itself.
func FuzzParseMemoryEvents(f *testing.F) {
	for _, s := range []string{memEventsV2, "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0", "low 1", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\nsock_throttled 4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		e, err := ParseMemoryEvents(text)
		if err != nil {
			checkCounterErr(t, "memory.events", text, err)
			return
		}
		out := fmt.Sprintf("low %d\nhigh %d\nmax %d\noom %d\noom_kill %d\noom_group_kill %d\n", e.Low, e.High, e.Max, e.OOM, e.OOMKill, e.OOMGroupKill)
		if again, err := ParseMemoryEvents(out); err != nil || again != e {
			t.Fatalf("%q: %+v prints as %q, which parses as %+v, %v", text, e, out, again, err)
		}
	})
}

// FuzzParseOOMControl checks memory.oom_control the same way.
func FuzzParseOOMControl(f *testing.F) {
	for _, s := range []string{oomControlV1, "oom_kill_disable 1\nunder_oom 1", "oom_kill_disable 2\nunder_oom 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		o, err := ParseOOMControl(text)
		if err != nil {
			checkCounterErr(t, "memory.oom_control", text, err)
			return
		}
		b2i := map[bool]int{false: 0, true: 1}
		out := fmt.Sprintf("oom_kill_disable %d\nunder_oom %d", b2i[o.KillDisabled], b2i[o.UnderOOM])
		if o.HasOOMKill {
			out += fmt.Sprintf("\noom_kill %d", o.OOMKill)
		}
		if again, err := ParseOOMControl(out); err != nil || again != o {
			t.Fatalf("%q: %+v prints as %q, which parses as %+v, %v", text, o, out, again, err)
		}
	})
}

// FuzzParsePidsEvents checks pids.events the same way.
func FuzzParsePidsEvents(f *testing.F) {
	for _, s := range []string{"max 0", "max 7\n", "max.imposed 1\nmax 2", "max"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParsePidsEvents(text)
		if err != nil {
			checkCounterErr(t, "pids.events", text, err)
			return
		}
		if again, err := ParsePidsEvents(fmt.Sprintf("max %d\n", p.Max)); err != nil || again != p {
			t.Fatalf("%q: %+v does not print back: %+v, %v", text, p, again, err)
		}
	})
}

// FuzzParsePressure checks the PSI parser: a value or a ValueError,
// percentages within 0-100, and a value printed with the kernel's
// "%lu.%02lu" format parses back to itself.
func FuzzParsePressure(f *testing.F) {
	for _, s := range []string{psiCPU, psiCPUOld, "some avg10=100.00 avg60=0.01 avg300=99.99 total=18446744073709551615", "some avg10=1e2 avg60=0.00 avg300=0.00 total=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParsePressure("memory.pressure", text)
		if err != nil {
			checkCounterErr(t, "memory.pressure", text, err)
			return
		}
		line := func(kind string, l PressureLine) string {
			for _, a := range []float64{l.Avg10, l.Avg60, l.Avg300} {
				if a < 0 || a > 100 {
					t.Fatalf("%q: percentage %v", text, a)
				}
			}
			return fmt.Sprintf("%s avg10=%.2f avg60=%.2f avg300=%.2f total=%d", kind, l.Avg10, l.Avg60, l.Avg300, l.TotalMicros)
		}
		out := line("some", p.Some)
		if p.Full != nil {
			out += "\n" + line("full", *p.Full)
		}
		again, err := ParsePressure("memory.pressure", out)
		if err != nil || again.Some != p.Some || (again.Full == nil) != (p.Full == nil) || (p.Full != nil && *again.Full != *p.Full) {
			t.Fatalf("%q: %+v prints as %q, which parses as %+v, %v", text, p, out, again, err)
		}
	})
}

// FuzzParseCounter checks the single-number counter files.
func FuzzParseCounter(f *testing.F) {
	for _, s := range []string{"0", "33554432\n", "18446744073709551616", "-1", "max", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n, err := ParseCounter("memory.current", text)
		if err != nil {
			checkCounterErr(t, "memory.current", text, err)
			return
		}
		if again, err := ParseCounter("memory.current", fmt.Sprint(n)); err != nil || again != n {
			t.Fatalf("%q: %d does not print back", text, n)
		}
	})
}
