package redis

import (
	"context"
	"fmt"
	"strconv"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// requiresLatencyMonitor is the prerequisite of the LATENCY LATEST metrics.
const requiresLatencyMonitor = "latency-monitor-threshold above 0 (CONFIG SET latency-monitor-threshold 10): the monitor is off by default"

func latencyMetric(name, help string) catalog.Metric {
	m := nodeMetric(name, catalog.Gauge, catalog.Seconds, "LATENCY LATEST", help, "event")
	m.Requires = requiresLatencyMonitor
	return m
}

// The events of the latency monitor (command, fast-command, fork, aof-fsync-always,
// expire-cycle, eviction-cycle, ...: a fixed set of the server's).
var (
	metricSpikeTime = latencyMetric("redis_latency_spike_timestamp_seconds",
		"Unix time of the latest latency spike of the event.")
	metricSpikeLatest = latencyMetric("redis_latency_spike_duration_seconds",
		"Duration of the latest latency spike of the event.")
	metricSpikeMax = latencyMetric("redis_latency_spike_max_duration_seconds",
		"Longest latency spike of the event since the server started or LATENCY RESET.")
)

func init() { catalog.Register(metricSpikeTime, metricSpikeLatest, metricSpikeMax) }

// latencyLatestSource scrapes LATENCY LATEST: the latest and longest spike of each event
// the latency monitor recorded.
type latencyLatestSource struct{}

func (latencyLatestSource) Name() string            { return "latency_latest" }
func (latencyLatestSource) appliesTo(m member) bool { return !m.sentinel() }

func (latencyLatestSource) scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error {
	reply, err := n.client.Do(ctx, "latency", "latest").Slice()
	if err != nil {
		return fmt.Errorf("LATENCY LATEST: %w", explain(n.addr, err))
	}
	events, err := parseLatencyLatest(reply)
	if err != nil {
		return fmt.Errorf("LATENCY LATEST on %s: %w", n.addr, err)
	}
	for _, ev := range events {
		lv := withLabels(labels, ev.name)
		for _, m := range []struct {
			name string
			v    float64
		}{
			{metricSpikeTime.Name, ev.time},
			{metricSpikeLatest.Name, ev.latestMS / 1e3},
			{metricSpikeMax.Name, ev.maxMS / 1e3},
		} {
			if err := e.Emit(m.name, m.v, lv...); err != nil {
				return err
			}
		}
	}
	return nil
}

type latencyEvent struct {
	name                  string
	time, latestMS, maxMS float64
}

// parseLatencyLatest reads the RESP2 reply: one [event, unix time, latest ms, max ms] per event.
func parseLatencyLatest(reply []any) ([]latencyEvent, error) {
	var out []latencyEvent
	for _, r := range reply {
		row, ok := r.([]any)
		if !ok || len(row) < 4 {
			return nil, fmt.Errorf("unexpected entry %v: want [event, time, latest, max]", r)
		}
		ev := latencyEvent{name: fmt.Sprint(row[0])}
		for i, dst := range []*float64{&ev.time, &ev.latestMS, &ev.maxMS} {
			v, err := strconv.ParseFloat(fmt.Sprint(row[i+1]), 64)
			if err != nil {
				return nil, fmt.Errorf("event %s: field %d is not a number: %v", ev.name, i+1, row[i+1])
			}
			*dst = v
		}
		out = append(out, ev)
	}
	return out, nil
}
