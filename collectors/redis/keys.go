package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/redis/shape"
)

// A shard is the part of the key space one primary holds, and the node its keys are
// sampled on: a replica of it when one exists.
type shard struct {
	primary *node
	sample  *node // where SCAN runs: a replica when the shard has one
	replica bool
	cluster bool
}

// shards returns the shards of the topology: one per cluster primary, or the one data set
// of a standalone or sentinel topology.
func shards(members []member, nodes map[string]*node) []shard {
	var out []shard
	replicasOf := map[string][]string{}
	for _, m := range members {
		if m.role == RoleReplica && m.primary != "" {
			replicasOf[m.primary] = append(replicasOf[m.primary], m.addr)
		}
	}
	for _, m := range members {
		if m.sentinel() || (m.role != RolePrimary && len(members) > 1) {
			continue
		}
		sh := shard{primary: nodes[m.addr], sample: nodes[m.addr], cluster: m.cluster}
		if rs := replicasOf[m.addr]; len(rs) > 0 {
			slices.Sort(rs)
			sh.sample, sh.replica = nodes[rs[0]], true
		}
		if sh.primary != nil && sh.sample != nil {
			out = append(out, sh)
		}
	}
	if len(out) == 0 {
		// no primary answered discovery (or a lone replica): sample what there is
		for _, m := range members {
			if !m.sentinel() && nodes[m.addr] != nil {
				out = append(out, shard{primary: nodes[m.addr], sample: nodes[m.addr], cluster: m.cluster})
				break
			}
		}
	}
	return out
}

// A sampledKey is one key of the SCAN sample.
type sampledKey struct {
	key      string
	typ      string
	ttlMS    int64 // -1: no TTL, -2: gone since SCAN
	elements int64 // -1: unknown type
	freq     int64 // OBJECT FREQ, -1 when not read
	bytes    int64 // MEMORY USAGE, -1 when not measured
	weight   float64
	shard    int
}

// A shardSample is what sampling found on one shard.
type shardSample struct {
	sh       shard
	conn     *goredis.Conn // on sh.sample, READONLY on a cluster replica
	on       string        // the node sampled
	dbsize   int64
	keys     []int // indexes into the combined sample
	complete bool  // SCAN reached the end: the sample is every key
	err      error
}

// keyBatch is how many keys one pipeline carries.
const keyBatch = 500

// bigCandidates is how many of the largest keys (by elements) of each shard get a MEMORY
// USAGE for the big-key check.
const bigCandidates = 20

// analyzeKeys samples the key space and reports key patterns, big keys, hot keys and the
// memory of each type.
func (c *Collector) analyzeKeys(ctx context.Context, members []member, nodes map[string]*node, rs []reading) ([]collectors.Finding, error) {
	set := c.settings
	if set.KeysSample == 0 {
		return nil, nil
	}
	shs := shards(members, nodes)
	if len(shs) == 0 {
		return nil, errors.New("no data node to sample keys on")
	}
	policy := ""
	for _, r := range rs {
		if r.m.role == RolePrimary || policy == "" {
			if p, ok := r.in.fields["maxmemory_policy"]; ok {
				policy = p
			}
		}
	}
	lfu := strings.Contains(policy, "lfu")

	start := time.Now()
	deadline := start.Add(set.KeysBudget)
	var all []sampledKey
	samples := make([]*shardSample, len(shs))
	defer func() {
		for _, s := range samples {
			if s != nil && s.conn != nil {
				_ = s.conn.Close()
			}
		}
	}()
	var errs []error
	perShard := max(set.KeysSample/len(shs), 1)
	for i, sh := range shs {
		// each shard gets an equal share of what is left of the budget
		share := time.Until(deadline) / time.Duration(len(shs)-i)
		s := c.sampleShard(ctx, sh, perShard, time.Now().Add(share), &all, i)
		samples[i] = s
		if s.err != nil {
			errs = append(errs, s.err)
		}
	}
	if len(all) == 0 {
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		return c.slowlogHotKeys(lfu, policy, rs), nil // an empty key space: no pattern, hot keys from the slow log
	}
	// attributes of every sampled key, shard by shard
	for _, s := range samples {
		if s.err != nil || len(s.keys) == 0 {
			continue
		}
		if err := describeKeys(ctx, s, all, lfu, c.cfg.Timeout); err != nil {
			s.err = err
			errs = append(errs, err)
		}
	}
	keys := make([]string, len(all))
	for i, k := range all {
		keys[i] = k.key
	}
	g := shape.Group(keys, set.KeysPatterns, shape.DefaultCollapseAt)
	measureKeys(ctx, samples, all, g, set.KeysMemorySample, c.cfg.Timeout)
	elapsed := time.Since(start)

	method := sampleMethod(samples, len(all), elapsed)
	var out []collectors.Finding
	out = append(out, patternFindings(all, g, method)...)
	out = append(out, bigKeyFindings(all, samples, set.KeysBigBytes, method)...)
	out = append(out, typeFindings(all, method)...)
	out = append(out, c.hotKeyFindings(all, samples, lfu, policy, rs, method)...)
	return out, errors.Join(errs...)
}

// sampleShard SCANs one shard until it has max keys, the deadline passes or the scan ends.
// It appends the keys to all and keeps its connection open for the reads that follow.
func (c *Collector) sampleShard(ctx context.Context, sh shard, maxKeys int, deadline time.Time, all *[]sampledKey, idx int) *shardSample {
	s := &shardSample{sh: sh, on: sh.sample.addr}
	n := sh.sample
	if sh.replica && !c.answers(ctx, n) {
		// a replica that does not answer: sample the primary instead
		n, s.on, s.sh.replica = sh.primary, sh.primary.addr, false
	}
	s.conn = n.client.Conn()
	if sh.cluster && s.sh.replica {
		// key commands on a cluster replica need READONLY on the connection
		nctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		err := s.conn.ReadOnly(nctx).Err()
		cancel()
		if err != nil {
			s.err = fmt.Errorf("READONLY: %w", explain(s.on, err))
			return s
		}
	}
	nctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	dbsize, err := s.conn.DBSize(nctx).Result()
	cancel()
	if err != nil {
		s.err = fmt.Errorf("DBSIZE: %w", explain(s.on, err))
		return s
	}
	s.dbsize = dbsize
	seen := map[string]bool{}
	var cursor uint64
	truncated := false
	for {
		nctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		keys, next, err := s.conn.Scan(nctx, cursor, "", int64(c.settings.KeysScanCount)).Result()
		cancel()
		if err != nil {
			s.err = fmt.Errorf("SCAN: %w", explain(s.on, err))
			break
		}
		for _, k := range keys {
			if len(seen) >= maxKeys {
				truncated = true
				break
			}
			if !seen[k] { // SCAN may return a key twice
				seen[k] = true
				s.keys = append(s.keys, len(*all))
				*all = append(*all, sampledKey{key: k, freq: -1, bytes: -1, elements: -1, shard: idx})
			}
		}
		cursor = next
		if cursor == 0 {
			s.complete = !truncated
			break
		}
		if len(seen) >= maxKeys || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
	}
	// each sampled key stands for dbsize / sampled keys of the shard
	w := 1.0
	if !s.complete && len(s.keys) > 0 && s.dbsize > int64(len(s.keys)) {
		w = float64(s.dbsize) / float64(len(s.keys))
	}
	for _, i := range s.keys {
		(*all)[i].weight = w
	}
	return s
}

// answers says whether a node answers PING.
func (c *Collector) answers(ctx context.Context, n *node) bool {
	nctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	return n.client.Ping(nctx).Err() == nil
}

// describeKeys reads TYPE, PTTL and (with an LFU policy) OBJECT FREQ of every sampled key
// of a shard, then its element count. OBJECT FREQ is read on the shard's primary, where
// the accesses are counted, and before the length commands, which count as accesses.
func describeKeys(ctx context.Context, s *shardSample, all []sampledKey, lfu bool, timeout time.Duration) error {
	for start := 0; start < len(s.keys); start += keyBatch {
		batch := s.keys[start:min(start+keyBatch, len(s.keys))]
		types := make([]*goredis.StatusCmd, len(batch))
		ttls := make([]*goredis.DurationCmd, len(batch))
		nctx, cancel := context.WithTimeout(ctx, timeout)
		_, err := s.conn.Pipelined(nctx, func(p goredis.Pipeliner) error {
			for j, i := range batch {
				types[j] = p.Type(nctx, all[i].key)
				ttls[j] = p.PTTL(nctx, all[i].key)
			}
			return nil
		})
		cancel()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return fmt.Errorf("TYPE and PTTL: %w", explain(s.on, err))
		}
		for j, i := range batch {
			all[i].typ = types[j].Val()
			switch d := ttls[j].Val(); {
			case d == -1:
				all[i].ttlMS = -1
			case d < 0:
				all[i].ttlMS = -2
			default:
				all[i].ttlMS = d.Milliseconds()
			}
		}
		if lfu {
			freqs := make([]*goredis.IntCmd, len(batch))
			nctx, cancel := context.WithTimeout(ctx, timeout)
			_, _ = s.sh.primary.client.Pipelined(nctx, func(p goredis.Pipeliner) error {
				for j, i := range batch {
					freqs[j] = p.ObjectFreq(nctx, all[i].key)
				}
				return nil
			})
			cancel()
			for j, i := range batch {
				if f, err := freqs[j].Result(); err == nil {
					all[i].freq = f
				}
			}
		}
		lens := make([]*goredis.IntCmd, len(batch))
		nctx, cancel = context.WithTimeout(ctx, timeout)
		_, err = s.conn.Pipelined(nctx, func(p goredis.Pipeliner) error {
			for j, i := range batch {
				k := all[i].key
				switch all[i].typ {
				case "string":
					lens[j] = p.StrLen(nctx, k)
				case "hash":
					lens[j] = p.HLen(nctx, k)
				case "list":
					lens[j] = p.LLen(nctx, k)
				case "set":
					lens[j] = p.SCard(nctx, k)
				case "zset":
					lens[j] = p.ZCard(nctx, k)
				case "stream":
					lens[j] = p.XLen(nctx, k)
				}
			}
			return nil
		})
		cancel()
		if err != nil && !errors.Is(err, goredis.Nil) && !strings.HasPrefix(err.Error(), "WRONGTYPE") {
			return fmt.Errorf("element counts: %w", explain(s.on, err))
		}
		for j, i := range batch {
			if lens[j] != nil {
				if n, err := lens[j].Result(); err == nil {
					all[i].elements = n
				}
			}
		}
	}
	return nil
}

// measureKeys runs MEMORY USAGE on a bounded sample: up to budget keys spread evenly over
// the patterns, plus the largest keys of each shard by element count.
func measureKeys(ctx context.Context, samples []*shardSample, all []sampledKey, g shape.Grouping, budget int, timeout time.Duration) {
	chosen := map[int]bool{}
	if budget > 0 && len(g.Patterns) > 0 {
		per := max(budget/len(g.Patterns), 1)
		taken := make([]int, len(g.Patterns))
		for i := range all {
			p := g.Of[i]
			if taken[p] < per && len(chosen) < budget {
				taken[p]++
				chosen[i] = true
			}
		}
	}
	for _, s := range samples {
		if s.err != nil {
			continue
		}
		idx := slices.Clone(s.keys)
		sort.Slice(idx, func(a, b int) bool { return all[idx[a]].elements > all[idx[b]].elements })
		for _, i := range idx[:min(bigCandidates, len(idx))] {
			if all[i].elements > 0 {
				chosen[i] = true
			}
		}
	}
	for _, s := range samples {
		if s.err != nil {
			continue
		}
		var batch []int
		for _, i := range s.keys {
			if chosen[i] {
				batch = append(batch, i)
			}
		}
		for start := 0; start < len(batch); start += keyBatch {
			b := batch[start:min(start+keyBatch, len(batch))]
			cmds := make([]*goredis.IntCmd, len(b))
			nctx, cancel := context.WithTimeout(ctx, timeout)
			_, _ = s.conn.Pipelined(nctx, func(p goredis.Pipeliner) error {
				for j, i := range b {
					cmds[j] = p.MemoryUsage(nctx, all[i].key)
				}
				return nil
			})
			cancel()
			for j, i := range b {
				if v, err := cmds[j].Result(); err == nil {
					all[i].bytes = v
				}
			}
		}
	}
}

func sampleMethod(samples []*shardSample, sampled int, elapsed time.Duration) string {
	var parts []string
	var total int64
	complete := true
	for _, s := range samples {
		total += s.dbsize
		where := s.on
		if s.sh.replica {
			where += " (replica)"
		}
		switch {
		case s.err != nil:
			parts = append(parts, fmt.Sprintf("%s failed: %v", where, s.err))
			complete = false
		case s.complete:
			parts = append(parts, fmt.Sprintf("%s: all %d keys", where, len(s.keys)))
		default:
			complete = false
			parts = append(parts, fmt.Sprintf("%s: %d of %d keys", where, len(s.keys), s.dbsize))
		}
	}
	m := fmt.Sprintf("SCAN sample of %d of %d keys in %s (%s)", sampled, total, elapsed.Round(time.Millisecond), strings.Join(parts, "; "))
	if !complete {
		m += "; counts are estimates: sampled keys times DBSIZE / sampled keys, per shard (SCAN walks the hash table, so its first keys are a near-random sample)"
	}
	return m + "; memory from MEMORY USAGE (SAMPLES 5) of the measured keys"
}

func patternFindings(all []sampledKey, g shape.Grouping, method string) []collectors.Finding {
	type agg struct {
		sampled, keys, measured, measuredBytes, noTTL, withTTL float64
		ttls                                                   []float64
		types                                                  map[string]float64
	}
	aggs := make([]agg, len(g.Patterns))
	for i := range aggs {
		aggs[i].types = map[string]float64{}
	}
	for i, k := range all {
		if k.ttlMS == -2 || k.typ == "" {
			continue // gone since SCAN, or its shard failed before TYPE
		}
		a := &aggs[g.Of[i]]
		a.sampled++
		a.keys += k.weight
		if k.typ != "" && k.typ != "none" {
			a.types[k.typ] += k.weight
		}
		if k.bytes >= 0 {
			a.measured++
			a.measuredBytes += float64(k.bytes)
		}
		if k.ttlMS == -1 {
			a.noTTL++
		} else {
			a.withTTL++
			a.ttls = append(a.ttls, float64(k.ttlMS)/1e3)
		}
	}
	var out []collectors.Finding
	for p, a := range aggs {
		if a.sampled == 0 {
			continue
		}
		v := map[string]float64{
			"keys":          a.keys,
			"sampled_keys":  a.sampled,
			"measured_keys": a.measured,
			"no_ttl_ratio":  a.noTTL / a.sampled,
		}
		summary := fmt.Sprintf("%s: ~%s keys (%s)", g.Patterns[p], count(a.keys), typeList(a.types))
		if a.measured > 0 {
			v["bytes_per_key"] = a.measuredBytes / a.measured
			v["bytes"] = v["bytes_per_key"] * a.keys
			summary += fmt.Sprintf(", ~%s (%s per key)", bytesText(v["bytes"]), bytesText(v["bytes_per_key"]))
		}
		for t, n := range a.types {
			v[t+"_keys"] = n
		}
		if len(a.ttls) > 0 {
			slices.Sort(a.ttls)
			v["ttl_min_seconds"] = a.ttls[0]
			v["ttl_median_seconds"] = a.ttls[len(a.ttls)/2]
			v["ttl_max_seconds"] = a.ttls[len(a.ttls)-1]
			summary += fmt.Sprintf(", %.0f%% without TTL, TTL %s to %s (median %s)", 100*v["no_ttl_ratio"],
				duration(v["ttl_min_seconds"]), duration(v["ttl_max_seconds"]), duration(v["ttl_median_seconds"]))
		} else {
			summary += ", no TTL"
		}
		out = append(out, collectors.Finding{
			Kind:    KindKeyPattern,
			Subject: g.Patterns[p],
			Summary: summary,
			Method:  fmt.Sprintf("%s; %d keys of the pattern measured", method, int(a.measured)),
			Values:  v,
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		bi, bj := out[i].Values["bytes"], out[j].Values["bytes"]
		if bi != bj {
			return bi > bj
		}
		return out[i].Values["keys"] > out[j].Values["keys"]
	})
	return out
}

func typeList(types map[string]float64) string {
	names := make([]string, 0, len(types))
	for t := range types {
		names = append(names, t)
	}
	sort.Slice(names, func(i, j int) bool { return types[names[i]] > types[names[j]] })
	if len(names) == 0 {
		return "type unknown"
	}
	return strings.Join(names, ", ")
}

// maxKeyFindings bounds the big-key and hot-key findings.
const maxKeyFindings = 20

func bigKeyFindings(all []sampledKey, samples []*shardSample, threshold int64, method string) []collectors.Finding {
	var big []int
	for i, k := range all {
		if k.bytes >= threshold {
			big = append(big, i)
		}
	}
	sort.Slice(big, func(a, b int) bool { return all[big[a]].bytes > all[big[b]].bytes })
	var out []collectors.Finding
	for _, i := range big[:min(len(big), maxKeyFindings)] {
		k := all[i]
		v := map[string]float64{"bytes": float64(k.bytes)}
		if k.elements >= 0 {
			v["elements"] = float64(k.elements)
		}
		out = append(out, collectors.Finding{
			Kind:    KindBigKey,
			Subject: cutKey(k.key),
			Summary: fmt.Sprintf("%s (%s): %s, %s elements", cutKey(k.key), k.typ, bytesText(float64(k.bytes)), count(float64(k.elements))),
			Method: fmt.Sprintf("MEMORY USAGE at least keys.big_bytes = %d; measured: the %d keys of each shard with the most elements and a few per pattern, of %s",
				threshold, bigCandidates, method),
			Node:   samples[k.shard].on,
			Values: v,
		})
	}
	return out
}

func typeFindings(all []sampledKey, method string) []collectors.Finding {
	type agg struct{ keys, measured, bytes float64 }
	types := map[string]*agg{}
	for _, k := range all {
		if k.typ == "" || k.typ == "none" {
			continue
		}
		a := types[k.typ]
		if a == nil {
			a = &agg{}
			types[k.typ] = a
		}
		a.keys += k.weight
		if k.bytes >= 0 {
			a.measured++
			a.bytes += float64(k.bytes)
		}
	}
	names := make([]string, 0, len(types))
	for t := range types {
		names = append(names, t)
	}
	slices.Sort(names)
	var out []collectors.Finding
	for _, t := range names {
		a := types[t]
		v := map[string]float64{"keys": a.keys}
		summary := fmt.Sprintf("type %s: ~%s keys", t, count(a.keys))
		if a.measured > 0 {
			v["bytes"] = a.bytes / a.measured * a.keys
			summary += fmt.Sprintf(", ~%s", bytesText(v["bytes"]))
		}
		out = append(out, collectors.Finding{
			Kind:    KindMemory,
			Subject: "type:" + t,
			Summary: summary,
			Method:  fmt.Sprintf("%s; mean MEMORY USAGE of the %d measured keys of the type times its estimated keys", method, int(a.measured)),
			Values:  v,
		})
	}
	return out
}

func (c *Collector) hotKeyFindings(all []sampledKey, samples []*shardSample, lfu bool, policy string, rs []reading, method string) []collectors.Finding {
	if lfu {
		var hot []int
		for i, k := range all {
			if k.freq >= 0 {
				hot = append(hot, i)
			}
		}
		if len(hot) > 0 {
			sort.Slice(hot, func(a, b int) bool {
				if all[hot[a]].freq != all[hot[b]].freq {
					return all[hot[a]].freq > all[hot[b]].freq
				}
				return all[hot[a]].key < all[hot[b]].key
			})
			var out []collectors.Finding
			for _, i := range hot[:min(len(hot), 10)] {
				k := all[i]
				out = append(out, collectors.Finding{
					Kind:    KindHotKey,
					Subject: cutKey(k.key),
					Summary: fmt.Sprintf("%s: LFU counter %d", cutKey(k.key), k.freq),
					Method: fmt.Sprintf("OBJECT FREQ (maxmemory-policy %s) on the shard's primary, of every key of the %s; keys outside the sample are not seen",
						policy, method),
					Node:   samples[k.shard].sh.primary.addr,
					Values: map[string]float64{"lfu_counter": float64(k.freq)},
				})
			}
			return out
		}
	}
	return c.slowlogHotKeys(lfu, policy, rs)
}

// slowlogHotKeys names the keys the slow log entries since Mark touched most.
func (c *Collector) slowlogHotKeys(lfu bool, policy string, rs []reading) []collectors.Finding {
	keys := map[string]float64{}
	var seen float64
	for _, r := range rs {
		w := r.n.slowlog.peek()
		seen += w.seen
		for k, n := range w.keys {
			keys[k] += n
		}
	}
	for k, n := range keys {
		if n < 2 { // a key seen once is no hotter than any other
			delete(keys, k)
		}
	}
	why := fmt.Sprintf("maxmemory-policy is %s: OBJECT FREQ needs allkeys-lfu or volatile-lfu", orNone(policy))
	if lfu {
		why = "OBJECT FREQ answered for no sampled key"
	}
	if len(keys) == 0 {
		return []collectors.Finding{{
			Kind:    KindHotKey,
			Subject: "(unavailable)",
			Summary: "hot-key detection unavailable: " + why + ", and no key appears twice in the slow log since Mark (lower slowlog-log-slower-than to see more)",
			Method:  "CONFIG maxmemory-policy from INFO memory; SLOWLOG since Mark",
		}}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if keys[names[i]] != keys[names[j]] {
			return keys[names[i]] > keys[names[j]]
		}
		return names[i] < names[j]
	})
	var out []collectors.Finding
	for _, k := range names[:min(len(names), 10)] {
		out = append(out, collectors.Finding{
			Kind:    KindHotKey,
			Subject: cutKey(k),
			Summary: fmt.Sprintf("%s: first key of %s of the %s slow log entries since Mark", cutKey(k), count(keys[k]), count(seen)),
			Method: "SLOWLOG since Mark, by the first key of each entry (" + why +
				"); only commands slower than slowlog-log-slower-than are seen, so a key hit often by fast commands can be missed",
			Values: map[string]float64{"slowlog_entries": keys[k]},
		})
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// cutKey bounds a key in a finding's subject.
func cutKey(k string) string {
	if len(k) <= shape.MaxPatternLen {
		return strings.ToValidUTF8(k, "?")
	}
	return strings.ToValidUTF8(k[:shape.MaxPatternLen], "?") + "…"
}
