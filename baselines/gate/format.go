package gate

import (
	"math"
	"strconv"
	"strings"
)

// formatNumber writes x for a person: three significant digits below 1000, whole numbers
// with thousands separators from there ("4,800", "12", "0.991", "1.23e-05").
func formatNumber(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "-"
	case x == 0:
		return "0"
	case math.Abs(x) >= 1000:
		return group(strconv.FormatFloat(math.Round(x), 'f', 0, 64))
	case math.Abs(x) < 0.001:
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	digits := max(0, 2-int(math.Floor(math.Log10(math.Abs(x))))) // decimals for 3 significant digits
	s := strconv.FormatFloat(x, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// group puts thousands separators into an integer's digits.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// formatSeconds writes a latency in seconds with three significant digits in the largest
// unit below it ("4.1ms", "812µs", "1.25s").
func formatSeconds(s float64) string {
	switch {
	case math.IsNaN(s) || math.IsInf(s, 0):
		return "-"
	case s >= 1:
		return formatNumber(s) + "s"
	case s >= 1e-3:
		return formatNumber(s*1e3) + "ms"
	case s >= 1e-6:
		return formatNumber(s*1e6) + "µs"
	}
	return formatNumber(s*1e9) + "ns"
}

// FormatMeasure writes a value of a measure ("ops/s", "p95", "p99", "error rate") in its
// unit, as the reports show it: "1,000", "4.1ms", "0.1%".
func FormatMeasure(measure string, v float64) string { return formatValue(measure, v) }

// formatValue writes a measure's value in its unit.
func formatValue(measure string, v float64) string {
	switch measure {
	case "p95", "p99", "p50", MeasureServerCPU, MeasureClientCPU:
		return formatSeconds(v)
	case "error rate":
		if math.IsNaN(v) {
			return "-"
		}
		return formatNumber(100*v) + "%"
	}
	return formatNumber(v)
}
