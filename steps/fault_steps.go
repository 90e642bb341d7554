package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
)

func faultSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "faults", Keyword: "When",
			Pattern: `^the primary of slot (\d+) is (killed|stopped|paused)$`,
			Example: "the primary of slot 0 is killed",
			Help:    "Breaks the cluster node serving that hash slot now: killed (SIGKILL), stopped (graceful shutdown) or paused (SIGSTOP: alive but silent). It stays broken until restarted or resumed; everything is cleaned up when the scenario ends.",
			fn:      w.breakSlotPrimary},
		{Area: "faults", Keyword: "When",
			Pattern: `^the (?:sentinel )?primary is (killed|stopped|paused)$`,
			Example: "the sentinel primary is killed",
			Help:    "Breaks the node that takes writes now (as the sentinels see it in a sentinel group).",
			fn:      w.breakPrimary},
		{Area: "faults", Keyword: "When",
			Pattern: `^the node "([^"]+)" is (killed|stopped|paused|resumed|restarted)$`,
			Example: `the node "node-2" is paused`,
			Help:    "Acts on one node by name (node-1, node-2, ... in start order; sentinel-1, ...): `dbharness engines` and the report list them.",
			fn:      w.actOnNode},
		{Area: "faults", Keyword: "When",
			Pattern: `^the broken nodes are brought back$`,
			Example: "the broken nodes are brought back",
			Help:    "Restarts the nodes this scenario killed or stopped and resumes the ones it paused; they rejoin as the topology sees fit (an old primary comes back as a replica).",
			fn:      w.bringBack},
		{Area: "faults", Keyword: "When",
			Pattern: `^a failover(?: of slot (\d+))? is triggered$`,
			Example: "a failover of slot 0 is triggered",
			Help:    "Asks for a planned failover: of the primary of that slot in a cluster (CLUSTER FAILOVER on its replica), or of the primary of a sentinel group (SENTINEL FAILOVER) when no slot is given.",
			fn:      w.triggerFailover},
		{Area: "faults", Keyword: "When",
			Pattern: `^(\S+) (?:pass|passes|have passed)$`,
			Example: "3s pass",
			Help:    "Waits, e.g. to let a background workload run before a fault.",
			fn:      w.wait},
		{Area: "faults", Keyword: "Then",
			Pattern: `^the (?:cluster|database|group|topology) is healthy(?: again)? within (\S+)$`,
			Example: "the cluster is healthy again within 10s",
			Help:    "Waits until the database serves fully again (every slot served, primaries agreed on) and records how long that took after the last fault; fails with what is still wrong.",
			fn:      w.checkHealthy},
		{Area: "faults", Keyword: "Then",
			Pattern: `^a new primary is elected within (\S+)$`,
			Example: "a new primary is elected within 10s",
			Help:    "Waits until another node than the one the last fault broke serves as primary (of the same slot in a cluster), and records how long that took.",
			fn:      w.checkNewPrimary},
	}
}

// faultState is what the scenario broke, so checks can tell a recovery from the status quo
// and the nodes can be brought back.
type faultState struct {
	at       time.Time      // when the last fault happened
	restored time.Time      // when a broken node was last restarted or resumed
	primary  engines.Node   // the primary the last fault broke, if it broke one
	slot     int            // the slot whose primary it broke, or -1
	broken   map[string]int // node name -> 0 killed/stopped, 1 paused
}

func (w *World) faults() (engines.Faults, error) {
	db, err := w.needDB()
	if err != nil {
		return nil, err
	}
	f, ok := db.inst.(engines.Faults)
	if !ok {
		return nil, fmt.Errorf("%s (%s, %s) cannot break or check nodes from a scenario: fault sentences need a topology the harness started itself, not an external one", db.engine, db.inst.Info().Topology, db.inst.Info().Provider)
	}
	return f, nil
}

func (w *World) breakSlotPrimary(ctx context.Context, slot int, verb string) error {
	f, err := w.faults()
	if err != nil {
		return err
	}
	router, err := w.slotRouter(f)
	if err != nil {
		return err
	}
	if slot < 0 || slot > 16383 {
		return fmt.Errorf("slot %d is out of range: a cluster has slots 0 to 16383", slot)
	}
	node, err := router.PrimaryForSlot(ctx, slot)
	if err != nil {
		return err
	}
	return w.breakNode(ctx, f, node, verb, slot, fmt.Sprintf("primary of slot %d", slot))
}

// slotRouter is the instance's slot routing, or an error saying the sentences to use
// instead when it has no slots.
func (w *World) slotRouter(f engines.Faults) (engines.SlotRouter, error) {
	router, ok := f.(engines.SlotRouter)
	if !ok || !w.isCluster() {
		return nil, errors.New("this database has no hash slots: it is not a cluster; write `the primary is killed` or `a failover is triggered`")
	}
	return router, nil
}

func (w *World) isCluster() bool { return w.db != nil && w.db.inst.Info().Topology == "cluster" }

// errPrimaryOfCluster says what to write instead of "the primary" on a cluster.
var errPrimaryOfCluster = errors.New("a cluster has a primary per slot range, not one primary: name a slot, e.g. `the primary of slot 0 is killed` or `a failover of slot 0 is triggered`")

func (w *World) breakPrimary(ctx context.Context, verb string) error {
	f, err := w.faults()
	if err != nil {
		return err
	}
	if w.isCluster() {
		return errPrimaryOfCluster
	}
	node, err := f.Primary(ctx)
	if err != nil {
		return err
	}
	return w.breakNode(ctx, f, node, verb, -1, "primary")
}

func (w *World) actOnNode(ctx context.Context, name, verb string) error {
	f, err := w.faults()
	if err != nil {
		return err
	}
	nodes, err := f.Nodes(ctx)
	if err != nil {
		return err
	}
	var node *engines.Node
	var names []string
	for i := range nodes {
		names = append(names, nodes[i].Name)
		if nodes[i].Name == name {
			node = &nodes[i]
		}
	}
	if node == nil {
		return fmt.Errorf("no node %q: the nodes are %s", name, quoteList(names))
	}
	switch verb {
	case "resumed":
		return w.restore(ctx, f, node.Name, 1)
	case "restarted":
		return w.restore(ctx, f, node.Name, 0)
	}
	return w.breakNode(ctx, f, *node, verb, -1, node.Role)
}

// breakNode kills, stops or pauses node and records the fault.
func (w *World) breakNode(ctx context.Context, f engines.Faults, node engines.Node, verb string, slot int, what string) error {
	var err error
	mode := 0
	switch verb {
	case "killed":
		err = f.KillNode(ctx, node.Name)
	case "stopped":
		err = f.StopNode(ctx, node.Name)
	case "paused":
		err, mode = f.PauseNode(ctx, node.Name), 1
	default:
		return fmt.Errorf("cannot make a node %q: use killed, stopped or paused", verb)
	}
	if err != nil {
		return fmt.Errorf("%s (%s) could not be %s: %w", node.Name, node.Addr, verb, err)
	}
	if w.fault.broken == nil {
		w.fault.broken = map[string]int{}
	}
	w.fault.broken[node.Name] = mode
	w.fault.at, w.fault.slot = time.Now(), slot
	w.fault.primary = engines.Node{}
	if node.Role == "primary" {
		w.fault.primary = node
	}
	w.event("fault", fmt.Sprintf("%s %s (%s, %s)", verb, node.Name, node.Addr, what), 0)
	return nil
}

// restore restarts (mode 0) or resumes (mode 1) a node.
func (w *World) restore(ctx context.Context, f engines.Faults, name string, mode int) error {
	var err error
	verb := "restarted"
	if mode == 1 {
		err, verb = f.ResumeNode(ctx, name), "resumed"
	} else {
		err = f.RestartNode(ctx, name)
	}
	if err != nil {
		return fmt.Errorf("%s could not be %s: %w", name, verb, err)
	}
	delete(w.fault.broken, name)
	w.fault.restored = time.Now()
	w.event("fault", verb+" "+name, 0)
	return nil
}

func (w *World) bringBack(ctx context.Context) error {
	f, err := w.faults()
	if err != nil {
		return err
	}
	if len(w.fault.broken) == 0 {
		return errors.New("no node is broken: nothing to bring back")
	}
	var errs []error
	for _, name := range sortedKeys(w.fault.broken) {
		errs = append(errs, w.restore(ctx, f, name, w.fault.broken[name]))
	}
	return errors.Join(errs...)
}

func (w *World) triggerFailover(ctx context.Context, slot string) error {
	f, err := w.faults()
	if err != nil {
		return err
	}
	var node engines.Node
	n := -1
	if slot != "" {
		router, err := w.slotRouter(f)
		if err != nil {
			return err
		}
		if n, err = strconv.Atoi(slot); err != nil || n < 0 || n > 16383 {
			return fmt.Errorf("slot %q is out of range: a cluster has slots 0 to 16383", slot)
		}
		if node, err = router.PrimaryForSlot(ctx, n); err != nil {
			return err
		}
	} else {
		if w.isCluster() {
			return errPrimaryOfCluster
		}
		if node, err = f.Primary(ctx); err != nil {
			return err
		}
	}
	// On a cluster the node named is the primary whose replica takes over; elsewhere the
	// engine picks the replica ("").
	target := ""
	if n >= 0 {
		target = node.Name
	}
	if err := f.Failover(ctx, target); err != nil {
		return fmt.Errorf("failover of %s (%s): %w", node.Name, node.Addr, err)
	}
	w.fault.at, w.fault.primary, w.fault.slot = time.Now(), node, n
	w.event("fault", fmt.Sprintf("failover of %s (%s) requested", node.Name, node.Addr), 0)
	return nil
}

func (w *World) wait(ctx context.Context, duration string) error {
	d, err := parseDuration(duration)
	if err != nil {
		return err
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pollInterval is how often recovery checks ask the database.
const pollInterval = 100 * time.Millisecond

// poll calls check until it returns nil or limit passes, and returns the last error.
func poll(ctx context.Context, limit time.Duration, check func(context.Context) error) error {
	deadline := time.Now().Add(limit)
	for {
		cctx, cancel := context.WithTimeout(ctx, min(2*time.Second, limit))
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(pollInterval):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (w *World) checkHealthy(ctx context.Context, within string) error {
	limit, err := parseDuration(within)
	if err != nil {
		return err
	}
	f, err := w.faults()
	if err != nil {
		return err
	}
	if err := poll(ctx, limit, f.Healthy); err != nil {
		return fmt.Errorf("not healthy within %s: %w", limit, err)
	}
	w.recovered("healthy again")
	return nil
}

func (w *World) checkNewPrimary(ctx context.Context, within string) error {
	limit, err := parseDuration(within)
	if err != nil {
		return err
	}
	f, err := w.faults()
	if err != nil {
		return err
	}
	old := w.fault.primary
	if old.Name == "" {
		return errors.New("no primary was broken or failed over in this scenario: break one first, e.g. `When the sentinel primary is killed`")
	}
	if w.fault.slot < 0 && w.isCluster() {
		// A primary broken by name: its slots have a new primary once every slot is served
		// by a reachable primary again.
		if err := poll(ctx, limit, f.Healthy); err != nil {
			return fmt.Errorf("no new primary for the slots of %s within %s: %w", old.Name, limit, err)
		}
		w.recovered(fmt.Sprintf("the slots of %s (%s) are served by other primaries", old.Name, old.Addr))
		return nil
	}
	var now engines.Node
	err = poll(ctx, limit, func(ctx context.Context) error {
		var err error
		if w.fault.slot >= 0 {
			router, _ := f.(engines.SlotRouter)
			now, err = router.PrimaryForSlot(ctx, w.fault.slot)
		} else {
			now, err = f.Primary(ctx)
		}
		switch {
		case err != nil:
			return err
		case now.Name == old.Name:
			return fmt.Errorf("%s (%s) is still the primary", old.Name, old.Addr)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("no new primary within %s: %w", limit, err)
	}
	w.recovered(fmt.Sprintf("a new primary, %s (%s), was elected", now.Name, now.Addr))
	return nil
}

// recovered records a recovery and how long after the last fault, or the last restart of a
// broken node if that came later, it was seen (checks poll every 100ms).
func (w *World) recovered(text string) {
	var after time.Duration
	switch {
	case !w.fault.restored.IsZero() && w.fault.restored.After(w.fault.at):
		after = time.Since(w.fault.restored)
		text = fmt.Sprintf("%s %s after the last restart", text, after.Round(10*time.Millisecond))
	case !w.fault.at.IsZero():
		after = time.Since(w.fault.at)
		text = fmt.Sprintf("%s %s after the last fault", text, after.Round(10*time.Millisecond))
	}
	w.event("recovered", text, after)
}

func (w *World) event(kind, text string, after time.Duration) {
	w.rec.Events = append(w.rec.Events, result.Event{At: time.Now(), Kind: kind, Text: text, After: after})
	w.opts.Logger.Info(kind, "what", text)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}
