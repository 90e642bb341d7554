package elasticsearch

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// OtherIndices is the index label of the indices past indices.limit, summed.
const OtherIndices = "(other)"

type indexField struct {
	m     catalog.Metric
	path  []string
	scale float64
}

var indexLabel = []string{"index"}

func indexStat(name string, typ catalog.Type, unit catalog.Unit, path string, scale float64, help string) indexField {
	return indexField{metric(name, typ, unit, indexLabel, "_stats.indices.*.total."+path, help), strings.Split(path, "."), scale}
}

// indexFields are read from each index's "total" (primaries and replicas).
var indexFields = []indexField{
	indexStat("elasticsearch_index_docs", catalog.Gauge, catalog.None, "docs.count", 1, "Documents of the index, replicas included."),
	indexStat("elasticsearch_index_store_size_bytes", catalog.Gauge, catalog.Bytes, "store.size_in_bytes", 1, "Size of the index on disk, replicas included."),
	indexStat("elasticsearch_index_segments_count", catalog.Gauge, catalog.None, "segments.count", 1, "Lucene segments of the index."),
	indexStat("elasticsearch_index_indexing_index_total", catalog.Counter, catalog.None, "indexing.index_total", 1, "Documents indexed into the index."),
	indexStat("elasticsearch_index_indexing_index_time_seconds_total", catalog.Counter, catalog.Seconds, "indexing.index_time_in_millis", 1e-3, "Time spent indexing into the index."),
	indexStat("elasticsearch_index_search_query_total", catalog.Counter, catalog.None, "search.query_total", 1, "Query phases run on the index's shards."),
	indexStat("elasticsearch_index_search_query_time_seconds_total", catalog.Counter, catalog.Seconds, "search.query_time_in_millis", 1e-3, "Time spent in query phases on the index."),
	indexStat("elasticsearch_index_search_fetch_total", catalog.Counter, catalog.None, "search.fetch_total", 1, "Fetch phases run on the index's shards."),
	indexStat("elasticsearch_index_refresh_total", catalog.Counter, catalog.None, "refresh.total", 1, "Refreshes of the index."),
	indexStat("elasticsearch_index_merges_total", catalog.Counter, catalog.None, "merges.total", 1, "Segment merges of the index."),
}

func init() {
	for _, f := range indexFields {
		catalog.Register(f.m)
	}
}

// indicesStats scrapes _stats: per index, the limit largest by store size; the others are
// summed under "(other)" so the series stay bounded whatever the cluster holds. Hidden and
// system indices (a leading dot) are left out.
type indicesStats struct{ limit int }

func (indicesStats) Name() string { return "indices_stats" }

func (s indicesStats) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	var body struct {
		Indices map[string]struct {
			Total map[string]any `json:"total"`
		} `json:"indices"`
	}
	if err := c.Client.JSON(ctx, http.MethodGet, "/_stats/docs,store,segments,indexing,search,refresh,merge", nil, &body); err != nil {
		return errScrape(s.Name(), err)
	}
	type idx struct {
		name  string
		size  float64
		total map[string]any
	}
	var all []idx
	for name, i := range body.Indices {
		if strings.HasPrefix(name, ".") {
			continue
		}
		size, _ := number(i.Total, "store", "size_in_bytes")
		all = append(all, idx{name, size, i.Total})
	}
	slices.SortFunc(all, func(a, b idx) int {
		if c := cmp.Compare(b.size, a.size); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	limit := max(s.limit, 1)
	var errs []error
	other := make([]float64, len(indexFields))
	var others bool
	for i, x := range all {
		for j, f := range indexFields {
			v, ok := number(x.total, f.path...)
			if !ok {
				continue
			}
			if i < limit {
				errs = append(errs, e.Emit(f.m.Name, v*f.scale, x.name))
			} else {
				other[j] += v * f.scale
				others = true
			}
		}
	}
	if others {
		for j, f := range indexFields {
			errs = append(errs, e.Emit(f.m.Name, other[j], OtherIndices))
		}
	}
	return errors.Join(errs...)
}
