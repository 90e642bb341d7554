package redis_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	rc "github.com/dbharness/dbharness/collectors/redis"
	"github.com/dbharness/dbharness/engines"
	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/dbharness/dbharness/engines/redis/redistest"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// open opens a collector on dsn through the registry, as the harness does, and registers it.
func open(t *testing.T, dsn string, opts ...collectors.Option) (*rc.Collector, *prometheus.Registry) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := collectors.Open(ctx, rc.Database, dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	return c.(*rc.Collector), reg
}

func gather(t *testing.T, reg prometheus.Gatherer) []*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// value returns the value of the series of name whose labels include want (a histogram's
// sample count).
func value(mfs []*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	for _, m := range series(mfs, name, want) {
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// series returns the series of name whose labels include want.
func series(mfs []*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m, want) {
				out = append(out, m)
			}
		}
	}
	return out
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func client(t *testing.T, dsn string) goredis.UniversalClient {
	t.Helper()
	c, err := engredis.NewClient(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func addrOf(t *testing.T, dsn string) string {
	t.Helper()
	tg, err := engredis.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return tg.Addrs[0]
}

// checkDeclared checks what a collector emitted against the catalog: every metric is
// declared for redis (or is the harness's), has its declared type and labels, and every
// per-node metric carries node and role. It records the names emitted in seen.
func checkDeclared(t *testing.T, mfs []*dto.MetricFamily, seen map[string]bool) {
	t.Helper()
	emitted, problems := catalog.CheckEmitted(rc.Database, mfs)
	for _, p := range problems {
		t.Error(p)
	}
	for name := range emitted {
		seen[name] = true
		m, ok := catalog.Lookup(name)
		if ok && m.Database == rc.Database && name != "redis_nodes" && (!slices.Contains(m.Labels, "node") || !slices.Contains(m.Labels, "role")) {
			t.Errorf("%s is per node but lacks the node and role labels: %v", name, m.Labels)
		}
	}
}

// checkFindings checks findings against FindingKinds: known kind, documented values, and
// the values every finding of the kind must have.
func checkFindings(t *testing.T, fs []collectors.Finding) {
	t.Helper()
	for _, f := range fs {
		kind, ok := rc.LookupFindingKind(f.Kind)
		if !ok {
			t.Errorf("finding of undocumented kind %q: %+v", f.Kind, f)
			continue
		}
		if f.Subject == "" || f.Summary == "" || f.Method == "" {
			t.Errorf("%s finding without subject, summary or method: %+v", f.Kind, f)
		}
		for k, v := range f.Values {
			if !kind.Documents(k) {
				t.Errorf("%s finding %q has undocumented value %s", f.Kind, f.Subject, k)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s finding %q: %s = %g", f.Kind, f.Subject, k, v)
			}
		}
		if f.Subject == "(unavailable)" {
			continue
		}
		for _, d := range kind.Values {
			if _, ok := f.Values[d.Key]; !ok && !d.Optional && !strings.Contains(d.Key, "<type>") {
				t.Errorf("%s finding %q lacks value %s", f.Kind, f.Subject, d.Key)
			}
		}
	}
}

func find(fs []collectors.Finding, kind, subject string) (collectors.Finding, bool) {
	for _, f := range fs {
		if f.Kind == kind && f.Subject == subject {
			return f, true
		}
	}
	return collectors.Finding{}, false
}

func mustFind(t *testing.T, fs []collectors.Finding, kind, subject string) collectors.Finding {
	t.Helper()
	f, ok := find(fs, kind, subject)
	if !ok {
		var have []string
		for _, f := range fs {
			if f.Kind == kind {
				have = append(have, f.Subject)
			}
		}
		t.Fatalf("no %s finding %q; %s findings: %q", kind, subject, kind, have)
	}
	return f
}

func analyze(t *testing.T, c *rc.Collector) []collectors.Finding {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	fs, err := c.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkFindings(t, fs)
	return fs
}

func mark(t *testing.T, c *rc.Collector) {
	t.Helper()
	if err := c.Mark(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSlowlogCountsEachEntryOnceAndWhatWasLost(t *testing.T) {
	ctx := context.Background()
	dsn := redistest.DSN(t, "--slowlog-log-slower-than", "0", "--slowlog-max-len", "1000")
	c, reg := open(t, dsn, collectors.WithScrapers("slowlog"))
	cl := client(t, dsn)
	shapeOf := map[string]string{"shape": "SET k:{id} ?"}
	entries := func() (float64, float64) {
		mfs := gather(t, reg)
		n, _ := value(mfs, "redis_slowlog_entries_total", shapeOf)
		missed, ok := value(mfs, "redis_slowlog_missed_entries_total", nil)
		if !ok {
			t.Fatalf("redis_slowlog_missed_entries_total not reported: %v", c.ScrapeErrors())
		}
		return n, missed
	}
	if n, _ := entries(); n != 0 {
		t.Fatalf("entries before any SET = %g", n)
	}
	for i := 0; i < 40; i++ {
		cl.Set(ctx, fmt.Sprintf("k:%d", i), "v", 0)
	}
	if n, missed := entries(); n != 40 || missed != 0 {
		t.Errorf("after 40 SETs: %g entries, %g missed; want 40 and 0", n, missed)
	}
	if n, _ := entries(); n != 40 {
		t.Errorf("a scrape without new SETs counted again: %g", n)
	}
	// SLOWLOG RESET between two scrapes: the 5 SETs before it are lost, the 3 after it count
	for i := 0; i < 5; i++ {
		cl.Set(ctx, "k:1", "v", 0)
	}
	cl.SlowLogReset(ctx)
	for i := 0; i < 3; i++ {
		cl.Set(ctx, "k:2", "v", 0)
	}
	n, missed := entries()
	if n != 43 || missed < 5 {
		t.Errorf("after a reset: %g entries, %g missed; want 43 and at least 5", n, missed)
	}
	// overflow: a log of 10 cannot hold 50 SETs
	cl.ConfigSet(ctx, "slowlog-max-len", "10")
	before, beforeMissed := entries()
	for i := 0; i < 50; i++ {
		cl.Set(ctx, "k:3", "v", 0)
	}
	n, missed = entries()
	got, lost := n-before, missed-beforeMissed
	if got > 10 || got < 1 || got+lost < 50 {
		t.Errorf("overflow: %g entries counted and %g lost of 50 SETs in a log of 10", got, lost)
	}
	if l, _ := value(gather(t, reg), "redis_slowlog_length", nil); l != 10 {
		t.Errorf("redis_slowlog_length = %g, want 10", l)
	}
}

func TestLatencyHistogramAndMonitor(t *testing.T) {
	ctx := context.Background()
	dsn := redistest.DSN(t, "--latency-monitor-threshold", "1")
	_, reg := open(t, dsn, collectors.WithScrapers("latency_histogram", "latency_latest"))
	cl := client(t, dsn)
	for i := 0; i < 100; i++ {
		cl.Set(ctx, "k", i, 0)
	}
	// a script busy for several milliseconds is a latency spike of event "command"
	if err := cl.Eval(ctx, "local i = 0 while i < 3000000 do i = i + 1 end return i", nil).Err(); err != nil {
		t.Fatal(err)
	}
	mfs := gather(t, reg)
	hs := series(mfs, "redis_commands_latency_seconds", map[string]string{"cmd": "set"})
	if len(hs) != 1 {
		t.Fatalf("%d histograms for set", len(hs))
	}
	h := hs[0].GetHistogram()
	if h.GetSampleCount() != 100 || h.GetSampleSum() <= 0 {
		t.Errorf("set histogram: count %d, sum %g; want 100 and a positive sum", h.GetSampleCount(), h.GetSampleSum())
	}
	var prev uint64
	for _, b := range h.GetBucket() {
		if b.GetCumulativeCount() < prev || b.GetCumulativeCount() > h.GetSampleCount() {
			t.Errorf("bucket le=%g has %d after %d (count %d)", b.GetUpperBound(), b.GetCumulativeCount(), prev, h.GetSampleCount())
		}
		prev = b.GetCumulativeCount()
	}
	if v, ok := value(mfs, "redis_latency_spike_max_duration_seconds", map[string]string{"event": "command"}); !ok || v < 1e-3 {
		t.Errorf("latency spike of event command = %g, %v; want at least 1ms", v, ok)
	}
}

func TestAnalyzeCommandsSlowlogKeysAndMemory(t *testing.T) {
	ctx := context.Background()
	dsn := redistest.DSN(t, "--slowlog-log-slower-than", "0", "--slowlog-max-len", "10000")
	cl := client(t, dsn)
	pipe := cl.Pipeline()
	for i := 0; i < 1000; i++ {
		k := fmt.Sprintf("user:%d:session", i)
		pipe.HSet(ctx, k, "a", 1, "b", 2, "c", 3)
		if i%2 == 0 {
			pipe.Expire(ctx, k, time.Duration(600+i)*time.Second)
		}
	}
	for i := 0; i < 500; i++ {
		pipe.Set(ctx, fmt.Sprintf("cache:%d", i), "v", 0)
	}
	pipe.Set(ctx, "blob:big", strings.Repeat("x", 2<<20), 0)
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	c, reg := open(t, dsn, collectors.WithSetting(rc.SettingKeysBigBytes, "1000000"))
	mark(t, c)
	for i := 0; i < 100; i++ {
		cl.Get(ctx, fmt.Sprintf("cache:%d", i))
	}
	for i := 0; i < 30; i++ {
		cl.Get(ctx, "cache:7")
	}
	for i := 0; i < 50; i++ {
		cl.HGetAll(ctx, fmt.Sprintf("user:%d:session", i))
	}
	for i := 0; i < 7; i++ {
		cl.HGet(ctx, "cache:1", "f") // WRONGTYPE: a failed call
	}
	gather(t, reg) // a scrape in the window: its commands must not show as the workload's
	fs := analyze(t, c)

	get := mustFind(t, fs, rc.KindCommand, "get")
	if get.Values["calls"] != 130 || get.Values["mean_seconds"] <= 0 || get.Node != addrOf(t, dsn) {
		t.Errorf("command get = %+v, want 130 calls", get)
	}
	if h := mustFind(t, fs, rc.KindCommand, "hget"); h.Values["failed_calls"] != 7 {
		t.Errorf("command hget failed_calls = %g, want 7", h.Values["failed_calls"])
	}
	for _, own := range []string{"hello", "client|setname", "info", "slowlog|get", "slowlog|len", "latency|histogram", "memory|stats", "role", "scan", "type", "memory|usage"} {
		if f, ok := find(fs, rc.KindCommand, own); ok {
			t.Errorf("the collector's own %s shows as the workload's: %s", own, f.Summary)
		}
	}
	if s := mustFind(t, fs, rc.KindSlowlog, "GET cache:{id}"); s.Values["entries"] != 130 || s.Values["max_seconds"] < s.Values["mean_seconds"] {
		t.Errorf("slowlog GET cache:{id} = %v, want 130 entries", s.Values)
	}
	if s := mustFind(t, fs, rc.KindSlowlog, "HGETALL user:{id}:session"); s.Values["entries"] != 50 {
		t.Errorf("slowlog HGETALL = %v, want 50 entries", s.Values)
	}
	if _, ok := find(fs, rc.KindSlowlog, "INFO ?"); ok {
		t.Error("the collector's own INFO is in the slow log findings")
	}

	u := mustFind(t, fs, rc.KindKeyPattern, "user:{id}:session")
	v := u.Values
	if v["keys"] != 1000 || v["sampled_keys"] != 1000 || v["hash_keys"] != 1000 || v["no_ttl_ratio"] != 0.5 {
		t.Errorf("user:{id}:session values %v: want 1000 hash keys (all sampled), half without TTL", v)
	}
	if v["ttl_min_seconds"] < 500 || v["ttl_max_seconds"] > 1600 || v["ttl_median_seconds"] < v["ttl_min_seconds"] || v["bytes_per_key"] <= 0 {
		t.Errorf("user:{id}:session TTL and size %v", v)
	}
	if !strings.Contains(u.Method, "all 1501 keys") {
		t.Errorf("method %q: want it to say the scan saw all 1501 keys", u.Method)
	}
	if cache := mustFind(t, fs, rc.KindKeyPattern, "cache:{id}"); cache.Values["keys"] != 500 || cache.Values["no_ttl_ratio"] != 1 {
		t.Errorf("cache:{id} = %v", cache.Values)
	}
	big := mustFind(t, fs, rc.KindBigKey, "blob:big")
	if big.Values["bytes"] < 2<<20 || big.Values["elements"] != 2<<20 {
		t.Errorf("big key blob:big = %v", big.Values)
	}
	if _, ok := find(fs, rc.KindBigKey, "cache:1"); ok {
		t.Error("a 1-byte string is a big key")
	}
	hot := mustFind(t, fs, rc.KindHotKey, "cache:7")
	if hot.Values["slowlog_entries"] != 31 || !strings.Contains(hot.Method, "maxmemory-policy is noeviction") {
		t.Errorf("hot key cache:7 = %+v, want 31 slow log entries and the reason OBJECT FREQ is not used", hot)
	}
	if m := mustFind(t, fs, rc.KindMemory, "node"); m.Values["used_bytes"] < 2<<20 || m.Values["fragmentation_ratio"] <= 0 {
		t.Errorf("memory node = %v", m.Values)
	}
	if m := mustFind(t, fs, rc.KindMemory, "type:hash"); m.Values["keys"] != 1000 || m.Values["bytes"] <= 0 {
		t.Errorf("memory type:hash = %v", m.Values)
	}
	if _, ok := find(fs, rc.KindPubsub, "pubsub"); ok {
		t.Error("a pubsub finding without any pub/sub")
	}

	// a new Mark starts a new window
	mark(t, c)
	fs = analyze(t, c)
	if f, ok := find(fs, rc.KindCommand, "get"); ok {
		t.Errorf("command get after a new Mark: %s", f.Summary)
	}
	if f, ok := find(fs, rc.KindSlowlog, "GET cache:{id}"); ok {
		t.Errorf("slowlog after a new Mark: %s", f.Summary)
	}
}

func TestKeySamplingIsBoundedAndExtrapolates(t *testing.T) {
	ctx := context.Background()
	dsn := redistest.DSN(t)
	cl := client(t, dsn)
	const a, b = 15000, 5000
	for start := 0; start < a+b; start += 1000 {
		var kv []any
		for i := start; i < start+1000; i++ {
			if i < a {
				kv = append(kv, fmt.Sprintf("a:%d", i), "v")
			} else {
				kv = append(kv, fmt.Sprintf("b:%d", i), "v")
			}
		}
		if err := cl.MSet(ctx, kv...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := open(t, dsn, collectors.WithSetting(rc.SettingKeysSample, "2000"), collectors.WithSetting(rc.SettingKeysMemorySample, "40"))
	fs := analyze(t, c)
	fa, fb := mustFind(t, fs, rc.KindKeyPattern, "a:{id}"), mustFind(t, fs, rc.KindKeyPattern, "b:{id}")
	if s := fa.Values["sampled_keys"] + fb.Values["sampled_keys"]; s != 2000 {
		t.Errorf("sampled %g keys with keys.sample=2000", s)
	}
	if est := fa.Values["keys"] + fb.Values["keys"]; math.Abs(est-(a+b)) > 1 {
		t.Errorf("estimated %g keys in all, DBSIZE is %d", est, a+b)
	}
	if est := fa.Values["keys"]; est < 0.8*a || est > 1.2*a {
		t.Errorf("a:{id} estimated at %g keys, truly %d (the sample should be near random)", est, a)
	}
	if m := fa.Values["measured_keys"] + fb.Values["measured_keys"]; m > 40+20 || m < 2 {
		t.Errorf("%g keys measured with keys.memory_sample=40", m)
	}
	if !strings.Contains(fa.Method, "2000 of 20000 keys") || !strings.Contains(fa.Method, "estimates") {
		t.Errorf("method %q: want the sampled fraction and that counts are estimates", fa.Method)
	}

	// a time budget too small for the scan stops it early
	c2, _ := open(t, dsn, collectors.WithSetting(rc.SettingKeysBudget, "1ms"), collectors.WithSetting(rc.SettingKeysScanCount, "10"))
	fs = analyze(t, c2)
	sampled := 0.0
	for _, f := range fs {
		if f.Kind == rc.KindKeyPattern {
			sampled += f.Values["sampled_keys"]
		}
	}
	if sampled == 0 || sampled >= a+b {
		t.Errorf("with keys.budget=1ms: %g keys sampled of %d; want the scan stopped early", sampled, a+b)
	}
	// keys.sample=0 turns the key analysis off
	c3, _ := open(t, dsn, collectors.WithSetting(rc.SettingKeysSample, "0"))
	for _, f := range analyze(t, c3) {
		if f.Kind == rc.KindKeyPattern || f.Kind == rc.KindBigKey {
			t.Errorf("keys.sample=0 still reports %s %s", f.Kind, f.Subject)
		}
	}
}

func TestHotKeysWithAnLFUPolicy(t *testing.T) {
	ctx := context.Background()
	dsn := redistest.DSN(t, "--maxmemory-policy", "allkeys-lfu")
	cl := client(t, dsn)
	for i := 0; i < 100; i++ {
		cl.Set(ctx, fmt.Sprintf("item:%d", i), "v", 0)
	}
	for i := 0; i < 3000; i++ {
		cl.Get(ctx, "item:42")
	}
	c, _ := open(t, dsn)
	fs := analyze(t, c)
	var hot []collectors.Finding
	for _, f := range fs {
		if f.Kind == rc.KindHotKey {
			hot = append(hot, f)
		}
	}
	if len(hot) == 0 || hot[0].Subject != "item:42" || !strings.Contains(hot[0].Method, "OBJECT FREQ") {
		t.Fatalf("hot keys %+v, want item:42 first, found with OBJECT FREQ", hot)
	}
	if len(hot) > 1 && hot[0].Values["lfu_counter"] <= hot[1].Values["lfu_counter"] {
		t.Errorf("item:42 LFU counter %g is not above the next %g", hot[0].Values["lfu_counter"], hot[1].Values["lfu_counter"])
	}
}

func TestEvictionsAreMemoryFindings(t *testing.T) {
	ctx := context.Background()
	dsn := redistest.DSN(t, "--maxmemory", "4mb", "--maxmemory-policy", "allkeys-random")
	c, reg := open(t, dsn)
	cl := client(t, dsn)
	mark(t, c)
	value1k := strings.Repeat("x", 1024)
	pipe := cl.Pipeline()
	for i := 0; i < 10000; i++ {
		pipe.Set(ctx, fmt.Sprintf("fill:%d", i), value1k, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	m := mustFind(t, analyze(t, c), rc.KindMemory, "node")
	if m.Values["evicted_keys"] <= 0 || m.Values["max_bytes"] != 4<<20 || m.Values["used_ratio"] <= 0.5 || m.Values["used_ratio"] > 1.2 {
		t.Errorf("memory after filling 10 MB into 4 MB: %v", m.Values)
	}
	if v, _ := value(gather(t, reg), "redis_evicted_keys_total", nil); v <= 0 {
		t.Errorf("redis_evicted_keys_total = %g", v)
	}
}

func TestPubsubChannelsAndMessages(t *testing.T) {
	ctx := context.Background()
	dsn := redistest.DSN(t)
	cl := client(t, dsn)
	var subs []*goredis.PubSub
	for i := 0; i < 3; i++ {
		ps := cl.Subscribe(ctx, "news")
		if _, err := ps.Receive(ctx); err != nil { // the subscription confirmation
			t.Fatal(err)
		}
		subs = append(subs, ps)
	}
	pp := cl.PSubscribe(ctx, "n*")
	if _, err := pp.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	subs = append(subs, pp)
	t.Cleanup(func() {
		for _, s := range subs {
			_ = s.Close()
		}
	})
	c, reg := open(t, dsn)
	mark(t, c)
	for i := 0; i < 20; i++ {
		cl.Publish(ctx, "news", "hello")
	}
	fs := analyze(t, c)
	p := mustFind(t, fs, rc.KindPubsub, "pubsub")
	if p.Values["messages_published"] != 20 || p.Values["subscriptions"] != 3 || p.Values["patterns"] != 1 || p.Values["channels"] != 1 {
		t.Errorf("pubsub finding %v: want 20 published, 3 subscriptions, 1 pattern, 1 channel", p.Values)
	}
	if ch := mustFind(t, fs, rc.KindPubsub, "channel:news"); ch.Values["subscribers"] != 3 {
		t.Errorf("channel:news = %v", ch.Values)
	}
	mfs := gather(t, reg)
	if v, _ := value(mfs, "redis_pubsub_channel_subscribers", map[string]string{"channel": "news"}); v != 3 {
		t.Errorf("redis_pubsub_channel_subscribers{channel=news} = %g, want 3", v)
	}
	if v, _ := value(mfs, "redis_pubsub_patterns", nil); v != 1 {
		t.Errorf("redis_pubsub_patterns = %g, want 1", v)
	}
}

func TestPubsubChannelsAreCapped(t *testing.T) {
	ctx := context.Background()
	dsn := redistest.DSN(t)
	cl := client(t, dsn)
	var chans []string
	for i := 0; i < 30; i++ {
		chans = append(chans, fmt.Sprintf("ch:%d", i))
	}
	ps := cl.Subscribe(ctx, chans...)
	t.Cleanup(func() { _ = ps.Close() })
	for range chans {
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_, reg := open(t, dsn, collectors.WithSetting(rc.SettingPubsubChannels, "5"), collectors.WithScrapers("pubsub"))
	ss := series(gather(t, reg), "redis_pubsub_channel_subscribers", nil)
	if len(ss) != 6 {
		t.Errorf("%d channel series with pubsub.channels=5, want 5 and (other)", len(ss))
	}
	if v, _ := value(gather(t, reg), "redis_pubsub_channel_subscribers", map[string]string{"channel": "(other)"}); v != 25 {
		t.Errorf("(other) = %g subscribers, want 25", v)
	}
	// above pubsub.max_channels the channels are not listed at all
	_, reg = open(t, dsn, collectors.WithSetting(rc.SettingPubsubMaxChannels, "10"), collectors.WithScrapers("pubsub"))
	if ss := series(gather(t, reg), "redis_pubsub_channel_subscribers", nil); len(ss) != 0 {
		t.Errorf("%d channel series above pubsub.max_channels", len(ss))
	}
}

func TestAKilledStandaloneFailsItsScrapesFast(t *testing.T) {
	ctx := context.Background()
	inst := redistest.Start(t, engines.Spec{Provider: engines.ProviderNative})
	c, reg := open(t, inst.DSN(), collectors.WithTimeout(2*time.Second))
	node := addrOf(t, inst.DSN())
	if err := inst.KillNode(ctx, "node-1"); err != nil {
		t.Fatal(err)
	}
	mfs := gather(t, reg)
	if v, ok := value(mfs, "redis_up", map[string]string{"node": node}); !ok || v != 0 {
		t.Errorf("redis_up of the killed node = %g, %v; want 0", v, ok)
	}
	errs := c.ScrapeErrors()
	// A dead node refuses the connection at once: the scrape fails on that, not on the
	// timeout.
	if err := errs["info@"+node]; err == nil || !strings.Contains(err.Error(), node) || !strings.Contains(err.Error(), "is the node up") || strings.Contains(err.Error(), "timed out") {
		t.Errorf("info error = %v; want the address and what to check, and no timeout", err)
	}
	if errs["discovery"] == nil {
		t.Error("discovery did not fail")
	}
	if _, err := c.Analyze(ctx); err == nil || !strings.Contains(err.Error(), "no data node answered") {
		t.Errorf("Analyze of a dead node: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := collectors.Open(ctx, rc.Database, "redis://:hunter2@127.0.0.1:1", collectors.WithTimeout(time.Second))
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "hunter2") || !strings.Contains(msg, "open redis collector at 127.0.0.1:1") {
		t.Errorf("error = %s", msg)
	}
	dsn := redistest.DSN(t)
	for _, c := range []struct {
		opt  collectors.Option
		want string
	}{
		{collectors.WithSetting("keys.sampel", "5"), `unknown redis collector setting "keys.sampel"`},
		{collectors.WithSetting(rc.SettingKeysSample, "-1"), "at least 0"},
		{collectors.WithSetting(rc.SettingKeysBudget, "soon"), "positive duration"},
		{collectors.WithScrapers("infos"), `unknown redis scraper "infos"`},
		{collectors.WithSetting(rc.SettingSlowlogShapes, "1"), "at least 2"},
		{collectors.WithSetting(rc.SettingPubsubMaxChannels, "x"), "an integer"},
	} {
		if _, err := collectors.Open(ctx, rc.Database, dsn, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open: %v, want %q", err, c.want)
		}
	}
	if _, err := collectors.Open(ctx, rc.Database, "redis+sentinel://127.0.0.1:1/", collectors.WithTimeout(time.Second)); err == nil || !strings.Contains(err.Error(), "name the monitored primary") {
		t.Errorf("Open of a sentinel DSN without a primary: %v", err)
	}
}
