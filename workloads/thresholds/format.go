package thresholds

import (
	"math"
	"strconv"
	"time"
)

// formatNumber writes v exactly (it parses back to the same float64), in plain decimals
// unless it is very large or very small.
func formatNumber(v float64) string {
	if a := math.Abs(v); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// formatSeconds writes a latency limit in the unit that reads best and parses back exactly,
// falling back to seconds (always exact).
func formatSeconds(v float64) string {
	units := []string{"s", "ms", "µs"}
	switch a := math.Abs(v); {
	case a > 0 && a < 1e-3:
		units = []string{"µs", "ms", "s"}
	case a < 1:
		units = []string{"ms", "µs", "s"}
	}
	for _, u := range units {
		x := v
		switch u {
		case "ms":
			x = v * 1e3
		case "µs":
			x = v * 1e6
		}
		text := formatNumber(x)
		num, err := strconv.ParseFloat(text, 64)
		if err != nil {
			continue
		}
		if back, _ := scale(num, u, trend, ""); back == v {
			return text + u
		}
	}
	return formatNumber(v) + "s"
}

// formatObserved writes a measured value for a person: a duration, a percentage, a count or a
// rate per second.
func formatObserved(t Threshold, v float64) string {
	k, _ := metricKind(t.Metric)
	switch {
	case k == trend:
		return time.Duration(math.Round(v * 1e9)).String()
	case k == rate:
		return percent(v)
	case t.Aggregation == "rate":
		return strconv.FormatFloat(v, 'g', 6, 64) + "/s"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// formatLimit writes a threshold's limit for a person, in the units formatObserved uses.
func formatLimit(t Threshold) string {
	k, _ := metricKind(t.Metric)
	switch {
	case k == rate:
		return percent(t.Value)
	case k == counter && t.Aggregation == "rate":
		return formatNumber(t.Value) + "/s"
	}
	return t.valueText()
}

func percent(v float64) string { return strconv.FormatFloat(v*100, 'g', 6, 64) + "%" }
