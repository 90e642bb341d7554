// Package elasticsearch registers the datasets and workloads of Elasticsearch and OpenSearch
// (engine name "elasticsearch", every flavor and topology engines/elasticsearch starts or
// names):
//
//   - dataset "documents": products with text, keywords, numbers, dates, an object and a
//     nested array, bulk-loaded into index dbh-documents (scale N = N×10,000 documents), the
//     search slowlog's query threshold at 0ms so the analysis sees every query;
//   - "search" (match, term, bool with filters, range, aggregations with terms, a date
//     histogram and percentiles, search_after paging, get by id), "search-match" (match
//     only, the benchmark's query), "bulk-index" (bulk requests of 500 new documents, item
//     errors counted by class), "crud" (index, get, update and delete of its own documents)
//     and "acked-writes" (a Verifier: every acknowledged document is read back by id);
//   - the YCSB core workloads ycsb-a to ycsb-f.
//
// The workers of one run share one engines/elasticsearch Client (keep-alive connections,
// one per worker), and never retry: an operation that fails counts as one error,
// classified (see Classify).
package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	eng "github.com/dbharness/dbharness/engines/elasticsearch"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// Database is the engine name these workloads run against.
const Database = "elasticsearch"

func init() {
	workloads.RegisterDataset(Documents{})
	for _, w := range []workloads.Workload{Search{}, Search{MatchOnly: true}, BulkIndex{}, CRUD{}, AckedWrites{}} {
		workloads.Register(w)
	}
	ycsb.RegisterDB(Database, YCSB{})
}

// The documents dataset.
const (
	DocumentsName     = "documents"
	DocumentsIndex    = "dbh-documents"
	DocumentsPerScale = 10000
	loadBatch         = 1000
)

// words is the vocabulary of titles and bodies; picks are skewed (the first words are the
// common ones), so match queries find a few or many documents.
var words = []string{
	"steel", "garden", "lamp", "wireless", "coffee", "leather", "bag", "organic", "tea", "running",
	"shoe", "wooden", "chair", "glass", "bottle", "cotton", "shirt", "travel", "mug", "solar",
	"charger", "vintage", "clock", "ceramic", "bowl", "bamboo", "brush", "silk", "scarf", "copper",
	"kettle", "linen", "towel", "marble", "table", "wool", "blanket", "smart", "watch", "portable",
	"speaker", "hiking", "boots", "electric", "bike", "classic", "camera", "kitchen", "knife", "desk",
	"notebook", "pencil", "paper", "canvas", "print", "velvet", "pillow", "rubber", "ball", "plastic",
	"box", "silver", "ring", "golden", "necklace", "crystal", "vase", "outdoor", "tent", "winter",
	"jacket", "summer", "hat", "digital", "frame", "mini", "drone", "retro", "radio", "premium",
}

var (
	categories = []string{"home", "garden", "kitchen", "fashion", "sports", "electronics", "books", "toys", "beauty", "travel"}
	tags       = []string{"new", "sale", "eco", "gift", "limited", "bestseller", "handmade", "imported", "local", "premium", "bundle", "clearance"}
	countries  = []string{"DE", "FR", "US", "JP", "BR", "IN", "IT", "ES", "SE", "CA"}
	epoch      = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

// documentsMapping is the index of the documents dataset.
func documentsMapping(replicas int) map[string]any {
	return map[string]any{
		"settings": map[string]any{
			"number_of_shards": 1, "number_of_replicas": replicas,
			// Note: every query phase is logged, so the slowlog analysis sees each query shape.
			"index.search.slowlog.threshold.query.warn": "0ms",
		},
		"mappings": map[string]any{
			"dynamic": "strict",
			"properties": map[string]any{
				"title":    map[string]any{"type": "text", "fields": map[string]any{"raw": map[string]any{"type": "keyword"}}},
				"body":     map[string]any{"type": "text"},
				"category": map[string]any{"type": "keyword"},
				"tags":     map[string]any{"type": "keyword"},
				"price":    map[string]any{"type": "double"},
				"stock":    map[string]any{"type": "integer"},
				"created":  map[string]any{"type": "date"},
				"seq":      map[string]any{"type": "long"},
				"author": map[string]any{"properties": map[string]any{
					"name":    map[string]any{"type": "keyword"},
					"country": map[string]any{"type": "keyword"},
				}},
				"reviews": map[string]any{"type": "nested", "properties": map[string]any{
					"stars": map[string]any{"type": "integer"},
					"user":  map[string]any{"type": "keyword"},
				}},
			},
		},
	}
}

// word picks a word, skewed to the first ones.
func word(rng *rand.Rand) string {
	i := int(float64(len(words)) * rng.Float64() * rng.Float64())
	return words[i]
}

// document makes document seq of the dataset (the same one for the same seq).
func document(seq int64) map[string]any {
	rng := rand.New(rand.NewPCG(uint64(seq), 7))
	title := word(rng) + " " + word(rng) + " " + word(rng)
	var body bytes.Buffer
	for i := range 20 + rng.IntN(30) {
		if i > 0 {
			body.WriteByte(' ')
		}
		body.WriteString(word(rng))
	}
	nt := 1 + rng.IntN(3)
	tg := make([]string, nt)
	for i := range tg {
		tg[i] = tags[rng.IntN(len(tags))]
	}
	reviews := make([]map[string]any, rng.IntN(4))
	for i := range reviews {
		reviews[i] = map[string]any{"stars": 1 + rng.IntN(5), "user": "u" + strconv.Itoa(rng.IntN(5000))}
	}
	return map[string]any{
		"title": title, "body": body.String(),
		"category": categories[rng.IntN(len(categories))], "tags": tg,
		"price": float64(rng.IntN(100000)) / 100, "stock": rng.IntN(500),
		"created": epoch.Add(time.Duration(rng.IntN(365*24)) * time.Hour).Format(time.RFC3339),
		"seq":     seq,
		"author":  map[string]any{"name": "author-" + strconv.Itoa(rng.IntN(300)), "country": countries[rng.IntN(len(countries))]},
		"reviews": reviews,
	}
}

// Documents is the documents dataset.
type Documents struct{}

var _ workloads.Dataset = Documents{}

func (Documents) Name() string     { return DocumentsName }
func (Documents) Database() string { return Database }
func (Documents) Description() string {
	return fmt.Sprintf("products in index %s (text, keywords, numbers, dates, an object, a nested array): scale N = N×%d documents, slowlog query threshold 0ms", DocumentsIndex, DocumentsPerScale)
}

// Load drops the index, makes it again (one replica where the cluster has two data nodes or
// more) and bulk-loads the documents with ids 0..n-1; progress gets documents written.
func (Documents) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("documents dataset: scale must be at least 1, got %d", scale)
	}
	c, err := connect(t, 4)
	if err != nil {
		return fmt.Errorf("documents dataset: %w", err)
	}
	defer c.Close()
	if err := recreate(ctx, c, DocumentsIndex, documentsMapping); err != nil {
		return fmt.Errorf("documents dataset: %w", err)
	}
	total := int64(scale) * DocumentsPerScale
	var buf bytes.Buffer
	for start := int64(0); start < total; start += loadBatch {
		end := min(start+loadBatch, total)
		buf.Reset()
		for seq := start; seq < end; seq++ {
			appendIndex(&buf, DocumentsIndex, strconv.FormatInt(seq, 10), document(seq))
		}
		res, err := bulk(ctx, c, buf.Bytes())
		if err != nil {
			return fmt.Errorf("documents dataset: bulk of documents %d..%d at %s: %w", start, end-1, t.Address(), err)
		}
		if res.failed > 0 {
			return fmt.Errorf("documents dataset: bulk of documents %d..%d at %s: %d items failed, the first: %s", start, end-1, t.Address(), res.failed, res.first)
		}
		if progress != nil {
			progress(end, total)
		}
	}
	if _, err := c.Do(ctx, http.MethodPost, "/"+DocumentsIndex+"/_refresh", nil); err != nil {
		return fmt.Errorf("documents dataset: refresh: %w", err)
	}
	return nil
}

// connect makes the client of a run; conns is how many connections it keeps per node.
func connect(t workloads.Target, conns int) (*eng.Client, error) {
	tg, err := eng.ParseDSN(t.DSN)
	if err != nil {
		return nil, err
	}
	return eng.NewClient(tg, eng.WithConnections(max(conns, 2)), eng.WithTimeout(60*time.Second)), nil
}

// recreate drops an index and makes it with the body mapping(replicas) returns.
func recreate(ctx context.Context, c *eng.Client, index string, mapping func(replicas int) map[string]any) error {
	if _, err := c.Do(ctx, http.MethodDelete, "/"+index+"?ignore_unavailable=true", nil); err != nil {
		return fmt.Errorf("drop index %s: %w", index, err)
	}
	h, err := c.ClusterHealth(ctx, "")
	if err != nil {
		return err
	}
	replicas := 0
	if h.DataNodes > 1 {
		replicas = 1
	}
	if _, err := c.Do(ctx, http.MethodPut, "/"+index, mapping(replicas)); err != nil {
		return fmt.Errorf("create index %s: %w", index, err)
	}
	// The shards must be assigned before the first bulk, or it waits a minute for them.
	if _, err := c.Do(ctx, http.MethodGet, "/_cluster/health/"+index+"?wait_for_status=yellow&timeout=60s", nil); err != nil {
		return fmt.Errorf("wait for the shards of %s: %w", index, err)
	}
	return nil
}

// appendIndex appends a bulk index action and its document.
func appendIndex(buf *bytes.Buffer, index, id string, doc any) {
	fmt.Fprintf(buf, `{"index":{"_index":%q,"_id":%q}}`+"\n", index, id)
	b, _ := json.Marshal(doc)
	buf.Write(b)
	buf.WriteByte('\n')
}
