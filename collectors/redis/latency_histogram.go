package redis

import (
	"context"
	"fmt"
	"math"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// Note: LATENCY HISTOGRAM fits the catalog's Histogram type: its buckets are cumulative
// counts with upper bounds at powers of two microseconds, as Prometheus buckets are. What
// it lacks is the sum, which Prometheus needs for the mean; the scraper reads INFO
// commandstats in the same round trip and uses each command's usec as the sum (both are
// the same per-call duration the server measures). Every series gets the same bucket
// bounds, 1 µs to 2^20 µs (about 1 s, the histogram's range), so histogram_quantile can
// aggregate across nodes; the server omits empty buckets and the scraper fills them in.
var metricCommandLatency = catalog.Metric{
	Name:       "redis_commands_latency_seconds",
	Type:       catalog.Histogram,
	Unit:       catalog.Seconds,
	Help:       "Latency of the command as the server measured it, since the server started or CONFIG RESETSTAT (buckets 1 µs to 1 s, doubling).",
	Labels:     withLabels(nodeLabels, "cmd"),
	Attributes: nodeAttributes,
	Database:   Database,
	Source:     "LATENCY HISTOGRAM (count, buckets); INFO commandstats usec (sum)",
	Requires:   "Redis 7.0 or later with latency-tracking yes (the default)",
}

func init() { catalog.Register(metricCommandLatency) }

// histogramBounds are the bucket upper bounds in seconds: 2^0 .. 2^20 microseconds.
var histogramBounds = func() []float64 {
	out := make([]float64, 21)
	for i := range out {
		out[i] = math.Ldexp(1, i) / 1e6
	}
	return out
}()

// latencyHistogramSource scrapes LATENCY HISTOGRAM for every command the server ran.
type latencyHistogramSource struct{}

func (latencyHistogramSource) Name() string            { return "latency_histogram" }
func (latencyHistogramSource) appliesTo(m member) bool { return !m.sentinel() }

func (latencyHistogramSource) scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error {
	var hist *goredis.Cmd
	var stats *goredis.StringCmd
	_, err := n.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		hist = p.Do(ctx, "latency", "histogram")
		stats = p.Info(ctx, "commandstats")
		return nil
	})
	if err != nil {
		return fmt.Errorf("LATENCY HISTOGRAM: %w", explain(n.addr, err))
	}
	reply, err := hist.Slice()
	if err != nil {
		return fmt.Errorf("LATENCY HISTOGRAM: %w", explain(n.addr, err))
	}
	hs, err := parseLatencyHistogram(reply)
	if err != nil {
		return fmt.Errorf("LATENCY HISTOGRAM on %s: %w", n.addr, err)
	}
	sums := commandstats(parseInfoLines(stats.Val()))
	seen := map[string]bool{}
	for _, h := range hs {
		if seen[h.cmd] {
			continue
		}
		seen[h.cmd] = true
		if err := emitHistogram(e, labels, h, sums[h.cmd].usec/1e6); err != nil {
			return err
		}
	}
	return nil
}

// emitHistogram emits one command's histogram over histogramBounds, carrying each
// cumulative count up to the bounds the server left out.
func emitHistogram(e *collectors.Emitter, labels []string, h commandHistogram, sum float64) error {
	buckets := make(map[float64]uint64, len(histogramBounds))
	i := 0
	var cum uint64
	for _, bound := range histogramBounds {
		for i < len(h.buckets) && h.buckets[i].usec/1e6 <= bound {
			cum = max(cum, h.buckets[i].count)
			i++
		}
		buckets[bound] = cum
	}
	return e.EmitHistogram(metricCommandLatency.Name, max(h.calls, cum), sum, buckets, withLabels(labels, h.cmd)...)
}

type commandHistogram struct {
	cmd     string
	calls   uint64
	buckets []histBucket // by upper bound, cumulative
}

type histBucket struct {
	usec  float64
	count uint64
}

// parseLatencyHistogram reads the RESP2 reply: command, [calls, n, histogram_usec, [bound,
// cumulative count, ...]], command, ...
func parseLatencyHistogram(reply []any) ([]commandHistogram, error) {
	if len(reply)%2 != 0 {
		return nil, fmt.Errorf("odd number of elements (%d): want command, details pairs", len(reply))
	}
	var out []commandHistogram
	for i := 0; i < len(reply); i += 2 {
		h := commandHistogram{cmd: fmt.Sprint(reply[i])}
		details, ok := reply[i+1].([]any)
		if !ok {
			return nil, fmt.Errorf("command %s: details are %T, want an array", h.cmd, reply[i+1])
		}
		for j := 0; j+1 < len(details); j += 2 {
			switch fmt.Sprint(details[j]) {
			case "calls":
				n, err := strconv.ParseUint(fmt.Sprint(details[j+1]), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("command %s: calls %v is not a count", h.cmd, details[j+1])
				}
				h.calls = n
			case "histogram_usec":
				bs, ok := details[j+1].([]any)
				if !ok || len(bs)%2 != 0 {
					return nil, fmt.Errorf("command %s: histogram_usec is not a list of bound, count pairs", h.cmd)
				}
				for k := 0; k < len(bs); k += 2 {
					b, err1 := strconv.ParseFloat(fmt.Sprint(bs[k]), 64)
					c, err2 := strconv.ParseUint(fmt.Sprint(bs[k+1]), 10, 64)
					if err1 != nil || err2 != nil {
						return nil, fmt.Errorf("command %s: bucket %v: %v is not a bound and a count", h.cmd, bs[k], bs[k+1])
					}
					h.buckets = append(h.buckets, histBucket{b, c})
				}
			}
		}
		out = append(out, h)
	}
	return out, nil
}
