package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func sentinelMetric(name, source, help string, extra ...string) catalog.Metric {
	m := nodeMetric(name, catalog.Gauge, catalog.None, source, help, append([]string{"master_name"}, extra...)...)
	m.Requires = "a sentinel in the DSN (redis+sentinel://)"
	return m
}

// Per primary a sentinel monitors (label master_name, as the sentinel configuration names it).
var (
	metricSentinelStatus = sentinelMetric("redis_sentinel_master_status", "SENTINEL MASTERS flags",
		"1 for the primary's status as this sentinel sees it, 0 for the others (status: ok, sdown: this sentinel thinks it is down, odown: a quorum agrees).", "status")
	metricSentinelQuorum = sentinelMetric("redis_sentinel_master_quorum", "SENTINEL MASTERS quorum",
		"Sentinels that must agree the primary is down to start a failover.")
	metricSentinelReplicas = sentinelMetric("redis_sentinel_master_replicas", "SENTINEL MASTERS num-slaves",
		"Replicas the sentinel knows for the primary.")
	metricSentinelOKReplicas = sentinelMetric("redis_sentinel_master_ok_replicas", "SENTINEL REPLICAS flags",
		"Replicas the sentinel sees up (not sdown, odown or disconnected).")
	metricSentinelSentinels = sentinelMetric("redis_sentinel_master_sentinels", "SENTINEL MASTERS num-other-sentinels",
		"Sentinels monitoring the primary, this one included.")
	metricSentinelOKSentinels = sentinelMetric("redis_sentinel_master_ok_sentinels", "SENTINEL SENTINELS flags",
		"Sentinels monitoring the primary that this one sees up, itself included.")
	metricSentinelFailover = sentinelMetric("redis_sentinel_master_failover_in_progress", "SENTINEL MASTERS flags, failover-state",
		"Whether a failover of the primary is in progress (1) or not (0).")
	metricSentinelEpoch = sentinelMetric("redis_sentinel_master_config_epoch", "SENTINEL MASTERS config-epoch",
		"The primary's configuration epoch: it grows by one with each failover.")
)

func init() {
	catalog.Register(metricSentinelStatus, metricSentinelQuorum, metricSentinelReplicas, metricSentinelOKReplicas,
		metricSentinelSentinels, metricSentinelOKSentinels, metricSentinelFailover, metricSentinelEpoch)
}

// sentinelSource scrapes SENTINEL MASTERS, and REPLICAS and SENTINELS of each primary, on
// each sentinel.
type sentinelSource struct{}

func (sentinelSource) Name() string            { return "sentinel" }
func (sentinelSource) appliesTo(m member) bool { return m.sentinel() }

func (sentinelSource) scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error {
	reply, err := n.client.Do(ctx, "sentinel", "masters").Slice()
	if err != nil {
		return fmt.Errorf("SENTINEL MASTERS: %w", explain(n.addr, err))
	}
	var masters []map[string]string
	for _, r := range reply {
		if a, ok := r.([]any); ok {
			masters = append(masters, pairs(a))
		}
	}
	// REPLICAS and SENTINELS of every primary in one round trip
	repl := make([]*goredis.Cmd, len(masters))
	sent := make([]*goredis.Cmd, len(masters))
	if len(masters) > 0 {
		_, err = n.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for i, m := range masters {
				repl[i] = p.Do(ctx, "sentinel", "replicas", m["name"])
				sent[i] = p.Do(ctx, "sentinel", "sentinels", m["name"])
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("SENTINEL REPLICAS/SENTINELS: %w", explain(n.addr, err))
		}
	}
	for i, m := range masters {
		name := m["name"]
		st := sentinelStatus(m["flags"])
		for _, s := range []string{"ok", "sdown", "odown"} {
			v := 0.0
			if s == st {
				v = 1
			}
			if err := e.Emit(metricSentinelStatus.Name, v, withLabels(labels, name, s)...); err != nil {
				return err
			}
		}
		lv := withLabels(labels, name)
		failover := 0.0
		if strings.Contains(m["flags"], "failover_in_progress") || (m["failover-state"] != "" && m["failover-state"] != "none") {
			failover = 1
		}
		quorum, okQ := num(m["quorum"])
		replicas, okR := num(m["num-slaves"])
		others, okS := num(m["num-other-sentinels"])
		epoch, okE := num(m["config-epoch"])
		for _, g := range []struct {
			name string
			v    float64
			ok   bool
		}{
			{metricSentinelQuorum.Name, quorum, okQ},
			{metricSentinelReplicas.Name, replicas, okR},
			{metricSentinelSentinels.Name, others + 1, okS},
			{metricSentinelFailover.Name, failover, true},
			{metricSentinelEpoch.Name, epoch, okE},
			{metricSentinelOKReplicas.Name, upCount(repl[i]), true},
			{metricSentinelOKSentinels.Name, upCount(sent[i]) + 1, true},
		} {
			if !g.ok {
				continue
			}
			if err := e.Emit(g.name, g.v, lv...); err != nil {
				return err
			}
		}
	}
	return nil
}

func num(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// sentinelStatus reads a primary's flags as ok, sdown or odown.
func sentinelStatus(flags string) string {
	switch {
	case strings.Contains(flags, "o_down"):
		return "odown"
	case strings.Contains(flags, "s_down"):
		return "sdown"
	default:
		return "ok"
	}
}

// upCount counts the entries of a SENTINEL REPLICAS or SENTINELS reply that are up.
func upCount(cmd *goredis.Cmd) float64 {
	list, err := cmd.Slice()
	if err != nil {
		return 0
	}
	n := 0.0
	for _, r := range list {
		a, ok := r.([]any)
		if !ok {
			continue
		}
		flags := pairs(a)["flags"]
		if !strings.Contains(flags, "s_down") && !strings.Contains(flags, "o_down") && !strings.Contains(flags, "disconnected") {
			n++
		}
	}
	return n
}
