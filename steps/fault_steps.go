package steps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
)

func faultSentences(w *World) []Sentence {
	list := []Sentence{
		{Area: "faults", Keyword: "When",
			Pattern: `^the primary is (killed|stopped|paused)$`,
			Example: "the primary is killed",
			Help:    "Breaks the node that takes writes now: killed (SIGKILL), stopped (graceful shutdown) or paused (SIGSTOP: alive but silent). It stays broken until restarted or resumed; everything is cleaned up when the scenario ends.",
			fn:      w.breakPrimary},
		{Area: "faults", Keyword: "When",
			Pattern: `^the node "([^"]+)" is (killed|stopped|paused|resumed|restarted)$`,
			Example: `the node "node-2" is paused`,
			Help:    "Acts on one node by name (node-1, node-2, ... in start order; engines name their other processes too): the report lists them.",
			fn:      w.actOnNode},
		{Area: "faults", Keyword: "When",
			Pattern: `^the broken nodes are brought back$`,
			Example: "the broken nodes are brought back",
			Help:    "Restarts the nodes this scenario killed or stopped and resumes the ones it paused; they rejoin as the topology sees fit (an old primary comes back as a replica).",
			fn:      w.bringBack},
		{Area: "faults", Keyword: "When",
			Pattern: `^a failover is triggered$`,
			Example: "a failover is triggered",
			Help:    "Asks for a planned failover of the primary; what that means is the database's: " + failoverHelps() + ".",
			fn:      w.triggerFailover},
		{Area: "faults", Keyword: "When",
			Pattern: `^(\S+) (?:pass|passes|have passed)$`,
			Example: "3s pass",
			Help:    "Waits, e.g. to let a background workload run before a fault.",
			fn:      w.wait, check: func(_ *plan, a args) error { _, err := parseDuration(a.s[0]); return err }},
		{Area: "faults", Keyword: "Then",
			Pattern: `^the (` + strings.Join(nouns(), "|") + `) is healthy(?: again)? within (\S+)$`,
			Example: "the cluster is healthy again within 10s",
			Help:    "Waits until the database serves fully again (every node the database needs answers, primaries agreed on) and records how long that took after the last fault; the limit counts from the fault, not from this step. Fails with what is still wrong.",
			fn:      w.checkHealthy, check: func(_ *plan, a args) error { _, err := parseDuration(a.s[1]); return err }},
		{Area: "faults", Keyword: "Then",
			Pattern: `^a new primary is elected within (\S+)$`,
			Example: "a new primary is elected within 10s",
			Help:    "Waits until another node than the one the last fault broke serves as primary (of the same group in a sharded topology), and records how long that took; the limit counts from the fault.",
			fn:      w.checkNewPrimary, check: func(_ *plan, a args) error { _, err := parseDuration(a.s[0]); return err }},
	}
	return append(list, groupSentences(w)...)
}

// genericNouns are what every topology may be called in the health sentence.
var genericNouns = []string{"cluster", "database", "topology"}

// nouns are the generic ones and every engine's own, in that order.
func nouns() []string {
	out := slices.Clone(genericNouns)
	for _, name := range engines.Names() {
		eng, _ := engines.Lookup(name)
		for _, n := range eng.Describe().Nouns {
			if !slices.Contains(out, n) {
				out = append(out, regexp.QuoteMeta(n))
			}
		}
	}
	return out
}

func failoverHelps() string {
	var helps []string
	for _, name := range engines.Names() {
		eng, _ := engines.Lookup(name)
		if h := eng.Describe().FailoverHelp; h != "" {
			helps = append(helps, h)
		}
	}
	if len(helps) == 0 {
		return "no database registered here has failover"
	}
	return strings.Join(helps, " ")
}

// groupSentences name one group of a sharded topology, one pair per phrase the engines
// declare: "the primary of slot 0 is killed", "a failover of slot 0 is triggered".
func groupSentences(w *World) []Sentence {
	var list []Sentence
	seen := map[string]bool{}
	for _, name := range engines.Names() {
		eng, _ := engines.Lookup(name)
		d := eng.Describe()
		for _, g := range d.Groups {
			if seen[g.Phrase] {
				continue
			}
			seen[g.Phrase] = true
			phrase := g.Phrase
			n := regexp.MustCompile(`^(?:` + phrase + `)$`).NumSubexp()
			check := func(p *plan, a args) error {
				if _, err := p.needEngine(); err != nil {
					return err
				}
				_, err := groupKey(p.engine, phrase, a.s[:n])
				return err
			}
			list = append(list,
				Sentence{Area: "faults", Keyword: "When", Database: d.Display,
					Pattern: `^the primary of ` + phrase + ` is (killed|stopped|paused)$`,
					Example: "the primary of " + g.Example + " is killed",
					Help:    "Breaks the primary of one group: " + g.Help + ". Killed, stopped or paused, as `the primary is killed`.",
					fn: stringArgs(n+1, func(ctx context.Context, a []string) error {
						return w.breakGroupPrimary(ctx, phrase, a[:n], a[n])
					}), check: check},
				Sentence{Area: "faults", Keyword: "When", Database: d.Display,
					Pattern: `^a failover of ` + phrase + ` is triggered$`,
					Example: "a failover of " + g.Example + " is triggered",
					Help:    "Asks for a planned failover of one group's primary: " + g.Help + ".",
					fn: stringArgs(n, func(ctx context.Context, a []string) error {
						return w.triggerGroupFailover(ctx, phrase, a)
					}), check: check})
		}
	}
	return list
}

// groupKey turns a group phrase's arguments into the engine's group key; an engine that has
// no such groups says what it has.
func groupKey(eng engines.Engine, phrase string, a []string) (string, error) {
	if eng == nil {
		return "", errNoDatabase
	}
	d := eng.Describe()
	var have []string
	for _, g := range d.Groups {
		if g.Phrase == phrase {
			return g.Key(a)
		}
		have = append(have, g.Example)
	}
	if len(have) == 0 {
		return "", fmt.Errorf("%s has no groups of that kind to name: write `the primary is killed` or `a failover is triggered`", d.Display)
	}
	return "", fmt.Errorf("%s names its groups like %s", d.Display, quoteList(have))
}

// faultState is what the scenario broke, so checks can tell a recovery from the status quo
// and the nodes can be brought back.
type faultState struct {
	at       time.Time      // when the last fault happened
	restored time.Time      // when a broken node was last restarted or resumed
	primary  engines.Node   // the primary the last fault broke, if it broke one
	group    string         // the group whose primary it broke ("" for the only one)
	broken   map[string]int // node name -> 0 killed/stopped, 1 paused
}

func (w *World) faults() (engines.Faults, error) {
	db, err := w.needDB()
	if err != nil {
		return nil, err
	}
	f, ok := db.inst.(engines.Faults)
	if !ok {
		return nil, fmt.Errorf("%s (%s, %s) cannot break or check nodes from a scenario: fault sentences need a topology the harness started itself, not an external one", db.desc.Display, db.inst.Info().Topology, db.inst.Info().Provider)
	}
	return f, nil
}

func (w *World) engineOfScenario() engines.Engine {
	if w.db == nil {
		return nil
	}
	eng, _ := engines.Lookup(w.db.engine)
	return eng
}

func (w *World) breakGroupPrimary(ctx context.Context, phrase string, a []string, verb string) error {
	f, err := w.faults()
	if err != nil {
		return err
	}
	group, err := groupKey(w.engineOfScenario(), phrase, a)
	if err != nil {
		return err
	}
	node, err := f.Primary(ctx, group)
	if err != nil {
		return err
	}
	return w.breakNode(ctx, f, node, verb, group, "primary of "+group)
}

func (w *World) breakPrimary(ctx context.Context, verb string) error {
	f, err := w.faults()
	if err != nil {
		return err
	}
	node, err := f.Primary(ctx, "")
	if err != nil {
		return err
	}
	return w.breakNode(ctx, f, node, verb, "", "primary")
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
	return w.breakNode(ctx, f, *node, verb, "", node.Role)
}

// breakNode kills, stops or pauses node and records the fault.
func (w *World) breakNode(ctx context.Context, f engines.Faults, node engines.Node, verb, group, what string) error {
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
	w.fault.at, w.fault.group = time.Now(), group
	w.fault.primary = engines.Node{}
	if node.Role == engines.RolePrimary {
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

func (w *World) triggerFailover(ctx context.Context) error { return w.failover(ctx, "") }

func (w *World) triggerGroupFailover(ctx context.Context, phrase string, a []string) error {
	group, err := groupKey(w.engineOfScenario(), phrase, a)
	if err != nil {
		return err
	}
	return w.failover(ctx, group)
}

func (w *World) failover(ctx context.Context, group string) error {
	f, err := w.faults()
	if err != nil {
		return err
	}
	node, err := f.Primary(ctx, group)
	if err != nil {
		return err
	}
	if err := f.Failover(ctx, group); err != nil {
		return fmt.Errorf("failover of %s (%s): %w", node.Name, node.Addr, err)
	}
	w.fault.at, w.fault.primary, w.fault.group = time.Now(), node, group
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

// poll calls check until it returns nil or the deadline passes, and returns the last error.
// It asks once more after the deadline, so a check that starts late still gets one try. An
// error that says the instance cannot do what is checked (engines.ErrUnsupported) ends it
// at once.
func poll(ctx context.Context, deadline time.Time, check func(context.Context) error) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, min(2*time.Second, max(time.Until(deadline), pollInterval)))
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		// Note: a capability the instance lacks will not appear by waiting.
		if time.Now().After(deadline) || errors.Is(err, engines.ErrUnsupported) {
			return err
		}
		select {
		case <-time.After(pollInterval):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// recoveryDeadline is when a "within" limit runs out: it counts from the last fault (or the
// restart of a broken node, if that came later), not from the check, so two checks of 15s
// in a row still allow 15s in all. Without a fault it counts from now.
func (w *World) recoveryDeadline(limit time.Duration) time.Time {
	from := time.Now()
	if since := w.recoveryStart(); !since.IsZero() {
		from = since
	}
	return from.Add(limit)
}

func (w *World) recoveryStart() time.Time {
	if !w.fault.restored.IsZero() && w.fault.restored.After(w.fault.at) {
		return w.fault.restored
	}
	return w.fault.at
}

func (w *World) checkHealthy(ctx context.Context, noun, within string) error {
	limit, err := parseDuration(within)
	if err != nil {
		return err
	}
	f, err := w.faults()
	if err != nil {
		return err
	}
	if err := poll(ctx, w.recoveryDeadline(limit), f.Healthy); err != nil {
		return fmt.Errorf("not healthy within %s of the last fault: %w", limit, err)
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
		return errors.New("no primary was broken or failed over in this scenario: break one first, e.g. `When the primary is killed`")
	}
	deadline := w.recoveryDeadline(limit)
	var now engines.Node
	err = poll(ctx, deadline, func(ctx context.Context) error {
		var err error
		now, err = f.Primary(ctx, w.fault.group)
		switch {
		case err != nil:
			return err
		case now.Name == old.Name:
			return fmt.Errorf("%s (%s) is still the primary", old.Name, old.Addr)
		}
		return nil
	})
	if errors.Is(err, engines.ErrNameAGroup) {
		// A primary broken by name on a sharded topology: its groups have a new primary
		// once every group is served by a reachable primary again.
		if err := poll(ctx, deadline, f.Healthy); err != nil {
			return fmt.Errorf("no new primary for the groups of %s within %s of the fault: %w", old.Name, limit, err)
		}
		w.recovered(fmt.Sprintf("the groups of %s (%s) are served by other primaries", old.Name, old.Addr))
		return nil
	}
	if err != nil {
		return fmt.Errorf("no new primary within %s of the fault: %w", limit, err)
	}
	w.recovered(fmt.Sprintf("a new primary, %s (%s), was elected", now.Name, now.Addr))
	return nil
}

// recovered records a recovery and how long after the last fault, or the last restart of a
// broken node if that came later, it was seen (checks poll every 100ms).
func (w *World) recovered(text string) {
	var after time.Duration
	switch since := w.recoveryStart(); {
	case since.IsZero():
	case since == w.fault.restored:
		after = time.Since(since)
		text = fmt.Sprintf("%s %s after the last restart", text, after.Round(10*time.Millisecond))
	default:
		after = time.Since(since)
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
