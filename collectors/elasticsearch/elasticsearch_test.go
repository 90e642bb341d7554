package elasticsearch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	ces "github.com/dbharness/dbharness/collectors/elasticsearch"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/elasticsearch/estest"
)

var (
	server *estest.Server
	skip   error
)

func TestMain(m *testing.M) {
	estest.Main(m, engines.Spec{}, func(s *estest.Server, err error) { server, skip = s, err })
}

func need(t *testing.T) *estest.Server {
	t.Helper()
	if server == nil {
		t.Skip(skip.Error())
	}
	return server
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return c
}

// gather scrapes once through the registry, as `dbharness collect` serves it.
func gather(t *testing.T, c collectors.Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if _, problems := catalog.CheckEmitted(ces.Database, mfs); len(problems) > 0 {
		t.Errorf("emitted metrics do not match the catalog: %v", problems)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// value is the sample of name whose labels include want (label=value pairs).
func value(mfs map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(want); i += 2 {
			match = match && labels[want[i]] == want[i+1]
		}
		if !match {
			continue
		}
		if m.Counter != nil {
			return m.Counter.GetValue(), true
		}
		return m.Gauge.GetValue(), true
	}
	return 0, false
}

func open(t *testing.T, dsn string, opts ...collectors.Option) collectors.Collector {
	t.Helper()
	c, err := collectors.Open(ctx(t), ces.Database, dsn, append([]collectors.Option{collectors.WithStrict(true), collectors.WithTimeout(30 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestEveryScraperReportsWhatTheNodeDid(t *testing.T) {
	s := need(t)
	c := ctx(t)
	cl := s.Client()
	// An index of 120 documents, searched 7 times.
	if _, err := cl.Do(c, http.MethodDelete, "/scraped?ignore_unavailable=true", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Do(c, http.MethodPut, "/scraped", map[string]any{"settings": map[string]any{"number_of_shards": 2, "number_of_replicas": 0}}); err != nil {
		t.Fatal(err)
	}
	var bulk strings.Builder
	for i := range 120 {
		fmt.Fprintf(&bulk, `{"index":{"_index":"scraped","_id":"%d"}}`+"\n"+`{"title":"doc %d"}`+"\n", i, i)
	}
	if _, err := cl.Do(c, http.MethodPost, "/_bulk?refresh=true", []byte(bulk.String())); err != nil {
		t.Fatal(err)
	}
	for range 7 {
		if _, err := cl.Do(c, http.MethodPost, "/scraped/_search", map[string]any{"query": map[string]any{"match": map[string]any{"title": "doc"}}}); err != nil {
			t.Fatal(err)
		}
	}
	col := open(t, s.DSN())
	mfs := gather(t, col)
	if errs := col.(collectors.ErrorReporter).ScrapeErrors(); len(errs) > 0 {
		t.Errorf("scrapers failed: %v", errs)
	}
	for _, sc := range ces.ScraperNames() {
		if v, ok := value(mfs, "dbharness_scrape_success", "scraper", sc); !ok || v != 1 {
			t.Errorf("dbharness_scrape_success{scraper=%s} = %v, %v", sc, v, ok)
		}
	}
	checks := []struct {
		name   string
		labels []string
		ok     func(float64) bool
		want   string
	}{
		{"elasticsearch_cluster_health_up", nil, func(v float64) bool { return v == 1 }, "1"},
		{"elasticsearch_cluster_health_status", []string{"color", "green"}, func(v float64) bool { return v == 1 }, "1"},
		{"elasticsearch_cluster_health_number_of_nodes", nil, func(v float64) bool { return v == 1 }, "1"},
		{"elasticsearch_cluster_health_active_primary_shards", nil, func(v float64) bool { return v >= 2 }, ">= 2"},
		{"elasticsearch_node_up", []string{"node", "node-1"}, func(v float64) bool { return v == 1 }, "1"},
		{"elasticsearch_indices_docs", []string{"node", "node-1"}, func(v float64) bool { return v >= 120 }, ">= 120"},
		{"elasticsearch_indices_indexing_index_total", []string{"node", "node-1"}, func(v float64) bool { return v >= 120 }, ">= 120"},
		{"elasticsearch_indices_search_query_total", []string{"node", "node-1"}, func(v float64) bool { return v >= 14 }, ">= 14 (7 searches of 2 shards)"},
		{"elasticsearch_jvm_memory_heap_used_bytes", []string{"node", "node-1"}, func(v float64) bool { return v > 1<<20 }, "> 1 MiB"},
		{"elasticsearch_jvm_memory_heap_max_bytes", []string{"node", "node-1"}, func(v float64) bool { return v > 400<<20 && v <= 512<<20 }, "about 512 MiB"},
		{"elasticsearch_jvm_gc_collections_total", []string{"node", "node-1"}, func(v float64) bool { return v >= 0 }, "a series"},
		{"elasticsearch_thread_pool_completed_total", []string{"node", "node-1", "type", "search"}, func(v float64) bool { return v >= 7 }, ">= 7"},
		{"elasticsearch_thread_pool_rejected_total", []string{"type", "write"}, func(v float64) bool { return v == 0 }, "0"},
		{"elasticsearch_breakers_limit_size_bytes", []string{"breaker", "parent"}, func(v float64) bool { return v > 0 }, "> 0"},
		{"elasticsearch_filesystem_data_available_bytes", nil, func(v float64) bool { return v > 0 }, "> 0"},
		{"elasticsearch_process_cpu_seconds_total", nil, func(v float64) bool { return v > 0 }, "> 0"},
		{"elasticsearch_http_open_connections", nil, func(v float64) bool { return v >= 1 }, ">= 1"},
		{"elasticsearch_indexing_pressure_coordinating_rejections_total", nil, func(v float64) bool { return v == 0 }, "0"},
		{"elasticsearch_index_docs", []string{"index", "scraped"}, func(v float64) bool { return v == 120 }, "120"},
		{"elasticsearch_index_search_query_total", []string{"index", "scraped"}, func(v float64) bool { return v >= 14 }, ">= 14"},
		{"elasticsearch_shards", []string{"state", "STARTED", "prirep", "p"}, func(v float64) bool { return v >= 2 }, ">= 2"},
		{"elasticsearch_shards", []string{"state", "UNASSIGNED", "prirep", "r"}, func(v float64) bool { return v == 0 }, "0"},
		{"elasticsearch_node_shards", []string{"node", "node-1"}, func(v float64) bool { return v >= 2 }, ">= 2"},
	}
	for _, ch := range checks {
		v, ok := value(mfs, ch.name, ch.labels...)
		if !ok || !ch.ok(v) {
			t.Errorf("%s%v = %v (reported %v), want %s", ch.name, ch.labels, v, ok, ch.want)
		}
	}
}

// The index series stay bounded: past indices.limit the rest are summed as "(other)".
func TestIndicesPastTheLimitAreSummed(t *testing.T) {
	s := need(t)
	c := ctx(t)
	for _, name := range []string{"lim-a", "lim-b", "lim-c"} {
		if _, err := s.Client().Do(c, http.MethodDelete, "/"+name+"?ignore_unavailable=true", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client().Do(c, http.MethodPut, "/"+name, map[string]any{"settings": map[string]any{"number_of_replicas": 0}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client().Do(c, http.MethodPut, "/"+name+"/_doc/1?refresh=true", map[string]any{"x": 1}); err != nil {
			t.Fatal(err)
		}
	}
	mfs := gather(t, open(t, s.DSN(), collectors.WithSetting(ces.SettingIndicesLimit, "1"), collectors.WithScrapers("indices_stats")))
	mf := mfs["elasticsearch_index_docs"]
	if mf == nil || len(mf.GetMetric()) != 2 {
		t.Fatalf("elasticsearch_index_docs = %v, want the largest index and (other)", mf)
	}
	if v, ok := value(mfs, "elasticsearch_index_docs", "index", ces.OtherIndices); !ok || v < 2 {
		t.Errorf("(other) docs = %v, %v; want at least 2", v, ok)
	}
}

func TestBadSettingsAreRefusedBeforeConnecting(t *testing.T) {
	_, err := collectors.Open(context.Background(), ces.Database, "http://127.0.0.1:1", collectors.WithSetting("indices.limitt", "3"))
	if err == nil || !strings.Contains(err.Error(), "indices.limit") {
		t.Errorf("err = %v, want the unknown key and the known ones", err)
	}
	_, err = collectors.Open(context.Background(), ces.Database, "http://127.0.0.1:1", collectors.WithSetting(ces.SettingIndicesLimit, "0"))
	if err == nil || !strings.Contains(err.Error(), "at least 1") {
		t.Errorf("err = %v, want at least 1", err)
	}
}

// The slowlog analysis reads the entries written since Mark, grouped by query shape.
func TestSlowSearchesAreFoundByQueryShape(t *testing.T) {
	s := need(t)
	c := ctx(t)
	cl := s.Client()
	if _, err := cl.Do(c, http.MethodDelete, "/slow?ignore_unavailable=true", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Do(c, http.MethodPut, "/slow", map[string]any{"settings": map[string]any{
		"number_of_shards": 1, "number_of_replicas": 0, "index.search.slowlog.threshold.query.warn": "0ms"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Do(c, http.MethodPut, "/slow/_doc/1?refresh=true", map[string]any{"title": "crimson shoe", "secret": "x"}); err != nil {
		t.Fatal(err)
	}
	col := open(t, s.DSN())
	an := col.(collectors.Analyzer)
	// A search before Mark is not counted.
	search := func(word string) {
		if _, err := cl.Do(c, http.MethodPost, "/slow/_search", map[string]any{"query": map[string]any{"match": map[string]any{"title": word}}}); err != nil {
			t.Fatal(err)
		}
	}
	search("before")
	if err := an.Mark(c); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"crimson", "shoe", "blue", "crimson", "green"} {
		search(w)
	}
	if _, err := cl.Do(c, http.MethodPost, "/slow/_search", map[string]any{"query": map[string]any{"term": map[string]any{"secret": "hunter2"}}}); err != nil {
		t.Fatal(err)
	}
	var match, term *collectors.Finding
	deadline := time.Now().Add(2 * time.Minute) // only a hang: log4j writes the entry as the query ends
	for {
		fs, err := an.Analyze(c)
		if err != nil {
			t.Fatal(err)
		}
		match, term = nil, nil
		for i, f := range fs {
			if f.Unavailable != "" {
				t.Fatalf("slowlog gap: %s", f.Unavailable)
			}
			if strings.Contains(f.Subject, "hunter2") || strings.Contains(f.Subject, "crimson") {
				t.Fatalf("a finding shows a literal: %q", f.Subject)
			}
			if strings.Contains(f.Subject, `"match"`) && strings.Contains(f.Subject, `"title"`) {
				match = &fs[i]
			}
			if strings.Contains(f.Subject, `"term"`) {
				term = &fs[i]
			}
		}
		if match != nil && match.Values["entries"] >= 5 && term != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if match == nil || match.Values["entries"] != 5 {
		t.Fatalf("match finding = %+v, want the 5 match searches since Mark (not the one before)", match)
	}
	if term == nil || term.Values["entries"] != 1 {
		t.Errorf("term finding = %+v, want 1 entry", term)
	}
	if !strings.Contains(match.Summary, "slow") || match.Values["max_shards"] != 1 || match.Values["total_seconds"] < match.Values["max_seconds"] {
		t.Errorf("match finding = %+v: want its index, 1 shard and consistent times", match)
	}
}

// Without log folders (an external cluster) the slowlog is a gap that says why.
func TestTheSlowlogIsAGapWithoutLogFolders(t *testing.T) {
	s := need(t)
	tg := strings.SplitN(s.DSN(), "?", 2)[0]
	fs, err := open(t, tg).(collectors.Analyzer).Analyze(ctx(t))
	slow := 0
	for _, f := range fs {
		if f.Kind == ces.KindSlowQuery {
			slow++
			if f.Unavailable == "" {
				t.Errorf("a slow-query finding without log folders: %+v", f)
			}
		}
	}
	if err != nil || slow != 1 {
		t.Errorf("findings = %+v, %v; want one slow-query gap", fs, err)
	}
}

func TestAnUnreachableClusterFailsToOpenWithItsAddress(t *testing.T) {
	_, err := collectors.Open(context.Background(), ces.Database, "http://elastic:pw123@127.0.0.1:1")
	var oe *collectors.OpenError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "127.0.0.1:1") || strings.Contains(err.Error(), "pw123") {
		t.Errorf("err = %v, want an OpenError naming the address and not the password", err)
	}
}
