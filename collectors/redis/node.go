package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/redis/shape"
	engredis "github.com/dbharness/dbharness/engines/redis"
)

// Roles a node is labelled with. They are the roles engines/redis reports.
const (
	RolePrimary  = engredis.RolePrimary
	RoleReplica  = engredis.RoleReplica
	RoleSentinel = engredis.RoleSentinel
	// RoleUnknown labels a node whose role discovery could not learn (it did not answer).
	RoleUnknown = "unknown"
)

// clientName marks the collector's connections (CLIENT LIST, SLOWLOG entries), so the
// collector can leave its own commands out of what it reports.
const clientName = "dbharness-collector"

// nodeLabels are the labels every per-node metric starts with.
var nodeLabels = []string{"node", "role"}

// nodeAttributes describe a node rather than name it: a role that changed is a failover.
var nodeAttributes = []string{"role"}

// nodeMetric declares a per-node metric: labels node and role, then extra.
func nodeMetric(name string, t catalog.Type, unit catalog.Unit, source, help string, extra ...string) catalog.Metric {
	return catalog.Metric{
		Name:       name,
		Type:       t,
		Unit:       unit,
		Help:       help,
		Labels:     append(append([]string(nil), nodeLabels...), extra...),
		Attributes: nodeAttributes,
		Database:   Database,
		Source:     source,
	}
}

// A member is one node of the topology as discovery saw it in one round.
type member struct {
	addr    string
	role    string
	cluster bool   // a cluster node: CLUSTER INFO and CLUSTER NODES apply
	primary string // for a replica, its primary's address when known
}

func (m member) sentinel() bool { return m.role == RoleSentinel }

// A node is the collector's state for one address: its client and what must survive from
// one scrape to the next (slowlog position, failovers seen, the commands the collector sent).
type node struct {
	addr   string
	client *goredis.Client

	slowlog *slowlogTracker
	cluster clusterView

	specsMu    sync.Mutex
	specsTried bool
	specs      map[string]shape.KeySpec

	ownMu sync.Mutex
	own   map[string]int64 // commands the collector sent, by commandstats name

	upMu    sync.Mutex
	primary string // the primary a replica replicates from, as discovery saw it

	downMu    sync.Mutex
	downRound int64 // the scrape in which the node did not answer
	downErr   error
}

// setUpstream records the primary a replica follows ("" for a primary).
func (n *node) setUpstream(addr string) {
	n.upMu.Lock()
	defer n.upMu.Unlock()
	n.primary = addr
}

// upstream returns the primary a replica follows, "" for a primary or when unknown.
func (n *node) upstream() string {
	n.upMu.Lock()
	defer n.upMu.Unlock()
	return n.primary
}

// markDown records that the node did not answer in scrape round.
func (n *node) markDown(round int64, err error) {
	n.downMu.Lock()
	defer n.downMu.Unlock()
	n.downRound, n.downErr = round, err
}

// downIn returns why the node was found unreachable in scrape round, or nil.
func (n *node) downIn(round int64) error {
	n.downMu.Lock()
	defer n.downMu.Unlock()
	if n.downErr != nil && n.downRound == round {
		return n.downErr
	}
	return nil
}

// unreachable says whether an error means the node did not answer at all (as opposed to
// answering with an error reply).
func unreachable(err error) bool {
	var nerr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.As(err, &nerr) ||
		errors.Is(err, goredis.ErrPoolTimeout)
}

func newNode(t engredis.Target, addr string, cfg collectors.Config, maxShapes int) *node {
	n := &node{addr: addr, own: map[string]int64{}}
	n.client = t.NodeClient(addr, func(o *goredis.Options) {
		o.Protocol = 2 // RESP2 replies are plain arrays for every command we parse by hand
		o.ClientName = clientName
		o.DisableIdentity = true
		// no CLIENT MAINT_NOTIFICATIONS at connect: Redis 7 answers it with an error,
		// which would count in the errors the collector reports
		o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
		o.MaxRetries = -1 // a failed scrape is reported, not retried into the next one
		o.DialerRetries = 1
		o.DialTimeout = cfg.Timeout
		o.ReadTimeout = cfg.Timeout
		o.WriteTimeout = cfg.Timeout
		o.ContextTimeoutEnabled = true
		o.PoolSize = cfg.Concurrency + 1
		o.MaxIdleConns = cfg.Concurrency + 1
		if t.Scheme == engredis.SchemeStandalone || t.Scheme == engredis.SchemeTLS {
			o.DB = t.DB
		}
	})
	n.client.AddHook(ownHook{n})
	n.slowlog = newSlowlogTracker(maxShapes)
	return n
}

// keySpecs returns where each command's keys are, read once from COMMAND; nil when COMMAND
// failed (shapes then use their fallback).
func (n *node) keySpecs(ctx context.Context) shape.KeySpecs {
	n.specsMu.Lock()
	defer n.specsMu.Unlock()
	if !n.specsTried {
		n.specsTried = true
		infos, err := n.client.Command(ctx).Result()
		if err == nil {
			n.specs = make(map[string]shape.KeySpec, len(infos))
			for name, in := range infos {
				n.specs[strings.ToLower(name)] = shape.KeySpec{First: int(in.FirstKeyPos), Last: int(in.LastKeyPos), Step: int(in.StepCount)}
			}
		}
	}
	if n.specs == nil {
		return nil
	}
	specs := n.specs
	return func(name string) (shape.KeySpec, bool) { s, ok := specs[name]; return s, ok }
}

// ownCalls returns a copy of the calls the collector made, by commandstats name.
func (n *node) ownCalls() map[string]int64 {
	n.ownMu.Lock()
	defer n.ownMu.Unlock()
	out := make(map[string]int64, len(n.own))
	for k, v := range n.own {
		out[k] = v
	}
	return out
}

// ownHook counts the commands the collector sends to a node, by the name INFO commandstats
// gives them, so the analysis can take them out of the workload's numbers.
type ownHook struct{ n *node }

// DialHook counts the HELLO go-redis sends on each new connection, outside the process
// hooks.
func (h ownHook) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err == nil {
			h.n.ownMu.Lock()
			h.n.own["hello"]++
			h.n.ownMu.Unlock()
		}
		return c, err
	}
}

func (h ownHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.count(cmd)
		return next(ctx, cmd)
	}
}

func (h ownHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		for _, c := range cmds {
			h.count(c)
		}
		return next(ctx, cmds)
	}
}

func (h ownHook) count(cmd goredis.Cmder) {
	name := statName(cmd.Args())
	h.n.ownMu.Lock()
	h.n.own[name]++
	h.n.ownMu.Unlock()
}

// statName is the name INFO commandstats counts a command under: lower case, with the
// subcommand after a "|" for container commands ("config|get").
func statName(args []any) string {
	if len(args) == 0 {
		return ""
	}
	name := strings.ToLower(fmt.Sprint(args[0]))
	switch name {
	case "client", "cluster", "command", "config", "latency", "memory", "object", "pubsub",
		"script", "sentinel", "slowlog", "function", "acl", "xinfo", "xgroup", "module", "debug":
		if len(args) > 1 {
			return name + "|" + strings.ToLower(fmt.Sprint(args[1]))
		}
	}
	return name
}

// explain adds what to do to the errors a node typically returns.
func explain(addr string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var hint string
	var nerr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		hint = "nothing listens there: is the node up?"
	case errors.As(err, &nerr) && nerr.Timeout():
		hint = "the node did not answer in time: is it overloaded, paused or behind a firewall?"
	case strings.HasPrefix(msg, "NOAUTH") || strings.HasPrefix(msg, "WRONGPASS"):
		hint = "check the user and password in the DSN"
	case strings.HasPrefix(msg, "NOPERM"):
		hint = "the DSN's user lacks the permission: grant it (ACL SETUSER ... +@admin) or disable this scraper"
	case strings.Contains(msg, "unknown command") || strings.Contains(msg, "unknown subcommand"):
		hint = "the server does not know the command (older than Redis 7.0, or renamed): disable this scraper"
	}
	if hint != "" {
		return fmt.Errorf("node %s: %w (%s)", addr, err, hint)
	}
	return fmt.Errorf("node %s: %w", addr, err)
}
