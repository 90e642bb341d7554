package elasticsearch

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"

	eng "github.com/dbharness/dbharness/engines/elasticsearch"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// YCSB is the binding of the YCSB core operations, as YCSB's own elasticsearch5-rest binding
// lays records out: one document per record in index dbh-ycsb-<table>, the key as its _id
// and as a keyword field "key" (scan is a range on it, sorted), the fields in the source
// only (not indexed: dynamic false). Reads are real-time gets by id.
type YCSB struct{ errorClasses }

var _ ycsb.DB = YCSB{}

// Supports says every core operation runs.
func (YCSB) Supports(string) error { return nil }

func ycsbIndex(table string) string { return "dbh-ycsb-" + strings.ToLower(table) }

func ycsbDoc(key string, values []ycsb.Field) map[string]any {
	doc := make(map[string]any, len(values)+1)
	if key != "" {
		doc["key"] = key
	}
	for _, f := range values {
		doc[f.Name] = string(f.Value)
	}
	return doc
}

// Load makes the index again and writes records 0..n-1 with bulk requests.
func (YCSB) Load(ctx context.Context, t workloads.Target, s ycsb.Spec, n int64, progress func(done, total int64)) error {
	c, err := connect(t, 4)
	if err != nil {
		return fmt.Errorf("ycsb dataset: %w", err)
	}
	defer c.Close()
	index := ycsbIndex(s.Table)
	err = recreate(ctx, c, index, func(replicas int) map[string]any {
		return obj{"settings": obj{"number_of_shards": 1, "number_of_replicas": replicas},
			"mappings": obj{"dynamic": false, "properties": obj{"key": obj{"type": "keyword"}}}}
	})
	if err != nil {
		return fmt.Errorf("ycsb dataset at %s: %w", t.Address(), err)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	names := s.FieldNames()
	var buf bytes.Buffer
	for start := int64(0); start < n; start += loadBatch {
		end := min(start+loadBatch, n)
		buf.Reset()
		for i := start; i < end; i++ {
			key := s.Key(i)
			appendIndex(&buf, index, key, ycsbDoc(key, ycsb.Values(names, func() int { return s.FieldLength }, rng)))
		}
		res, err := bulk(ctx, c, buf.Bytes())
		if err == nil && res.failed > 0 {
			err = fmt.Errorf("%d items failed, the first: %s", res.failed, res.first)
		}
		if err != nil {
			return fmt.Errorf("ycsb dataset: bulk of records %d..%d at %s: %w", start, end-1, t.Address(), err)
		}
		if progress != nil {
			progress(end, n)
		}
	}
	if _, err := c.Do(ctx, http.MethodPost, "/"+index+"/_refresh", nil); err != nil {
		return fmt.Errorf("ycsb dataset: refresh %s: %w", index, err)
	}
	return nil
}

// Count is the index's document count, after a refresh.
func (YCSB) Count(ctx context.Context, t workloads.Target, s ycsb.Spec) (int64, error) {
	c, err := connect(t, 2)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	index := ycsbIndex(s.Table)
	if _, err := c.Do(ctx, http.MethodPost, "/"+index+"/_refresh", nil); err != nil {
		return 0, fmt.Errorf("ycsb: refresh %s at %s: %w (load the ycsb dataset first)", index, t.Address(), err)
	}
	var n struct{ Count int64 }
	if err := c.JSON(ctx, http.MethodGet, "/"+index+"/_count", nil, &n); err != nil {
		return 0, fmt.Errorf("ycsb: count %s at %s: %w", index, t.Address(), err)
	}
	return n.Count, nil
}

// Open makes one worker's client (two keep-alive connections per node).
func (YCSB) Open(ctx context.Context, t workloads.Target, s ycsb.Spec) (ycsb.Session, error) {
	c, err := connect(t, 2)
	if err != nil {
		return nil, fmt.Errorf("ycsb: %w", err)
	}
	return &ycsbSession{c: c, index: ycsbIndex(s.Table)}, nil
}

type ycsbSession struct {
	c     *eng.Client
	index string
}

func (s *ycsbSession) doc(key string) string { return "/" + s.index + "/_doc/" + url.PathEscape(key) }

func (s *ycsbSession) Read(ctx context.Context, key string, fields []string) error {
	path := s.doc(key)
	if fields != nil {
		path += "?_source_includes=" + url.QueryEscape(strings.Join(fields, ","))
	}
	_, err := s.c.Do(ctx, http.MethodGet, path, nil)
	return err
}

func (s *ycsbSession) Update(ctx context.Context, key string, values []ycsb.Field) error {
	_, err := s.c.Do(ctx, http.MethodPost, "/"+s.index+"/_update/"+url.PathEscape(key), obj{"doc": ycsbDoc("", values)})
	return err
}

func (s *ycsbSession) Insert(ctx context.Context, key string, values []ycsb.Field) error {
	_, err := s.c.Do(ctx, http.MethodPut, s.doc(key), ycsbDoc(key, values))
	return err
}

func (s *ycsbSession) Scan(ctx context.Context, startKey string, n int, fields []string) error {
	body := obj{"size": n, "query": obj{"range": obj{"key": obj{"gte": startKey}}}, "sort": []any{obj{"key": "asc"}}}
	if fields != nil {
		body["_source"] = fields
	}
	_, err := s.c.Do(ctx, http.MethodPost, "/"+s.index+"/_search", body)
	return err
}

func (s *ycsbSession) Close(context.Context) error { s.c.Close(); return nil }
