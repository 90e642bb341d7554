package thresholds

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Parse reads a threshold: a metric (latency, latency{op:transfer}, errors, ...) and a
// condition in k6's syntax, "<aggregation> <op> <value>" (p(95)<20ms, rate<1%, count>1000).
// Errors are *SyntaxError, naming the column and, for an unknown metric, aggregation or unit,
// the valid choices.
func Parse(metric, condition string) (Threshold, error) {
	var t Threshold
	k, err := parseMetric(metric, &t)
	if err != nil {
		return Threshold{}, err
	}
	if err := parseCondition(condition, k, &t); err != nil {
		return Threshold{}, err
	}
	return t, nil
}

// ParseString reads a threshold written as String writes it: the metric, then the condition,
// optionally separated by a colon ("latency{op:read}: p(99)<5ms").
func ParseString(s string) (Threshold, error) {
	i := skipSpace(s, 0)
	end := scanIdent(s, i)
	if j := skipSpace(s, end); j < len(s) && s[j] == '{' {
		end = len(s)
		if c := strings.IndexByte(s[j:], '}'); c >= 0 {
			end = j + c + 1
		}
	}
	cond := skipSpace(s, end)
	if cond < len(s) && s[cond] == ':' {
		cond++
	}
	var t Threshold
	k, err := parseMetric(s[:end], &t)
	if err != nil {
		return Threshold{}, reframe(err, s, 0)
	}
	if err := parseCondition(s[cond:], k, &t); err != nil {
		return Threshold{}, reframe(err, s, cond)
	}
	return t, nil
}

// reframe moves a *SyntaxError on a part of s, starting at byte shift, onto s.
func reframe(err error, s string, shift int) error {
	var se *SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	return &SyntaxError{Input: s, Offset: se.Offset + shift, Msg: se.Msg}
}

// parseMetric reads name or name{op:operation} into t.
func parseMetric(s string, t *Threshold) (kind, error) {
	i := skipSpace(s, 0)
	j := scanIdent(s, i)
	name := s[i:j]
	if name == "" {
		return 0, syntaxErr(s, i, "expected a metric name; valid metrics are %s", strings.Join(Metrics(), ", "))
	}
	k, ok := metricKind(name)
	if !ok {
		return 0, syntaxErr(s, i, "unknown metric %q; valid metrics are %s", name, strings.Join(Metrics(), ", "))
	}
	t.Metric = name
	i = skipSpace(s, j)
	if i < len(s) && s[i] == '{' {
		if !taggable(name) {
			return 0, syntaxErr(s, i, "%s has no per-operation series; only latency and errors take {op:name}", name)
		}
		op, end, err := parseTag(s, i)
		if err != nil {
			return 0, err
		}
		t.Operation = op
		i = skipSpace(s, end)
	}
	if i < len(s) {
		return 0, syntaxErr(s, i, "unexpected %q after the metric", s[i:])
	}
	return k, nil
}

// parseTag reads {op:name} starting at the brace s[i]; it returns the name and the offset
// after the closing brace.
func parseTag(s string, i int) (string, int, error) {
	i = skipSpace(s, i+1)
	j := scanIdent(s, i)
	if key := s[i:j]; key != "op" {
		return "", 0, syntaxErr(s, i, "unknown tag %q; the only tag is op, as in {op:transfer}", key)
	}
	i = skipSpace(s, j)
	if i >= len(s) || s[i] != ':' {
		return "", 0, syntaxErr(s, i, "expected ':' after op, as in {op:transfer}")
	}
	i = skipSpace(s, i+1)
	j = i
	for j < len(s) && isOpNameByte(s[j]) {
		j++
	}
	if j == i {
		return "", 0, syntaxErr(s, i, "expected an operation name (letters, digits, _ . - /)")
	}
	name := s[i:j]
	i = skipSpace(s, j)
	if i >= len(s) || s[i] != '}' {
		return "", 0, syntaxErr(s, i, "expected '}' to close {op:%s", name)
	}
	return name, i + 1, nil
}

// parseCondition reads "<aggregation> <op> <value>" into t.
func parseCondition(s string, k kind, t *Threshold) error {
	i := skipSpace(s, 0)
	j := i
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	agg := s[i:j]
	valid := strings.Join(k.aggregations(), ", ")
	if agg == "" {
		return syntaxErr(s, i, "expected an aggregation; %s (%s) takes %s", t.Metric, k, valid)
	}
	if agg == "p" && j < len(s) && s[j] == '(' {
		p, end, err := parsePercentile(s, j)
		if err != nil {
			return err
		}
		t.P, j = p, end
	}
	if !k.allows(agg) || (agg == "p" && (j == i+1)) {
		word := s[i:j]
		if j == i+len(agg) {
			word = s[i:scanIdent(s, i)] // quote all of "p95", not just "p"
		}
		return syntaxErr(s, i, "unknown aggregation %q for %s (%s); valid aggregations are %s", word, t.Metric, k, valid)
	}
	t.Aggregation = agg

	i = skipSpace(s, j)
	op, n := scanOp(s[i:])
	if op == "" {
		return syntaxErr(s, i, "expected a comparison (<, <=, >, >=, ==, !=) after %s", s[:j])
	}
	t.Op = op
	i = skipSpace(s, i+n)

	j = scanNumber(s, i, true)
	if j == i {
		return syntaxErr(s, i, "expected a number after %s", op)
	}
	num, err := strconv.ParseFloat(s[i:j], 64)
	if err != nil || math.IsInf(num, 0) {
		return syntaxErr(s, i, "number %s is out of range", s[i:j])
	}
	u := skipSpace(s, j)
	unit := strings.TrimRight(s[u:], spaces)
	if sp := strings.IndexAny(unit, spaces); sp >= 0 {
		extra := skipSpace(unit, sp)
		return syntaxErr(s, u+extra, "unexpected %q after the value", unit[extra:])
	}
	v, msg := scale(num, unit, k, agg)
	if msg != "" {
		return syntaxErr(s, u, "%s", msg)
	}
	if math.IsInf(v, 0) {
		return syntaxErr(s, i, "value %s%s is out of range", s[i:j], unit)
	}
	t.Value = v
	return nil
}

// parsePercentile reads (N) at s[i] == '('.
func parsePercentile(s string, i int) (float64, int, error) {
	j := skipSpace(s, i+1)
	end := scanNumber(s, j, false)
	if end == j {
		return 0, 0, syntaxErr(s, j, "expected a percentile from 0 to 100 in p(N), e.g. p(95) or p(99.9)")
	}
	p, err := strconv.ParseFloat(s[j:end], 64)
	if err != nil || p > 100 {
		return 0, 0, syntaxErr(s, j, "percentile %s is not between 0 and 100", s[j:end])
	}
	k := skipSpace(s, end)
	if k >= len(s) || s[k] != ')' {
		return 0, 0, syntaxErr(s, k, "expected ')' to close p(%s", s[j:end])
	}
	return p, k + 1, nil
}

// scanOp returns the comparison at the start of s and its length in bytes; k6's === is ==.
func scanOp(s string) (string, int) {
	for _, op := range []string{"===", "==", "!=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(s, op) {
			if op == "===" {
				return "==", 3
			}
			return op, len(op)
		}
	}
	return "", 0
}

// scale converts a number with its unit to the metric's base unit; msg says why it cannot.
func scale(num float64, unit string, k kind, agg string) (float64, string) {
	switch k {
	case trend:
		switch unit {
		case "":
			return num / 1e3, "" // Note: k6 reads a bare trend limit as milliseconds.
		case "us", "µs", "μs":
			return num / 1e6, ""
		case "ms":
			return num / 1e3, ""
		case "s":
			return num, ""
		case "m":
			return num * 60, ""
		}
		return 0, "unknown unit " + strconv.Quote(unit) + "; latency takes us, µs, ms, s or m (a bare number is ms)"
	case rate:
		switch unit {
		case "":
			return num, ""
		case "%":
			return num / 100, ""
		}
		return 0, "unexpected unit " + strconv.Quote(unit) + "; an error rate is a fraction (0.01) or a percentage (1%)"
	}
	if unit != "" {
		what := "a count takes a bare number"
		if agg == "rate" {
			what = "a counter's rate is a bare number of iterations per second"
		}
		return 0, "unexpected unit " + strconv.Quote(unit) + "; " + what
	}
	return num, ""
}

const spaces = " \t\r\n"

func skipSpace(s string, i int) int {
	for i < len(s) && strings.IndexByte(spaces, s[i]) >= 0 {
		i++
	}
	return i
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func isOpNameByte(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_' || c == '.' || c == '-' || c == '/'
}

// scanIdent returns the end of the identifier (letters, digits, _) starting at i.
func scanIdent(s string, i int) int {
	for i < len(s) && (isLetter(s[i]) || isDigit(s[i]) || s[i] == '_') {
		i++
	}
	return i
}

// scanNumber returns the end of a decimal number starting at i (digits, a fraction, an
// exponent; a sign when signed), or i when there is none.
func scanNumber(s string, i int, signed bool) int {
	j := i
	if signed && j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	digits := 0
	for ; j < len(s) && isDigit(s[j]); j++ {
		digits++
	}
	if j < len(s) && s[j] == '.' {
		for j++; j < len(s) && isDigit(s[j]); j++ {
			digits++
		}
	}
	if digits == 0 {
		return i
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		e := k
		for ; k < len(s) && isDigit(s[k]); k++ {
		}
		if k > e {
			j = k
		}
	}
	return j
}
