package elasticsearch

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// shardStates are the states _cat/shards reports; each gets a series, 0 included.
var shardStates = []string{"STARTED", "INITIALIZING", "RELOCATING", "UNASSIGNED"}

func init() {
	catalog.Register(
		metric("elasticsearch_shards", catalog.Gauge, catalog.None, []string{"state", "prirep"}, "_cat/shards.state",
			"Shard copies by state (STARTED, INITIALIZING, RELOCATING, UNASSIGNED) and kind (p primary, r replica)."),
		metric("elasticsearch_shards_unassigned", catalog.Gauge, catalog.None, []string{"reason"}, "_cat/shards.unassigned.reason",
			"Unassigned shard copies by the reason they became unassigned (NODE_LEFT, INDEX_CREATED, ALLOCATION_FAILED, ...)."),
		metric("elasticsearch_node_shards", catalog.Gauge, catalog.None, []string{"node"}, "_cat/shards.node",
			"Shard copies each node holds (started or relocating away): how evenly the shards are spread."),
	)
}

// catShards scrapes _cat/shards: shards by state, why the unassigned ones are, and the
// shards per node.
type catShards struct{}

func (catShards) Name() string { return "cat_shards" }

func (s catShards) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	var rows []struct {
		State  string `json:"state"`
		Prirep string `json:"prirep"`
		Reason string `json:"unassigned.reason"`
		Node   string `json:"node"`
	}
	if err := c.Client.JSON(ctx, http.MethodGet, "/_cat/shards?format=json&h=state,prirep,unassigned.reason,node", nil, &rows); err != nil {
		return errScrape(s.Name(), err)
	}
	type key struct{ state, prirep string }
	byState := map[key]float64{}
	for _, st := range shardStates {
		byState[key{st, "p"}], byState[key{st, "r"}] = 0, 0
	}
	reasons := map[string]float64{}
	perNode := map[string]float64{}
	for _, r := range rows {
		byState[key{strings.ToUpper(r.State), r.Prirep}]++
		if r.Reason != "" {
			reasons[r.Reason]++
		}
		if r.Node != "" && (r.State == "STARTED" || r.State == "RELOCATING") {
			// Note: a relocating shard's node column reads "a -> ip id b"; the first word is the source.
			perNode[strings.Fields(r.Node)[0]]++
		}
	}
	var errs []error
	for _, k := range slices.SortedFunc(maps.Keys(byState), func(a, b key) int { return strings.Compare(a.state+a.prirep, b.state+b.prirep) }) {
		errs = append(errs, e.Emit("elasticsearch_shards", byState[k], k.state, k.prirep))
	}
	for _, r := range slices.Sorted(maps.Keys(reasons)) {
		errs = append(errs, e.Emit("elasticsearch_shards_unassigned", reasons[r], r))
	}
	for _, n := range slices.Sorted(maps.Keys(perNode)) {
		errs = append(errs, e.Emit("elasticsearch_node_shards", perNode[n], n))
	}
	return errors.Join(errs...)
}
