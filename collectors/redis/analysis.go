package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dbharness/dbharness/collectors"
)

// analysis is the state Mark leaves for Analyze.
type analysis struct {
	mu    sync.Mutex
	at    time.Time
	marks map[string]nodeMark // by node address
}

// A nodeMark is one data node's counters at Mark.
type nodeMark struct {
	runID string
	cmds  map[string]commandStat
	own   map[string]int64
	in    info
}

// A reading is what Mark or Analyze read of one data node.
type reading struct {
	m   member
	n   *node
	in  info
	own map[string]int64 // the collector's own calls before this INFO
	err error
}

// readNodes reads INFO (the sections given) of every data node, and brings each node's
// slow log up to date, at most cfg.Concurrency nodes at once, each under cfg.Timeout.
func (c *Collector) readNodes(ctx context.Context, members []member, nodes map[string]*node, sections ...string) []reading {
	var out []reading
	for _, m := range members {
		if !m.sentinel() && nodes[m.addr] != nil {
			out = append(out, reading{m: m, n: nodes[m.addr]})
		}
	}
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r := &out[i]
			nctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
			defer cancel()
			r.own = r.n.ownCalls()
			s, err := r.n.client.Info(nctx, sections...).Result()
			if err != nil {
				r.err = fmt.Errorf("INFO: %w", explain(r.n.addr, err))
				return
			}
			r.in = parseInfo(s)
			if _, err := r.n.slowlog.poll(nctx, r.n); err != nil {
				r.err = fmt.Errorf("SLOWLOG: %w", explain(r.n.addr, err))
			}
		})
	}
	wg.Wait()
	return out
}

// Mark implements collectors.Analyzer: it remembers every data node's command counters and
// starts a new slow log window. A node that does not answer is left out (Analyze then
// counts it from zero); Mark fails only when no data node answers.
func (c *Collector) Mark(ctx context.Context) error {
	members, nodes := c.snapshot()
	now := time.Now()
	readings := c.readNodes(ctx, members, nodes, "server", "stats", "commandstats")
	marks := map[string]nodeMark{}
	var errs []error
	for _, r := range readings {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		r.n.slowlog.mark()
		marks[r.m.addr] = nodeMark{runID: r.in.fields["run_id"], cmds: commandstats(r.in), own: r.own, in: r.in}
	}
	c.an.mu.Lock()
	c.an.at, c.an.marks = now, marks
	c.an.mu.Unlock()
	if len(marks) == 0 && len(errs) > 0 {
		return fmt.Errorf("redis mark: no data node answered: %w", errors.Join(errs...))
	}
	if len(errs) > 0 {
		c.cfg.Logger.Warn("redis mark: nodes left out", "err", errors.Join(errs...))
	}
	return nil
}

// Analyze implements collectors.Analyzer: what happened since the last Mark (commands, slow
// log, evictions, pub/sub messages) and what the nodes hold now (memory, key patterns, big
// and hot keys). FindingKinds documents each kind and its Values. Nodes that do not answer
// are left out and named in the findings' Method; Analyze fails only when no data node
// answers.
func (c *Collector) Analyze(ctx context.Context) ([]collectors.Finding, error) {
	members, nodes := c.snapshot()
	c.an.mu.Lock()
	at, marks := c.an.at, c.an.marks
	c.an.mu.Unlock()
	readings := c.readNodes(ctx, members, nodes, "server", "stats", "commandstats", "memory", "keyspace")
	elapsed := time.Since(at).Seconds()
	var ok []reading
	var errs []error
	for _, r := range readings {
		if r.err != nil {
			errs = append(errs, r.err)
		} else {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		if len(errs) == 0 {
			return nil, errors.New("redis analyze: the topology has no data node")
		}
		return nil, fmt.Errorf("redis analyze: no data node answered: %w", errors.Join(errs...))
	}
	missing := ""
	if len(errs) > 0 {
		missing = fmt.Sprintf("; left out, did not answer: %v", errors.Join(errs...))
	}
	deltas := commandDeltas(ok, marks)
	var out []collectors.Finding
	cmdNote := missing
	if n := c.sentinelCount(); n > 0 {
		cmdNote = fmt.Sprintf("; the %d sentinels' PING, INFO and PUBLISH are counted too", n) + missing
	}
	out = append(out, commandFindings(deltas, elapsed, cmdNote)...)
	out = append(out, slowlogFindings(ok, missing)...)
	out = append(out, memoryFindings(ok, marks, elapsed)...)
	out = append(out, c.pubsubFindings(ctx, ok, deltas, elapsed, missing)...)
	keys, err := c.analyzeKeys(ctx, members, nodes, ok)
	if err != nil {
		c.cfg.Logger.Warn("redis analyze: key sampling failed", "err", err)
		for _, k := range []string{KindKeyPattern, KindBigKey, KindHotKey} {
			out = append(out, collectors.Gap(k, "the key sample failed: "+err.Error()))
		}
	}
	out = append(out, keys...)
	return out, nil
}

// commandDelta is one command's counters since Mark, summed over the nodes counted.
type commandDelta struct {
	name                          string
	calls, usec, rejected, failed float64
}

type commandDeltaSet struct {
	cmds      map[string]*commandDelta
	nodes     []string // the nodes counted
	unmarked  []string // nodes without a Mark: counted since their start
	restarted []string // nodes that restarted since Mark: counted since the restart
}

// commandDeltas sums the commandstats deltas of the primaries (every data node when there
// is no primary), without the collector's own calls.
func commandDeltas(rs []reading, marks map[string]nodeMark) commandDeltaSet {
	counted := rs
	if slices.ContainsFunc(rs, func(r reading) bool { return r.m.role == RolePrimary }) {
		counted = nil
		for _, r := range rs {
			if r.m.role == RolePrimary {
				counted = append(counted, r)
			}
		}
	}
	set := commandDeltaSet{cmds: map[string]*commandDelta{}}
	for _, r := range counted {
		set.nodes = append(set.nodes, r.m.addr)
		mk, marked := marks[r.m.addr]
		restarted := marked && mk.runID != r.in.fields["run_id"]
		switch {
		case !marked:
			set.unmarked = append(set.unmarked, r.m.addr)
		case restarted:
			set.restarted = append(set.restarted, r.m.addr)
		}
		for name, s := range commandstats(r.in) {
			var base commandStat
			var ownBase int64
			if marked && !restarted {
				base = mk.cmds[name]
				ownBase = mk.own[name]
			} else if marked {
				ownBase = r.own[name] // after a restart the collector's calls before it are gone
			}
			d := commandStat{
				calls:    since(s.calls, base.calls),
				usec:     since(s.usec, base.usec),
				rejected: since(s.rejected, base.rejected),
				failed:   since(s.failed, base.failed),
			}
			own := float64(r.own[name] - ownBase)
			calls := max(d.calls-own, 0)
			if d.calls > 0 {
				d.usec *= calls / d.calls
			}
			cd := set.cmds[name]
			if cd == nil {
				cd = &commandDelta{name: name}
				set.cmds[name] = cd
			}
			cd.calls += calls
			cd.usec += d.usec
			cd.rejected += d.rejected
			cd.failed += d.failed
		}
	}
	return set
}

// since is a counter's increase; a counter that went down was reset (CONFIG RESETSTAT).
func since(now, then float64) float64 {
	if now < then {
		return now
	}
	return now - then
}

func commandFindings(set commandDeltaSet, elapsed float64, missing string) []collectors.Finding {
	var ds []*commandDelta
	for _, d := range set.cmds {
		if d.calls > 0 || d.rejected > 0 || d.failed > 0 {
			ds = append(ds, d)
		}
	}
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].usec != ds[j].usec {
			return ds[i].usec > ds[j].usec
		}
		return ds[i].name < ds[j].name
	})
	method := fmt.Sprintf("INFO commandstats of %s, increase over %.1f s since Mark, the collector's own calls taken out", nodeList(set.nodes), elapsed)
	if len(set.unmarked) > 0 {
		method += fmt.Sprintf("; %s had no Mark: counted since they started", strings.Join(set.unmarked, ", "))
	}
	if len(set.restarted) > 0 {
		method += fmt.Sprintf("; %s restarted since Mark: counted since the restart", strings.Join(set.restarted, ", "))
	}
	method += missing
	node := ""
	if len(set.nodes) == 1 {
		node = set.nodes[0]
	}
	out := make([]collectors.Finding, 0, len(ds))
	for _, d := range ds {
		v := map[string]float64{
			"calls":          d.calls,
			"total_seconds":  d.usec / 1e6,
			"rejected_calls": d.rejected,
			"failed_calls":   d.failed,
		}
		if elapsed > 0 {
			v["calls_per_second"] = d.calls / elapsed
		}
		mean := 0.0
		if d.calls > 0 {
			mean = d.usec / 1e6 / d.calls
			v["mean_seconds"] = mean
		}
		out = append(out, collectors.Finding{
			Kind:    KindCommand,
			Subject: d.name,
			Summary: fmt.Sprintf("%s: %s calls (%s/s), mean %s, %s in all; %s rejected, %s failed",
				d.name, count(d.calls), count(v["calls_per_second"]), duration(mean), duration(d.usec/1e6),
				count(d.rejected), count(d.failed)),
			Method: method,
			Node:   node,
			Values: v,
		})
	}
	return out
}

func slowlogFindings(rs []reading, missing string) []collectors.Finding {
	type agg struct {
		count      float64
		total, max time.Duration
		nodes      map[string]bool
	}
	shapes := map[string]*agg{}
	var missed, seen float64
	for _, r := range rs {
		w := r.n.slowlog.peek()
		missed += w.missed
		seen += w.seen
		for s, ws := range w.shapes {
			a := shapes[s]
			if a == nil {
				a = &agg{nodes: map[string]bool{}}
				shapes[s] = a
			}
			a.count += ws.count
			a.total += ws.total
			a.max = max(a.max, ws.max)
			a.nodes[r.m.addr] = true
		}
	}
	names := make([]string, 0, len(shapes))
	for s := range shapes {
		names = append(names, s)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := shapes[names[i]], shapes[names[j]]
		if a.total != b.total {
			return a.total > b.total
		}
		return names[i] < names[j]
	})
	var addrs []string
	for _, r := range rs {
		addrs = append(addrs, r.m.addr)
	}
	method := fmt.Sprintf("SLOWLOG of %s since Mark: only commands slower than slowlog-log-slower-than are logged; %s entries seen", nodeList(addrs), count(seen))
	if missed > 0 {
		method += fmt.Sprintf("; %s entries were lost before they were read (the log overflowed slowlog-max-len or was reset): counts are a lower bound", count(missed))
	}
	method += missing
	out := make([]collectors.Finding, 0, len(names))
	for _, s := range names {
		a := shapes[s]
		mean := a.total.Seconds() / a.count
		node := ""
		if len(a.nodes) == 1 {
			for n := range a.nodes {
				node = n
			}
		}
		out = append(out, collectors.Finding{
			Kind:    KindSlowlog,
			Subject: s,
			Summary: fmt.Sprintf("%s: %s slow entries, mean %s, max %s", s, count(a.count), duration(mean), duration(a.max.Seconds())),
			Method:  method,
			Node:    node,
			Values: map[string]float64{
				"entries":       a.count,
				"total_seconds": a.total.Seconds(),
				"mean_seconds":  mean,
				"max_seconds":   a.max.Seconds(),
			},
		})
	}
	return out
}

func memoryFindings(rs []reading, marks map[string]nodeMark, elapsed float64) []collectors.Finding {
	var out []collectors.Finding
	for _, r := range rs {
		v := map[string]float64{}
		for key, field := range map[string]string{
			"used_bytes": "used_memory", "rss_bytes": "used_memory_rss", "peak_bytes": "used_memory_peak",
			"dataset_bytes": "used_memory_dataset", "overhead_bytes": "used_memory_overhead",
			"max_bytes": "maxmemory", "fragmentation_ratio": "mem_fragmentation_ratio",
		} {
			if x, ok := r.in.number(field); ok {
				v[key] = x
			}
		}
		if v["max_bytes"] > 0 {
			v["used_ratio"] = v["used_bytes"] / v["max_bytes"]
		}
		mk, marked := marks[r.m.addr]
		restarted := marked && mk.runID != r.in.fields["run_id"]
		for key, field := range map[string]string{"evicted_keys": "evicted_keys", "expired_keys": "expired_keys"} {
			now, ok := r.in.number(field)
			if !ok {
				continue
			}
			base := 0.0
			if marked && !restarted {
				base, _ = mk.in.number(field)
			}
			v[key] = since(now, base)
			if elapsed > 0 {
				v[key+"_per_second"] = v[key] / elapsed
			}
		}
		summary := fmt.Sprintf("%s (%s): %s used", r.m.addr, r.m.role, bytesText(v["used_bytes"]))
		if v["max_bytes"] > 0 {
			summary += fmt.Sprintf(" of %s maxmemory (%.0f%%)", bytesText(v["max_bytes"]), 100*v["used_ratio"])
		}
		summary += fmt.Sprintf(", RSS %s, fragmentation %.2f; since Mark %s keys evicted, %s expired",
			bytesText(v["rss_bytes"]), v["fragmentation_ratio"], count(v["evicted_keys"]), count(v["expired_keys"]))
		method := "INFO memory now; INFO stats evicted_keys and expired_keys increase since Mark"
		switch {
		case !marked:
			method += " (no Mark for this node: since it started)"
		case restarted:
			method += " (the node restarted since Mark: since the restart)"
		}
		out = append(out, collectors.Finding{
			Kind: KindMemory, Subject: "node", Summary: summary, Method: method, Node: r.m.addr, Values: v,
		})
	}
	return out
}

// pubsubTop is how many channel findings Analyze reports.
const pubsubTop = 10

// sentinelChannelPrefix starts the channels sentinels use among themselves on data nodes.
const sentinelChannelPrefix = "__sentinel__:"

// sentinelHelloPeriod is how often, in seconds, a sentinel publishes its hello to each node.
const sentinelHelloPeriod = 2.0

// sentinelCount is the number of sentinels in the topology.
func (c *Collector) sentinelCount() int {
	members, _ := c.snapshot()
	n := 0
	for _, m := range members {
		if m.sentinel() {
			n++
		}
	}
	return n
}

func (c *Collector) pubsubFindings(ctx context.Context, rs []reading, deltas commandDeltaSet, elapsed float64, missing string) []collectors.Finding {
	var channels, patterns, subscriptions float64
	perChannel := map[string]float64{}
	var notes []string
	for _, r := range rs {
		ch, _ := r.in.number("pubsub_channels")
		pa, _ := r.in.number("pubsub_patterns")
		channels += ch
		patterns += pa
		if ch == 0 {
			continue
		}
		nctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		subs, listed, err := channelSubscribers(nctx, r.n, c.settings.PubsubMaxChannels)
		cancel()
		switch {
		case err != nil:
			notes = append(notes, err.Error())
		case !listed:
			notes = append(notes, fmt.Sprintf("%s has %s channels, more than pubsub.max_channels: not listed", r.m.addr, count(ch)))
		}
		for _, s := range subs {
			if strings.HasPrefix(s.name, sentinelChannelPrefix) {
				channels-- // the sentinels' own channel, not the workload's
				continue
			}
			subscriptions += s.subscribers
			perChannel[s.name] += s.subscribers
		}
	}
	published := 0.0
	for _, name := range []string{"publish", "spublish"} {
		if d := deltas.cmds[name]; d != nil {
			published += d.calls
		}
	}
	if sentinels := c.sentinelCount(); sentinels > 0 && published > 0 {
		// each sentinel publishes a hello to every monitored node every 2 s
		hellos := math.Ceil(float64(sentinels) * elapsed / sentinelHelloPeriod)
		published = max(published-hellos, 0)
		notes = append(notes, fmt.Sprintf("about %.0f hello messages of %d sentinels (one every 2 s each) taken out", hellos, sentinels))
	}
	if channels == 0 && patterns == 0 && published == 0 {
		return nil
	}
	v := map[string]float64{
		"channels": channels, "patterns": patterns, "subscriptions": subscriptions, "messages_published": published,
	}
	if elapsed > 0 {
		v["messages_per_second"] = published / elapsed
	}
	method := fmt.Sprintf("INFO stats pubsub_channels and pubsub_patterns, PUBSUB CHANNELS and NUMSUB of each data node now; publish and spublish calls of INFO commandstats of %s since Mark", nodeList(deltas.nodes))
	if len(notes) > 0 {
		method += "; " + strings.Join(notes, "; ")
	}
	method += missing
	out := []collectors.Finding{{
		Kind:    KindPubsub,
		Subject: "pubsub",
		Summary: fmt.Sprintf("%s channels, %s pattern subscriptions, %s channel subscriptions; %s messages published since Mark (%s/s)",
			count(channels), count(patterns), count(subscriptions), count(published), count(v["messages_per_second"])),
		Method: method,
		Values: v,
	}}
	names := make([]string, 0, len(perChannel))
	for n := range perChannel {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if perChannel[names[i]] != perChannel[names[j]] {
			return perChannel[names[i]] > perChannel[names[j]]
		}
		return names[i] < names[j]
	})
	for i, n := range names {
		if i == pubsubTop {
			break
		}
		out = append(out, collectors.Finding{
			Kind:    KindPubsub,
			Subject: "channel:" + cutKey(n),
			Summary: fmt.Sprintf("channel %s: %s subscribers", cutKey(n), count(perChannel[n])),
			Method:  "PUBSUB NUMSUB of each data node now, summed",
			Values:  map[string]float64{"subscribers": perChannel[n]},
		})
	}
	return out
}

func nodeList(addrs []string) string {
	switch len(addrs) {
	case 0:
		return "no node"
	case 1:
		return addrs[0]
	default:
		return fmt.Sprintf("%d nodes (%s)", len(addrs), strings.Join(addrs, ", "))
	}
}

// count formats a count for a summary: 12, 1.2k, 3.4M.
func count(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	case v == float64(int64(v)):
		return fmt.Sprintf("%d", int64(v))
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

// duration formats seconds for a summary: 3.2µs, 1.5ms, 2.0s.
func duration(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.2fs", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.2fms", s*1e3)
	default:
		return fmt.Sprintf("%.1fµs", s*1e6)
	}
}

// bytesText formats bytes for a summary: 512 B, 3.1 KiB, 12.0 MiB.
func bytesText(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	default:
		return fmt.Sprintf("%.0f B", b)
	}
}
