package convert

import "strconv"

// PidsUnlimited is the value this package uses for a pids.max of "max".
const PidsUnlimited int64 = -1

// FormatPidsMax renders a PID limit as pids.max shows it: "max" for a
// negative limit, otherwise the number. (The kernel shows "max" for any
// limit at or above PID_MAX_LIMIT+1 as well.)
func FormatPidsMax(limit int64) string {
	if limit < 0 {
		return "max"
	}
	return strconv.FormatInt(limit, 10)
}

// ParsePidsMax parses a pids.max file (the same format on v1 and v2):
// "max", which gives PidsUnlimited, or a non-negative decimal, with an
// optional trailing newline.
func ParsePidsMax(s string) (int64, error) {
	const what = "pids.max"
	if body, ok := trimNewline(s); ok && body == "max" {
		return PidsUnlimited, nil
	}
	n, err := parseUintFile(what, s)
	if err != nil {
		return 0, err
	}
	if n > 1<<62 {
		return 0, rangeError(what, s, "larger than any PID limit")
	}
	return int64(n), nil
}

// ParseFlag parses a file holding "0" or "1", such as memory.oom.group.
func ParseFlag(s string) (bool, error) {
	body, ok := trimNewline(s)
	switch {
	case ok && body == "0":
		return false, nil
	case ok && body == "1":
		return true, nil
	}
	return false, syntaxError("flag", s, `want "0" or "1"`)
}
