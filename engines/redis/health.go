package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines"
)

func (in *instance) sentinelClient(addr string) *goredis.SentinelClient {
	return goredis.NewSentinelClient(&goredis.Options{Addr: addr, Password: in.target.Password,
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: -1, PoolSize: 1,
		Protocol: 2, DisableIdentity: true})
}

// waitSentinels waits until every sentinel monitors the primary, knows its replicas and the
// other sentinels: before that a failover cannot happen.
func (in *instance) waitSentinels(ctx context.Context, pl *plan) error {
	err := poll(ctx, 50*time.Millisecond, func(ctx context.Context) error {
		for _, s := range in.sentinelNodes() {
			c := in.sentinelClient(s.Addr)
			m, err := c.Master(ctx, PrimaryName).Result()
			c.Close()
			if err != nil {
				return fmt.Errorf("SENTINEL MASTER at %s: %s", s.Name, engines.RedactDSN(err.Error()))
			}
			if m["flags"] != "master" {
				return fmt.Errorf("%s sees the primary with flags %s", s.Name, m["flags"])
			}
			if m["num-slaves"] != fmt.Sprint(pl.replicas) {
				return fmt.Errorf("%s knows %s of %d replicas", s.Name, m["num-slaves"], pl.replicas)
			}
			if m["num-other-sentinels"] != fmt.Sprint(pl.sentinels-1) {
				return fmt.Errorf("%s knows %s of %d other sentinels", s.Name, m["num-other-sentinels"], pl.sentinels-1)
			}
		}
		return nil
	})
	if err != nil {
		var tails strings.Builder
		for _, s := range in.sentinelNodes() {
			fmt.Fprintf(&tails, "\n--- last lines of %s's log ---\n%s", s.Name, s.LogTail(8))
		}
		return fmt.Errorf("redis sentinel: the sentinels did not take up the group: %w%s", err, tails.String())
	}
	return nil
}

// sentinelPrimary asks the sentinels, in order, where the primary is; the first answer wins.
func (in *instance) sentinelPrimary(ctx context.Context) (string, error) {
	var errs []string
	for _, s := range in.sentinelNodes() {
		if !s.Reachable() {
			errs = append(errs, s.Name+" is "+s.State().String())
			continue
		}
		c := in.sentinelClient(s.Addr)
		hp, err := c.GetMasterAddrByName(ctx, in.target.Primary).Result()
		c.Close()
		if err != nil || len(hp) != 2 {
			errs = append(errs, fmt.Sprintf("%s at %s: %v", s.Name, s.Addr, err))
			continue
		}
		return net.JoinHostPort(hp[0], hp[1]), nil
	}
	return "", fmt.Errorf("redis sentinel: no sentinel names the primary %q: %s", in.target.Primary, strings.Join(errs, "; "))
}

// Primary is the node clients write to now: node-1 of a standalone server, the node the
// others replicate from on a replicated topology, the sentinels' answer on a sentinel one,
// and on a cluster the primary of the group "slot N".
func (in *instance) Primary(ctx context.Context, group string) (Node, error) {
	if group != "" {
		slot, ok := parseSlotKey(group)
		if !ok {
			return Node{}, fmt.Errorf("redis: unknown group %q: name a slot, e.g. \"slot 0\"", group)
		}
		return in.PrimaryForSlot(ctx, slot)
	}
	switch in.topology {
	case Standalone:
		n := in.dataNodes()[0]
		return Node{Name: n.Name, Addr: n.Addr, Role: in.role(ctx, n)}, nil
	case Replicated:
		in.mu.Lock()
		n := in.dataNodes()[in.primary]
		in.mu.Unlock()
		return Node{Name: n.Name, Addr: n.Addr, Role: in.role(ctx, n)}, nil
	case Sentinel:
		addr, err := in.sentinelPrimary(ctx)
		if err != nil {
			return Node{}, err
		}
		n, ok := in.byAddr(addr)
		if !ok {
			return Node{Name: addr, Addr: addr, Role: RolePrimary}, nil // a node we did not start
		}
		return Node{Name: n.Name, Addr: n.Addr, Role: in.role(ctx, n)}, nil
	}
	return Node{}, errNameASlot
}

// PrimaryForSlot is the node serving slot now: on a cluster, as the first node that answers
// CLUSTER SLOTS says; on any other topology, the primary.
func (in *instance) PrimaryForSlot(ctx context.Context, slot int) (Node, error) {
	if slot < 0 || slot >= SlotCount {
		return Node{}, fmt.Errorf("redis: slot %d is out of range 0..%d", slot, SlotCount-1)
	}
	if in.topology != Cluster {
		return in.Primary(ctx, "")
	}
	var errs []string
	for _, n := range in.dataNodes() {
		if !n.Reachable() {
			continue
		}
		c := in.nodeClient(n.Addr)
		slots, err := c.ClusterSlots(ctx).Result()
		c.Close()
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %s", n.Name, engines.RedactDSN(err.Error())))
			continue
		}
		for _, s := range slots {
			if s.Start <= slot && slot <= s.End && len(s.Nodes) > 0 {
				p, ok := in.byAddr(s.Nodes[0].Addr)
				if !ok {
					return Node{Name: s.Nodes[0].Addr, Addr: s.Nodes[0].Addr, Role: RolePrimary}, nil
				}
				return Node{Name: p.Name, Addr: p.Addr, Role: in.role(ctx, p)}, nil
			}
		}
		return Node{}, fmt.Errorf("redis cluster: slot %d: %w (CLUSTER SLOTS at %s)", slot, errNoSlotOwner, n.Name)
	}
	return Node{}, fmt.Errorf("redis cluster: slot %d: no node answers CLUSTER SLOTS: %s", slot, strings.Join(errs, "; "))
}

// Healthy says whether the topology serves fully; the error says what is wrong.
func (in *instance) Healthy(ctx context.Context) error {
	select {
	case <-in.set.Done():
		if err := in.Err(); err != nil {
			return err
		}
		return fmt.Errorf("redis %s: the instance has stopped", in.topology)
	default:
	}
	switch in.topology {
	case Cluster:
		return in.clusterHealthy(ctx)
	case Sentinel:
		return in.sentinelHealthy(ctx)
	}
	p, err := in.Primary(ctx, "")
	if err != nil {
		return err
	}
	if err := in.pingNode(ctx, p.Name, p.Addr); err != nil {
		return err
	}
	var problems []string
	for _, n := range in.dataNodes() {
		if n.Addr == p.Addr {
			continue
		}
		if !n.Reachable() {
			problems = append(problems, fmt.Sprintf("replica %s at %s is %s", n.Name, n.Addr, n.State()))
			continue
		}
		if err := in.replicaOf(ctx, n, p.Addr); err != nil {
			problems = append(problems, fmt.Sprintf("replica %s at %s: %v", n.Name, n.Addr, err))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("redis %s: %s", in.topology, strings.Join(problems, "; "))
	}
	return nil
}

func (in *instance) pingNode(ctx context.Context, name, addr string) error {
	if n, ok := in.byAddr(addr); ok && !n.Reachable() {
		return fmt.Errorf("redis %s: primary %s at %s is %s", in.topology, name, addr, n.State())
	}
	c := in.nodeClient(addr)
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis %s: primary %s at %s does not answer PING: %s", in.topology, name, addr, engines.RedactDSN(err.Error()))
	}
	return nil
}

// replicaOf checks that n replicates from primary and its link is up.
func (in *instance) replicaOf(ctx context.Context, n *node, primary string) error {
	if err := in.replicaSynced(ctx, n); err != nil {
		return err
	}
	c := in.nodeClient(n.Addr)
	defer c.Close()
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return fmt.Errorf("INFO replication: %s", engines.RedactDSN(err.Error()))
	}
	if got := net.JoinHostPort(infoField(info, "master_host"), infoField(info, "master_port")); got != primary {
		return fmt.Errorf("replicates from %s, not from the primary %s", got, primary)
	}
	return nil
}

func (in *instance) clusterHealthy(ctx context.Context) error {
	type answer struct {
		n     *node
		state string
		view  []ClusterNode
		err   error
	}
	data := in.dataNodes()
	answers := make([]answer, len(data))
	var wg sync.WaitGroup
	for i, n := range data {
		answers[i].n = n
		if !n.Reachable() {
			answers[i].err = fmt.Errorf("%s", n.State())
			continue
		}
		wg.Go(func() {
			c := in.nodeClient(n.Addr)
			defer c.Close()
			info, err := c.ClusterInfo(ctx).Result()
			if err != nil {
				answers[i].err = err
				return
			}
			answers[i].state = infoField(info, "cluster_state")
			answers[i].view, answers[i].err = in.clusterNodes(ctx, n.Addr)
		})
	}
	wg.Wait()
	var problems []string
	reachable := map[string]bool{}
	var view []ClusterNode
	for _, a := range answers {
		if a.err != nil {
			continue
		}
		reachable[a.n.Addr] = true
		if view == nil {
			view = a.view
		}
		if a.state != "ok" {
			problems = append(problems, fmt.Sprintf("%s at %s reports cluster_state:%s", a.n.Name, a.n.Addr, a.state))
		}
	}
	if len(reachable) == 0 {
		return fmt.Errorf("redis cluster: no node answers")
	}
	var covered [SlotCount]bool
	unserved := map[string][]string{} // dead primary -> its ranges
	for _, v := range view {
		if !v.Has("master") {
			continue
		}
		for _, r := range v.Slots {
			if reachable[v.Addr] && !v.Has("fail") {
				for s := r[0]; s <= r[1]; s++ {
					covered[s] = true
				}
				continue
			}
			who := v.Addr
			if n, ok := in.byAddr(v.Addr); ok {
				who = n.Name + " at " + n.Addr
			}
			unserved[who] = append(unserved[who], fmt.Sprintf("%d-%d", r[0], r[1]))
		}
	}
	for who, ranges := range unserved {
		problems = append(problems, fmt.Sprintf("slots %s are served by %s, which does not answer", strings.Join(ranges, ","), who))
	}
	if n := countFalse(covered[:]); n > 0 && len(unserved) == 0 {
		problems = append(problems, fmt.Sprintf("%d of %d slots have no primary", n, SlotCount))
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("redis cluster: %s", strings.Join(problems, "; "))
	}
	return nil
}

func countFalse(bs []bool) int {
	n := 0
	for _, b := range bs {
		if !b {
			n++
		}
	}
	return n
}

func (in *instance) sentinelHealthy(ctx context.Context) error {
	answers := map[string][]string{} // primary address -> sentinels naming it
	var problems []string
	for _, s := range in.sentinelNodes() {
		if !s.Reachable() {
			continue
		}
		c := in.sentinelClient(s.Addr)
		hp, err := c.GetMasterAddrByName(ctx, in.target.Primary).Result()
		c.Close()
		if err != nil || len(hp) != 2 {
			problems = append(problems, fmt.Sprintf("%s at %s does not answer: %v", s.Name, s.Addr, err))
			continue
		}
		addr := net.JoinHostPort(hp[0], hp[1])
		answers[addr] = append(answers[addr], s.Name)
	}
	switch len(answers) {
	case 0:
		return fmt.Errorf("redis sentinel: no sentinel names a primary: %s", strings.Join(problems, "; "))
	case 1:
	default:
		var parts []string
		for addr, who := range answers {
			parts = append(parts, fmt.Sprintf("%s say %s", strings.Join(who, ","), addr))
		}
		slices.Sort(parts)
		return fmt.Errorf("redis sentinel: the sentinels disagree on the primary: %s", strings.Join(parts, "; "))
	}
	var addr string
	for a := range answers {
		addr = a
	}
	name := addr
	if n, ok := in.byAddr(addr); ok {
		name = n.Name
		if !n.Reachable() {
			return fmt.Errorf("redis sentinel: the sentinels name %s at %s as primary, but it is %s", n.Name, addr, n.State())
		}
	}
	c := in.nodeClient(addr)
	defer c.Close()
	r, err := c.Do(ctx, "ROLE").Slice()
	if err != nil || len(r) == 0 {
		return fmt.Errorf("redis sentinel: the primary %s at %s named by the sentinels does not answer ROLE: %v", name, addr, err)
	}
	if fmt.Sprint(r[0]) != "master" {
		return fmt.Errorf("redis sentinel: %s at %s is named primary by the sentinels but reports role %v", name, addr, r[0])
	}
	return nil
}

// errNameASlot is what "the primary" of a cluster answers.
var errNameASlot = fmt.Errorf("redis cluster: %w: a cluster has a primary per slot range, not one primary: name a slot, e.g. `the primary of slot 0 is killed` or `a failover of slot 0 is triggered`", engines.ErrNameAGroup)

// Failover hands the primary role to another node and returns once the servers accepted.
// name is "", a group "slot N" (its primary's replica takes over) or a node name.
func (in *instance) Failover(ctx context.Context, name string) error {
	if in.meta.Provider == engines.ProviderExternal {
		return in.unsupported("failover")
	}
	if slot, ok := parseSlotKey(name); ok {
		if in.topology != Cluster {
			return fmt.Errorf("redis %s: there are no hash slots off a cluster: write `a failover is triggered`", in.topology)
		}
		p, err := in.PrimaryForSlot(ctx, slot)
		if err != nil {
			return err
		}
		name = p.Name
	}
	switch in.topology {
	case Sentinel:
		var errs []string
		for _, s := range in.sentinelNodes() {
			if !s.Reachable() {
				continue
			}
			c := in.sentinelClient(s.Addr)
			err := c.Failover(ctx, in.target.Primary).Err()
			c.Close()
			if err == nil {
				in.log.Info("sentinel failover accepted", "sentinel", s.Name)
				return nil
			}
			errs = append(errs, fmt.Sprintf("%s: %s", s.Name, engines.RedactDSN(err.Error())))
		}
		return fmt.Errorf("redis sentinel: SENTINEL FAILOVER %s refused: %s", in.target.Primary, strings.Join(errs, "; "))
	case Cluster:
		return in.clusterFailover(ctx, name)
	case Replicated:
		return in.replicatedFailover(ctx, name)
	}
	return fmt.Errorf("redis standalone: a single server has no replica to fail over to: use the replicated, sentinel or cluster topology")
}

func (in *instance) clusterFailover(ctx context.Context, name string) error {
	if name == "" {
		return errNameASlot
	}
	n, err := in.node(name)
	if err != nil {
		return err
	}
	// The node's own view first: right after a restart the others may not know its new role yet.
	var view []ClusterNode
	for _, m := range append([]*node{n}, in.dataNodes()...) {
		if m.Reachable() {
			if view, err = in.clusterNodes(ctx, m.Addr); err == nil {
				break
			}
		}
	}
	if view == nil {
		return fmt.Errorf("redis cluster: failover %s: no node answers CLUSTER NODES", name)
	}
	i := slices.IndexFunc(view, func(v ClusterNode) bool { return v.Addr == n.Addr })
	if i < 0 {
		return fmt.Errorf("redis cluster: failover %s: the cluster does not list %s", name, n.Addr)
	}
	target, primaryAddr := n, ""
	if view[i].Has("master") {
		primaryAddr = n.Addr
		target = nil
		for _, v := range view {
			if v.Primary == view[i].ID && !v.Has("fail") && !v.Has("fail?") {
				if r, ok := in.byAddr(v.Addr); ok && r.Reachable() {
					target = r
					break
				}
			}
		}
		if target == nil {
			return fmt.Errorf("redis cluster: failover %s: the primary has no reachable replica to promote", name)
		}
	} else if j := slices.IndexFunc(view, func(v ClusterNode) bool { return v.ID == view[i].Primary }); j >= 0 {
		primaryAddr = view[j].Addr
	}
	if !target.Reachable() {
		return fmt.Errorf("redis cluster: failover %s: %s is %s", name, target.Name, target.State())
	}
	args := []any{"CLUSTER", "FAILOVER"}
	if p, ok := in.byAddr(primaryAddr); ok && !p.Reachable() {
		// A primary that is down cannot hand over its slots: the replica takes them (FORCE).
		args = append(args, "FORCE")
	} else {
		// A manual failover waits for the replica to catch up; one still in its first sync
		// (just restarted) would time out, so give it a few seconds to get there.
		wait, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := poll(wait, 50*time.Millisecond, func(ctx context.Context) error { return in.replicaSynced(ctx, target) })
		cancel()
		if err != nil {
			return fmt.Errorf("redis cluster: failover to %s at %s: the replica is not in sync: %v", target.Name, target.Addr, err)
		}
	}
	c := in.nodeClient(target.Addr)
	defer c.Close()
	command := strings.Join(strings.Fields(fmt.Sprint(args...)), " ")
	// Note: Redis accepts a manual failover and may still give it up silently (its 5 s
	// manual-failover timeout runs out when the primary is slow to pause its clients, as
	// right after the replica rejoined). Confirm the promotion and ask again once.
	var last error
	for attempt := 1; attempt <= 2; attempt++ {
		if err := c.Do(ctx, args...).Err(); err != nil {
			return fmt.Errorf("redis cluster: %s on %s at %s: %s", command, target.Name, target.Addr, engines.RedactDSN(err.Error()))
		}
		in.log.Info("cluster failover accepted", "replica", target.Name, "attempt", attempt)
		wait, cancel := context.WithTimeout(ctx, 6*time.Second)
		last = poll(wait, 50*time.Millisecond, func(ctx context.Context) error {
			role, err := c.Do(ctx, "ROLE").Slice()
			if err != nil {
				return err
			}
			if len(role) == 0 || role[0] != "master" {
				return fmt.Errorf("%s is still a replica", target.Name)
			}
			return nil
		})
		cancel()
		if last == nil {
			return nil
		}
	}
	return fmt.Errorf("redis cluster: %s on %s at %s was accepted twice but did not promote it: %v\n--- last lines of %s's log ---\n%s",
		command, target.Name, target.Addr, last, target.Name, target.LogTail(10))
}

func (in *instance) replicatedFailover(ctx context.Context, name string) error {
	in.mu.Lock()
	old := in.dataNodes()[in.primary]
	in.mu.Unlock()
	var target *node
	if name == "" {
		for _, n := range in.dataNodes() {
			if n != old && n.Reachable() && in.replicaSynced(ctx, n) == nil {
				target = n
				break
			}
		}
		if target == nil {
			return fmt.Errorf("redis replicated: failover: no reachable replica in sync")
		}
	} else {
		n, err := in.node(name)
		if err != nil {
			return err
		}
		if n == old {
			return fmt.Errorf("redis replicated: failover to %s: it is the primary already: name a replica", name)
		}
		if !n.Reachable() {
			return fmt.Errorf("redis replicated: failover to %s at %s: the node is %s", name, n.Addr, n.State())
		}
		target = n
	}
	c := in.nodeClient(target.Addr)
	err := c.Do(ctx, "REPLICAOF", "NO", "ONE").Err()
	if err == nil {
		_ = c.Do(ctx, "CONFIG", "REWRITE").Err() // a restart keeps the role
	}
	c.Close()
	if err != nil {
		return fmt.Errorf("redis replicated: REPLICAOF NO ONE on %s at %s: %s", target.Name, target.Addr, engines.RedactDSN(err.Error()))
	}
	in.mu.Lock()
	in.primary = slices.Index(in.dataNodes(), target)
	in.mu.Unlock()
	var errs []error
	for _, n := range in.dataNodes() {
		if n != target && n.Reachable() {
			errs = append(errs, in.replicate(ctx, n, target))
		}
	}
	in.log.Info("replicated failover done", "primary", target.Name)
	return errors.Join(errs...)
}

// replicate points n at primary p and saves that in n's config file.
func (in *instance) replicate(ctx context.Context, n, p *node) error {
	host, port, _ := net.SplitHostPort(p.Addr)
	c := in.nodeClient(n.Addr)
	defer c.Close()
	if err := c.Do(ctx, "REPLICAOF", host, port).Err(); err != nil {
		return fmt.Errorf("redis %s: REPLICAOF %s on %s at %s: %s", in.topology, p.Name, n.Name, n.Addr, engines.RedactDSN(err.Error()))
	}
	_ = c.Do(ctx, "CONFIG", "REWRITE").Err()
	return nil
}
