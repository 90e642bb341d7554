package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engredis "github.com/dbharness/dbharness/engines/redis"
)

var metricNodes = catalog.Metric{
	Name:     "redis_nodes",
	Type:     catalog.Gauge,
	Help:     "Nodes the collector found in the topology, by role (ROLE, CLUSTER NODES or SENTINEL MASTER and REPLICAS, asked on each scrape).",
	Labels:   []string{"role"},
	Database: Database,
	Source:   "discovery",
}

func init() { catalog.Register(metricNodes) }

// discover returns the nodes of the topology now. On a partial view (a sentinel or seed
// down) it returns what it found; the error is for when it found nothing to trust.
func (c *Collector) discover(ctx context.Context) ([]member, error) {
	switch c.target.Scheme {
	case engredis.SchemeCluster:
		return c.discoverCluster(ctx)
	case engredis.SchemeSentinel:
		return c.discoverSentinel(ctx)
	default:
		return c.discoverStandalone(ctx)
	}
}

// nodeFor returns the node of addr, making a client for it if the collector has none yet
// (a seed or a node that just joined). The caller must not hold c.mu.
func (c *Collector) nodeFor(addr string) *node {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.nodes[addr]; n != nil {
		return n
	}
	n := newNode(c.target, addr, c.cfg, c.settings.SlowlogShapes)
	c.nodes[addr] = n
	return n
}

func (c *Collector) discoverStandalone(ctx context.Context) ([]member, error) {
	addr := c.target.Addrs[0]
	role, err := roleOf(ctx, c.nodeFor(addr))
	if err != nil {
		// keep the role the last round saw, so the series keep their labels
		c.mu.Lock()
		role = RoleUnknown
		for _, m := range c.members {
			if m.addr == addr {
				role = m.role
			}
		}
		c.mu.Unlock()
		return []member{{addr: addr, role: role}}, fmt.Errorf("ROLE: %w", explain(addr, err))
	}
	return []member{{addr: addr, role: role}}, nil
}

// roleOf asks a node its role with ROLE.
func roleOf(ctx context.Context, n *node) (string, error) {
	reply, err := n.client.Do(ctx, "role").Slice()
	if err != nil {
		return "", err
	}
	if len(reply) == 0 {
		return "", errors.New("ROLE: empty reply")
	}
	switch fmt.Sprint(reply[0]) {
	case "master":
		return RolePrimary, nil
	case "slave":
		return RoleReplica, nil
	case "sentinel":
		return RoleSentinel, nil
	default:
		return RoleUnknown, nil
	}
}

// discoverCluster reads CLUSTER NODES from the first node that answers: the nodes known
// from the last round first, then the seeds of the DSN.
func (c *Collector) discoverCluster(ctx context.Context) ([]member, error) {
	c.mu.Lock()
	var tried []string
	for _, m := range c.members {
		tried = append(tried, m.addr)
	}
	c.mu.Unlock()
	for _, a := range c.target.Addrs {
		if !contains(tried, a) {
			tried = append(tried, a)
		}
	}
	var errs []error
	for _, addr := range tried {
		if ctx.Err() != nil {
			break
		}
		actx, cancel := attemptContext(ctx, c.cfg.Timeout)
		s, err := c.nodeFor(addr).client.ClusterNodes(actx).Result()
		cancel()
		if err != nil {
			errs = append(errs, explain(addr, err))
			continue
		}
		nodes, err := engredis.ParseClusterNodes(s, addr)
		if err == nil && len(nodes) == 0 {
			err = errors.New("no nodes listed")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("node %s: CLUSTER NODES: %w", addr, err))
			continue
		}
		return clusterMembers(nodes), nil
	}
	if len(errs) == 0 {
		errs = append(errs, ctx.Err())
	}
	return nil, fmt.Errorf("CLUSTER NODES: no node answered: %w", errors.Join(errs...))
}

// attemptContext bounds one node's answer during discovery to a quarter of the scrape
// timeout, so one node that hangs leaves time to ask the others.
func attemptContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, max(timeout/4, 100*time.Millisecond))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// clusterMembers turns CLUSTER NODES into members, skipping nodes without an address
// (handshake, noaddr).
func clusterMembers(nodes []engredis.ClusterNode) []member {
	addrOf := map[string]string{}
	for _, n := range nodes {
		addrOf[n.ID] = n.Addr
	}
	var out []member
	for _, n := range nodes {
		if n.Addr == "" || n.Has("handshake") || n.Has("noaddr") {
			continue
		}
		m := member{addr: n.Addr, role: RoleUnknown, cluster: true}
		switch {
		case n.Has("master"):
			m.role = RolePrimary
		case n.Has("slave"):
			m.role = RoleReplica
			m.primary = addrOf[n.Primary]
		}
		out = append(out, m)
	}
	return out
}

// discoverSentinel lists the sentinels of the DSN and, from the first that answers, the
// monitored primary and its replicas.
func (c *Collector) discoverSentinel(ctx context.Context) ([]member, error) {
	var out []member
	for _, a := range c.target.Addrs {
		out = append(out, member{addr: a, role: RoleSentinel})
	}
	var errs []error
	for _, addr := range c.target.Addrs {
		if ctx.Err() != nil {
			break
		}
		actx, cancel := attemptContext(ctx, c.cfg.Timeout)
		data, err := sentinelDataNodes(actx, c.nodeFor(addr), c.target.Primary)
		cancel()
		if err != nil {
			errs = append(errs, explain(addr, err))
			continue
		}
		return append(out, data...), nil
	}
	// Keep the data nodes of the last round: their scrapes will say whether they answer.
	c.mu.Lock()
	for _, m := range c.members {
		if !m.sentinel() {
			out = append(out, m)
		}
	}
	c.mu.Unlock()
	if len(errs) == 0 {
		errs = append(errs, ctx.Err())
	}
	return out, fmt.Errorf("SENTINEL MASTER %s: no sentinel answered: %w", c.target.Primary, errors.Join(errs...))
}

func sentinelDataNodes(ctx context.Context, n *node, name string) ([]member, error) {
	master, err := n.client.Do(ctx, "sentinel", "master", name).Slice()
	if err != nil {
		if strings.Contains(err.Error(), "No such master") {
			return nil, fmt.Errorf("the sentinel does not monitor a primary named %q (check the DSN's path): %w", name, err)
		}
		return nil, fmt.Errorf("SENTINEL MASTER %s: %w", name, err)
	}
	mm := pairs(master)
	primary := net.JoinHostPort(mm["ip"], mm["port"])
	out := []member{{addr: primary, role: RolePrimary}}
	replicas, err := n.client.Do(ctx, "sentinel", "replicas", name).Slice()
	if err != nil {
		return nil, fmt.Errorf("SENTINEL REPLICAS %s: %w", name, err)
	}
	for _, r := range replicas {
		rs, ok := r.([]any)
		if !ok {
			continue
		}
		rm := pairs(rs)
		if rm["ip"] == "" || rm["port"] == "" {
			continue
		}
		out = append(out, member{addr: net.JoinHostPort(rm["ip"], rm["port"]), role: RoleReplica, primary: primary})
	}
	return out, nil
}

// pairs reads a flat RESP2 array of field, value, field, value... as a map.
func pairs(a []any) map[string]string {
	m := make(map[string]string, len(a)/2)
	for i := 0; i+1 < len(a); i += 2 {
		m[fmt.Sprint(a[i])] = fmt.Sprint(a[i+1])
	}
	return m
}

// discoveryScraper reports the last discovery: redis_nodes by role, and the discovery
// error (a seed or sentinel that did not answer) as its own scrape failure.
type discoveryScraper struct{ c *Collector }

func (discoveryScraper) Name() string { return "discovery" }

func (d discoveryScraper) Scrape(_ context.Context, _ *Collector, e *collectors.Emitter) error {
	d.c.mu.Lock()
	members, err := d.c.members, d.c.discErr
	d.c.mu.Unlock()
	counts := map[string]float64{RolePrimary: 0, RoleReplica: 0}
	if d.c.target.Scheme == engredis.SchemeSentinel {
		counts[RoleSentinel] = 0
	}
	for _, m := range members {
		counts[m.role]++
	}
	for role, n := range counts {
		if eerr := e.Emit(metricNodes.Name, n, role); eerr != nil {
			return eerr
		}
	}
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	return nil
}
