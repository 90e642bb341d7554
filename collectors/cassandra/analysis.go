package cassandra

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/logtail"
)

// KindUnbalancedOwnership is the finding of a node that owns more of the token ring than
// an even share.
const KindUnbalancedOwnership = "unbalanced-ownership"

func init() {
	collectors.DeclareFindings(Database, collectors.FindingKind{
		Kind:    KindUnbalancedOwnership,
		Subject: "the node (host:port)",
		About: "A node whose primary token ranges cover more of the ring than ownership.unbalanced times an even share (1/nodes), " +
			"as the ring is now (system.local and system.peers_v2 of one node). With random tokens (num_tokens 16 and no " +
			"allocate_tokens_for_local_replication_factor) some imbalance is normal; a node that owns much more serves and stores " +
			"more of every table.",
		Values: []collectors.FindingValue{
			{Key: "share", Help: "the share of the token ring the node's primary ranges cover (0 to 1)"},
			{Key: "even_share", Help: "1 / nodes"},
			{Key: "share_ratio", Help: "share / even_share"},
			{Key: "tokens", Help: "tokens the node owns"},
		},
	})
}

// Collector is the Exporter plus the analysis: the nodes' logs and the token ring.
type Collector struct {
	*collectors.Exporter[*Conn]
	conn *Conn
	set  settings

	mu      sync.Mutex
	offsets map[string]int64 // each log's size at Mark
	marked  bool
}

var (
	_ collectors.Collector = (*Collector)(nil)
	_ collectors.Analyzer  = (*Collector)(nil)
)

// Mark records the end of every node's log: Analyze reads what comes after.
func (c *Collector) Mark(ctx context.Context) error {
	ends := logtail.Ends(c.conn.target.Logs)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offsets, c.marked = ends, true
	return nil
}

// Analyze reports the slow queries, tombstone-heavy reads and large partitions the nodes
// logged since Mark, and the nodes that own too much of the ring now.
func (c *Collector) Analyze(ctx context.Context) ([]collectors.Finding, error) {
	out := c.logFindings()
	own, err := c.ownership(ctx)
	if err != nil {
		return append(out, collectors.Gap(KindUnbalancedOwnership, err.Error())), nil
	}
	return append(out, own...), nil
}

func (c *Collector) logFindings() []collectors.Finding {
	logs := c.conn.target.Logs
	if len(logs) == 0 {
		reason := "the nodes' logs are files on each node: the analysis reads them only for nodes this machine runs (the native provider's DSN names them)"
		return []collectors.Finding{collectors.Gap(KindSlowQuery, reason), collectors.Gap(KindTombstoneHeavy, reason), collectors.Gap(KindLargePartition, reason)}
	}
	c.mu.Lock()
	offsets, marked := c.offsets, c.marked
	c.mu.Unlock()
	if !marked {
		offsets = map[string]int64{}
	}
	ev := newLogEvents()
	var read int64
	var problems []string
	for i, p := range logs {
		node := p
		if i < len(c.conn.target.Hosts) {
			node = c.conn.target.Hosts[i]
		}
		n, err := readLog(p, offsets[p], node, ev)
		read += n
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) == len(logs) {
		reason := strings.Join(problems, "; ")
		return []collectors.Finding{collectors.Gap(KindSlowQuery, reason), collectors.Gap(KindTombstoneHeavy, reason), collectors.Gap(KindLargePartition, reason)}
	}
	method := fmt.Sprintf("the logs of %d node(s) since Mark (%d bytes read)", len(logs), read)
	if len(problems) > 0 {
		method += "; not read: " + strings.Join(problems, "; ")
	}
	return ev.findings(method, c.set.shapes)
}

// ownership reads every node's tokens from the first node that answers and reports the
// nodes over the setting's share ratio.
func (c *Collector) ownership(ctx context.Context) ([]collectors.Finding, error) {
	var errs []string
	for _, n := range c.conn.Nodes() {
		s, err := c.conn.session(n)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		tokens := map[string][]string{}
		var local []string
		if err := s.Query("SELECT tokens FROM system.local").ScanContext(ctx, &local); err != nil {
			errs = append(errs, fmt.Sprintf("system.local at %s: %v", n, err))
			continue
		}
		tokens[n] = local
		err = rows(ctx, s, "SELECT native_address, native_port, tokens FROM system.peers_v2", func(r map[string]any) {
			addr := net.JoinHostPort(str(r["native_address"]), str(r["native_port"]))
			if ts, ok := r["tokens"].([]string); ok {
				tokens[addr] = ts
			}
		})
		if err != nil {
			errs = append(errs, fmt.Sprintf("system.peers_v2 at %s: %v", n, err))
			continue
		}
		shares, err := ownershipShares(tokens)
		if err != nil {
			return nil, fmt.Errorf("the ring as %s sees it: %w", n, err)
		}
		return unbalanced(shares, tokens, c.set.unbalanced, fmt.Sprintf("the tokens of %d node(s) in system.local and system.peers_v2 of %s", len(tokens), n)), nil
	}
	return nil, fmt.Errorf("no node answered: %s", strings.Join(errs, "; "))
}

// ownershipShares is the share of the Murmur3 token ring each node's primary ranges cover:
// a token owns the range from the token before it (exclusive), the first one wraps around.
func ownershipShares(tokens map[string][]string) (map[string]float64, error) {
	type owned struct {
		t    int64
		node string
	}
	var all []owned
	for node, ts := range tokens {
		for _, s := range ts {
			t, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("node %s: token %q is not a Murmur3 token (the analysis knows only Murmur3Partitioner)", node, s)
			}
			all = append(all, owned{t, node})
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no node has tokens")
	}
	slices.SortFunc(all, func(a, b owned) int { return cmp.Compare(a.t, b.t) })
	shares := map[string]float64{}
	for i, o := range all {
		prev := all[(i+len(all)-1)%len(all)].t
		// Note: the difference wraps in uint64 exactly as the ring does; one token alone
		// owns the whole ring (a difference of 0 means 2^64).
		width := float64(uint64(o.t) - uint64(prev))
		if len(all) == 1 {
			width = math.Exp2(64)
		}
		shares[o.node] += width / math.Exp2(64)
	}
	return shares, nil
}

// unbalanced is a finding for each node whose share is over ratio times an even share.
func unbalanced(shares map[string]float64, tokens map[string][]string, ratio float64, method string) []collectors.Finding {
	even := 1 / float64(len(shares))
	var out []collectors.Finding
	for _, node := range sortedKeys(shares) {
		share := shares[node]
		if share <= ratio*even {
			continue
		}
		out = append(out, collectors.Finding{Kind: KindUnbalancedOwnership, Subject: node, Node: node, Method: method,
			Summary: fmt.Sprintf("owns %.1f%% of the token ring, %.2f times an even share of %.1f%% (%d tokens)", 100*share, share/even, 100*even, len(tokens[node])),
			Values:  map[string]float64{"share": share, "even_share": even, "share_ratio": share / even, "tokens": float64(len(tokens[node]))}})
	}
	return out
}
