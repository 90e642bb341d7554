package elasticsearch

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	eng "github.com/dbharness/dbharness/engines/elasticsearch"
	"github.com/dbharness/dbharness/workloads"
)

// Search is a mix of the searches applications send, over the documents dataset. The zero
// value is the registered "search"; MatchOnly is "search-match", one match query on the
// title, the query of the benchmark against esrally.
type Search struct {
	MatchOnly bool
	errorClasses
}

var (
	_ workloads.Workload        = Search{}
	_ workloads.Preparer        = Search{}
	_ workloads.ErrorClassifier = Search{}
)

// The operations of search, in order.
const (
	opMatch = iota
	opTerm
	opBool
	opRange
	opAggregation
	opPage
	opGet
)

func (s Search) Name() string {
	if s.MatchOnly {
		return "search-match"
	}
	return "search"
}
func (Search) Database() string { return Database }
func (Search) Dataset() string  { return DocumentsName }
func (s Search) Description() string {
	if s.MatchOnly {
		return "a match query on the title of the documents dataset (a skewed word), 10 hits"
	}
	return "searches of the documents dataset: match, term, bool with filters, range, aggregations (terms, date histogram, percentiles), search_after paging, get by id"
}

func (s Search) Operations() []workloads.Operation {
	if s.MatchOnly {
		return []workloads.Operation{{Name: "match", Weight: 1}}
	}
	return []workloads.Operation{
		{Name: "match", Weight: 30}, {Name: "term", Weight: 15}, {Name: "bool", Weight: 15}, {Name: "range", Weight: 10},
		{Name: "aggregation", Weight: 10}, {Name: "page", Weight: 10}, {Name: "get", Weight: 10},
	}
}

// Prepare counts the dataset's documents (the get and page operations draw from them).
func (s Search) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	c, err := connect(t, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	n, err := countDocuments(ctx, c, s.Name(), t)
	if err != nil {
		c.Close()
		return nil, err
	}
	return &searchRun{Search: s, c: c, docs: n}, nil
}

// countDocuments is the documents dataset's size; the error says to load it.
func countDocuments(ctx context.Context, c *eng.Client, workload string, t workloads.Target) (int64, error) {
	var n struct{ Count int64 }
	err := c.JSON(ctx, http.MethodGet, "/"+DocumentsIndex+"/_count", nil, &n)
	var e *eng.Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound || err == nil && n.Count == 0 {
		return 0, fmt.Errorf("%s: index %s at %s is missing or empty: load the %q dataset first", workload, DocumentsIndex, t.Address(), DocumentsName)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: count the documents at %s: %w", workload, t.Address(), err)
	}
	return n.Count, nil
}

func (s Search) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := s.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type searchRun struct {
	Search
	c    *eng.Client
	docs int64
}

func (r *searchRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	return &searchWorker{r: r}, nil
}

type searchWorker struct{ r *searchRun }

type obj = map[string]any

// searchPath asks for no total hit count beyond 1,000 (what applications do by default).
const searchPath = "/" + DocumentsIndex + "/_search"

func (w *searchWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	if w.r.MatchOnly {
		op = opMatch
	}
	c := w.r.c
	var body obj
	switch op {
	case opMatch:
		body = obj{"query": obj{"match": obj{"title": word(rng)}}, "size": 10}
	case opTerm:
		body = obj{"query": obj{"term": obj{"tags": tags[rng.IntN(len(tags))]}}, "size": 10}
	case opBool:
		body = obj{"query": obj{"bool": obj{
			"must":   []any{obj{"match": obj{"body": word(rng)}}},
			"filter": []any{obj{"term": obj{"category": categories[rng.IntN(len(categories))]}}, obj{"range": obj{"price": obj{"lte": rng.IntN(1000)}}}},
		}}, "size": 10}
	case opRange:
		from := epoch.Add(time.Duration(rng.IntN(360*24)) * time.Hour)
		body = obj{"query": obj{"range": obj{"created": obj{"gte": from.Format(time.RFC3339), "lt": from.Add(72 * time.Hour).Format(time.RFC3339)}}},
			"size": 10, "sort": []any{obj{"created": "desc"}}}
	case opAggregation:
		body = obj{"size": 0, "query": obj{"term": obj{"category": categories[rng.IntN(len(categories))]}}, "aggs": obj{
			"tags":      obj{"terms": obj{"field": "tags", "size": 5}},
			"per_month": obj{"date_histogram": obj{"field": "created", "calendar_interval": "month"}},
			"price":     obj{"percentiles": obj{"field": "price", "percents": []float64{50, 95, 99}}},
		}}
	case opPage:
		body = obj{"size": 20, "sort": []any{obj{"seq": "asc"}}, "search_after": []any{rng.Int64N(w.r.docs)}, "query": obj{"match_all": obj{}}}
	case opGet:
		_, err := c.Do(ctx, http.MethodGet, "/"+DocumentsIndex+"/_doc/"+strconv.FormatInt(rng.Int64N(w.r.docs), 10), nil)
		return err
	default:
		return fmt.Errorf("search: no operation %d", op)
	}
	_, err := c.Do(ctx, http.MethodPost, searchPath, body)
	return err
}

func (w *searchWorker) Close(context.Context) error { return nil }
