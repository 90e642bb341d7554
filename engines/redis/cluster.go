package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// Note: the cluster is created in Go (CLUSTER ADDSLOTSRANGE, MEET, REPLICATE) rather than with
// `redis-cli --cluster create`: no dependency on redis-cli (a docker node need not have it
// on the host), no fixed one-second sleeps inside redis-cli, and when the cluster does not
// come up the error can say which node saw what.

// ClusterNode is one line of CLUSTER NODES.
type ClusterNode struct {
	ID      string
	Addr    string   // host:port clients use, without the bus port; "" when unknown
	Flags   []string // myself, master, slave, fail?, fail, handshake, noaddr, ...
	Primary string   // the primary's ID for a replica, "-" for a primary
	Epoch   int64    // config epoch
	Link    string   // connected or disconnected
	Slots   [][2]int // slot ranges served, first and last
}

// Has says whether the node has a flag.
func (c ClusterNode) Has(flag string) bool { return slices.Contains(c.Flags, flag) }

// SlotCount is the number of slots the node serves.
func (c ClusterNode) SlotCount() int {
	n := 0
	for _, r := range c.Slots {
		n += r[1] - r[0] + 1
	}
	return n
}

// ParseClusterNodes reads CLUSTER NODES as the node at asked answered it (asked may be ""):
// <id> <ip:port@cport[,hostname]> <flags> <primary> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> ...
// A node that does not know its own address yet (":7000") gets asked's, when the ports match.
func ParseClusterNodes(text, asked string) ([]ClusterNode, error) {
	var out []ClusterNode
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 8 {
			return nil, fmt.Errorf("CLUSTER NODES line %q has %d fields, want at least 8", cut(line), len(f))
		}
		n := ClusterNode{ID: f[0], Flags: strings.Split(f[2], ","), Primary: f[3], Link: f[7]}
		addr, _, _ := strings.Cut(f[1], "@")
		addr, _, _ = strings.Cut(addr, ",")
		host, port, err := net.SplitHostPort(addr)
		switch {
		case err != nil || port == "" || port == "0":
		case host == "" && n.Has("myself"):
			if _, myPort, _ := net.SplitHostPort(asked); myPort == port {
				n.Addr = asked
			}
		case host != "":
			n.Addr = net.JoinHostPort(host, port)
		}
		n.Epoch, _ = strconv.ParseInt(f[6], 10, 64)
		for _, s := range f[8:] {
			if strings.HasPrefix(s, "[") { // a slot being migrated or imported
				continue
			}
			lo, hi, isRange := strings.Cut(s, "-")
			a, err1 := strconv.Atoi(lo)
			b := a
			var err2 error
			if isRange {
				b, err2 = strconv.Atoi(hi)
			}
			if err1 != nil || err2 != nil || a < 0 || b >= SlotCount || a > b {
				return nil, fmt.Errorf("CLUSTER NODES line %q: bad slot range %q", cut(line), s)
			}
			n.Slots = append(n.Slots, [2]int{a, b})
		}
		out = append(out, n)
	}
	return out, nil
}

// cut shortens a line for an error message.
func cut(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// clusterNodes asks one node for its view of the cluster.
func (in *instance) clusterNodes(ctx context.Context, addr string) ([]ClusterNode, error) {
	c := in.nodeClient(addr)
	defer c.Close()
	text, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER NODES at %s: %s", addr, engines.RedactDSN(err.Error()))
	}
	return ParseClusterNodes(text, addr)
}

// createCluster joins the started data nodes into a cluster: primaries get an even share of
// the slots, every node meets node-1, replicas follow their primaries. It waits until every
// node reports cluster_state:ok, agrees on who replicates whom, and every replica is in sync.
func (in *instance) createCluster(ctx context.Context, pl *plan) error {
	data := in.dataNodes()
	ids := make([]string, len(data))
	for i, n := range data {
		c := in.nodeClient(n.Addr)
		id, err := c.ClusterMyID(ctx).Result()
		if err == nil {
			// Distinct epochs up front spare the nodes an epoch-collision round (redis-cli does the same).
			_ = c.Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err()
			if i < pl.primaries {
				lo, hi := i*SlotCount/pl.primaries, (i+1)*SlotCount/pl.primaries-1
				err = c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err()
				if err != nil && strings.Contains(strings.ToLower(err.Error()), "unknown subcommand") {
					// Redis before 7.0 has ADDSLOTS only.
					args := []any{"CLUSTER", "ADDSLOTS"}
					for s := lo; s <= hi; s++ {
						args = append(args, s)
					}
					err = c.Do(ctx, args...).Err()
				}
			}
		}
		c.Close()
		if err != nil {
			return in.clusterError(ctx, fmt.Errorf("set up %s at %s: %s", n.Name, n.Addr, engines.RedactDSN(err.Error())))
		}
		ids[i] = id
	}
	// Every pair meets directly: waiting for gossip to introduce node-6 to node-2 costs
	// seconds, a MEET costs a round trip.
	for i, a := range data {
		for _, b := range data[i+1:] {
			host, port, _ := net.SplitHostPort(b.Addr)
			c := in.nodeClient(a.Addr)
			err := c.ClusterMeet(ctx, host, port).Err()
			c.Close()
			if err != nil {
				return in.clusterError(ctx, fmt.Errorf("CLUSTER MEET %s from %s: %s", b.Name, a.Name, engines.RedactDSN(err.Error())))
			}
		}
	}
	// A replica can follow its primary as soon as it knows it; the rest of the cluster
	// learns the new role by gossip.
	following := make([]bool, len(data))
	err := poll(ctx, 20*time.Millisecond, func(ctx context.Context) error {
		for i := pl.primaries; i < len(data); i++ {
			if following[i] {
				continue
			}
			c := in.nodeClient(data[i].Addr)
			err := c.ClusterReplicate(ctx, ids[pl.primaryOf(i)]).Err()
			c.Close()
			if err != nil {
				return fmt.Errorf("CLUSTER REPLICATE %s on %s: %s", data[pl.primaryOf(i)].Name, data[i].Name, engines.RedactDSN(err.Error()))
			}
			following[i] = true
		}
		return nil
	})
	if err != nil {
		return in.clusterError(ctx, fmt.Errorf("replicas could not follow their primaries: %w", err))
	}
	err = poll(ctx, 50*time.Millisecond, func(ctx context.Context) error {
		for _, n := range data {
			c := in.nodeClient(n.Addr)
			info, err := c.ClusterInfo(ctx).Result()
			c.Close()
			if err != nil {
				return fmt.Errorf("CLUSTER INFO at %s: %s", n.Name, engines.RedactDSN(err.Error()))
			}
			if st := infoField(info, "cluster_state"); st != "ok" {
				return fmt.Errorf("%s reports cluster_state:%s", n.Name, st)
			}
			if k := infoField(info, "cluster_known_nodes"); k != fmt.Sprint(len(data)) {
				return fmt.Errorf("%s knows %s of %d nodes", n.Name, k, len(data))
			}
		}
		for _, r := range data[pl.primaries:] {
			if err := in.replicaSynced(ctx, r); err != nil {
				return fmt.Errorf("replica %s: %w", r.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return in.clusterError(ctx, fmt.Errorf("the cluster did not become ready: %w", err))
	}
	return nil
}

// clusterError adds what each node says (CLUSTER INFO) and the last lines of its log to err,
// so a cluster that never comes up can be diagnosed from the error alone.
func (in *instance) clusterError(ctx context.Context, err error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var b strings.Builder
	for _, n := range in.dataNodes() {
		c := in.nodeClient(n.Addr)
		info, ierr := c.ClusterInfo(ctx).Result()
		c.Close()
		if ierr != nil {
			info = "(CLUSTER INFO failed: " + engines.RedactDSN(ierr.Error()) + ")"
		}
		fmt.Fprintf(&b, "\n--- CLUSTER INFO of %s at %s ---\n%s", n.Name, n.Addr, strings.TrimSpace(keepLines(info, "cluster_state", "cluster_slots_assigned", "cluster_slots_ok", "cluster_slots_pfail", "cluster_slots_fail", "cluster_known_nodes", "cluster_size", "cluster_current_epoch")))
		if n.Managed() {
			fmt.Fprintf(&b, "\n--- last lines of %s's log ---\n%s", n.Name, n.LogTail(8))
		}
	}
	return fmt.Errorf("redis cluster: %w%s", err, b.String())
}

// keepLines keeps the lines of an INFO reply that start with one of the names (all lines if
// the reply is not INFO-shaped).
func keepLines(info string, names ...string) string {
	if !strings.Contains(info, ":") {
		return info
	}
	var kept []string
	for line := range strings.Lines(info) {
		k, _, _ := strings.Cut(strings.TrimSpace(line), ":")
		if slices.Contains(names, k) {
			kept = append(kept, strings.TrimSpace(line))
		}
	}
	return strings.Join(kept, "\n")
}

var errNoSlotOwner = errors.New("no reachable primary serves it")
