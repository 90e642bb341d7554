package oracle

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
)

// A waitPoint is time the load's sessions spent at one moment in one wait event (or on
// CPU, event "CPU"): an ASH sample counts one second per session; a v$session_event delta
// counts the time waited since the last poll.
type waitPoint struct {
	at      time.Time // on the harness's clock
	event   string
	class   string
	sqlID   string // "" where the method cannot tell
	seconds float64
}

// waitMethod says how the points were gathered, for the findings' Method.
type waitMethod struct {
	name   string // "ASH" or "v$session_event"
	detail string
}

// waitEventFindings are the events the load's sessions spent their time in over the whole
// window, the largest first, each with its share of all the time the method saw.
func waitEventFindings(points []waitPoint, m waitMethod, limit int) []collectors.Finding {
	total := 0.0
	byEvent := map[string]*collectors.Finding{}
	for _, p := range points {
		total += p.seconds
		f, ok := byEvent[p.event]
		if !ok {
			f = &collectors.Finding{Kind: KindWaitEvent, Subject: p.event, Values: map[string]float64{}}
			byEvent[p.event] = f
			f.Summary = p.class // the class, until the summary is written
		}
		f.Values["seconds"] += p.seconds
	}
	if total == 0 {
		return nil
	}
	out := make([]collectors.Finding, 0, len(byEvent))
	for _, f := range byEvent {
		class := f.Summary
		f.Values["share_of_active"] = f.Values["seconds"] / total
		f.Method = m.detail
		f.Summary = fmt.Sprintf("%s (%s): %.0f%% of the load's active time, %s", f.Subject, class,
			100*f.Values["share_of_active"], seconds(f.Values["seconds"]))
		if m.name == "ASH" {
			f.Values["samples"] = f.Values["seconds"]
		}
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Values["seconds"] != out[j].Values["seconds"] {
			return out[i].Values["seconds"] > out[j].Values["seconds"]
		}
		return out[i].Subject < out[j].Subject
	})
	return out[:min(len(out), limit)]
}

// minCorrelationIntervals is how many intervals with measurements a correlation needs.
const minCorrelationIntervals = 4

// correlate lines the wait mix up with each operation's p99, interval by interval: for each
// operation, the event whose share of active time goes up most with its p99 (Pearson
// correlation across intervals at least minCorrelation, and a share at least shareRise
// higher in the operation's slowest quarter of intervals than in the rest) is a finding:
// "p99 of transfer rose with log file sync from 4% to 38% of active time". A window too
// short to say anything is a gap.
func correlate(win collectors.LoadWindow, points []waitPoint, m waitMethod) []collectors.Finding {
	const minCorrelation, shareRise = 0.5, 0.1
	n := len(win.Intervals)
	if n < minCorrelationIntervals {
		return []collectors.Finding{collectors.Gap(KindWaitCorrelation,
			fmt.Sprintf("the load had %d intervals; lining waits up with latency takes at least %d", n, minCorrelationIntervals))}
	}
	// The wait mix per interval.
	active := make([]float64, n)
	byEvent := map[string][]float64{}
	classOf := map[string]string{}
	for _, p := range points {
		i := intervalOf(win, p.at)
		if i < 0 {
			continue
		}
		active[i] += p.seconds
		if byEvent[p.event] == nil {
			byEvent[p.event] = make([]float64, n)
		}
		byEvent[p.event][i] += p.seconds
		classOf[p.event] = p.class
	}
	events := make([]string, 0, len(byEvent))
	for e := range byEvent {
		events = append(events, e)
	}
	sort.Strings(events)
	var out []collectors.Finding
	for _, op := range operations(win) {
		var idx []int // intervals where the operation ran and the database was seen active
		var p99 []float64
		for i, iv := range win.Intervals {
			for _, o := range iv.Ops {
				if o.Name == op && o.Count > 0 && active[i] > 0 {
					idx = append(idx, i)
					p99 = append(p99, o.P99.Seconds())
				}
			}
		}
		if len(idx) < minCorrelationIntervals {
			continue
		}
		slow := slowest(p99, 0.25)
		best, bestScore := -1, 0.0
		var bestLow, bestHigh, bestR float64
		for ei, e := range events {
			share := make([]float64, len(idx))
			for k, i := range idx {
				share[k] = byEvent[e][i] / active[i]
			}
			r := pearson(p99, share)
			low, high := split(share, slow)
			if math.IsNaN(r) || r < minCorrelation || high-low < shareRise {
				continue
			}
			if score := r * (high - low); score > bestScore {
				best, bestScore, bestLow, bestHigh, bestR = ei, score, low, high, r
			}
		}
		if best < 0 {
			continue
		}
		e := events[best]
		p99Low, p99High := split(p99, slow)
		out = append(out, collectors.Finding{Kind: KindWaitCorrelation, Subject: op + ": " + e,
			Summary: fmt.Sprintf("p99 of %s rose with %s (%s) from %.0f%% to %.0f%% of active time: p99 %s in its faster intervals, %s in its slowest quarter (correlation %.2f over %d intervals)",
				op, e, classOf[e], 100*bestLow, 100*bestHigh, seconds(p99Low), seconds(p99High), bestR, len(idx)),
			Method: m.detail + "; lined up with the load's per-interval p99",
			Values: map[string]float64{"correlation": bestR, "share_low": bestLow, "share_high": bestHigh,
				"p99_low_seconds": p99Low, "p99_high_seconds": p99High, "intervals": float64(len(idx))}})
	}
	return out
}

// intervalOf is the index of the interval that holds t, or -1.
func intervalOf(win collectors.LoadWindow, t time.Time) int {
	for i, iv := range win.Intervals {
		if !t.Before(iv.Start) && t.Before(iv.Start.Add(iv.Length)) {
			return i
		}
	}
	return -1
}

// operations are the window's operation names, in the order they first appear.
func operations(win collectors.LoadWindow) []string {
	var out []string
	for _, iv := range win.Intervals {
		for _, o := range iv.Ops {
			if !contains(out, o.Name) {
				out = append(out, o.Name)
			}
		}
	}
	return out
}

// slowest marks the share q of the values that are largest (at least one).
func slowest(values []float64, q float64) []bool {
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return values[order[a]] > values[order[b]] })
	mark := make([]bool, len(values))
	for _, i := range order[:max(1, int(math.Round(q*float64(len(values)))))] {
		mark[i] = true
	}
	return mark
}

// split is the mean of the unmarked values and of the marked ones.
func split(values []float64, marked []bool) (low, high float64) {
	var sl, sh float64
	var nl, nh int
	for i, v := range values {
		if marked[i] {
			sh, nh = sh+v, nh+1
		} else {
			sl, nl = sl+v, nl+1
		}
	}
	if nl > 0 {
		low = sl / float64(nl)
	}
	if nh > 0 {
		high = sh / float64(nh)
	}
	return low, high
}

// pearson is the correlation of x and y; NaN when either is constant.
func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// sqlWaitShares are a statement's ASH samples by wait class, as shares: the values
// "ash_<class>_share" of its slow-query finding ("ash_user_io_share").
func sqlWaitShares(points []waitPoint) map[string]map[string]float64 {
	totals := map[string]float64{}
	out := map[string]map[string]float64{}
	for _, p := range points {
		if p.sqlID == "" {
			continue
		}
		totals[p.sqlID] += p.seconds
		if out[p.sqlID] == nil {
			out[p.sqlID] = map[string]float64{}
		}
		out[p.sqlID]["ash_"+classKey(p.class)+"_share"] += p.seconds
	}
	for id, m := range out {
		for k := range m {
			m[k] /= totals[id]
		}
	}
	return out
}

// classKey writes a wait class as a value key: "User I/O" is user_io.
func classKey(class string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(strings.ReplaceAll(class, "/", "")) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			under = false
		} else {
			under = true
		}
	}
	return b.String()
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond).String()
}
