package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

// Database is the name the collector is registered under and the catalog database of its
// metrics.
const Database = "mongodb"

// AppName marks the collector's connections: currentOp, the profiler and the analysis
// leave out what it does itself.
const AppName = "dbharness-collector"

// A source is one command read from the deployment and the metrics it yields.
type source interface {
	// Name is the scraper name before "@": "serverStatus", "dbStats", ...
	Name() string
	// targets are what the source runs on now: one scraper per member ("name@host:port"),
	// per replica set ("name@set"), or one for the deployment ("name").
	targets(c *Collector, members []member) []target
	scrape(ctx context.Context, c *Collector, t target, e *collectors.Emitter) error
}

// A target is what one scraper of a source reads.
type target struct {
	label   string   // after "@"; "" for the deployment
	members []member // the member, or the set's members in order; none for the deployment
}

func perMember(members []member, keep func(member) bool) []target {
	var out []target
	for _, m := range members {
		if keep(m) {
			out = append(out, target{label: m.addr, members: []member{m}})
		}
	}
	return out
}

func once() []target { return []target{{}} }

// sources returns every source.
func sources() []source {
	return []source{
		serverStatusSource{}, currentOpSource{}, profileSource{}, oplogSource{},
		replSetStatusSource{}, dbStatsSource{}, collStatsSource{}, indexStatsSource{}, shardingSource{},
	}
}

// SourceNames lists the sources collectors.WithScrapers may select.
func SourceNames() []string {
	var out []string
	for _, s := range sources() {
		out = append(out, s.Name())
	}
	return out
}

// scraper is one source on one target, as the Exporter runs it.
type scraper struct {
	src source
	t   target
}

func (s scraper) Name() string {
	if s.t.label == "" {
		return s.src.Name()
	}
	return s.src.Name() + "@" + s.t.label
}

// Scrape runs the source, unless a member-only source finds its member failed earlier in
// this scrape: then it fails at once, so a member that hangs costs one timeout per scrape.
func (s scraper) Scrape(ctx context.Context, c *Collector, e *collectors.Emitter) error {
	round := c.round.Load()
	if len(s.t.members) == 1 && s.src.Name() != "serverStatus" {
		if err := c.downIn(s.t.members[0].addr, round); err != nil {
			return fmt.Errorf("scrape %s: %w: the member did not answer serverStatus in this scrape: %v", s.Name(), collectors.ErrSkipped, err)
		}
	}
	if err := s.src.scrape(ctx, c, s.t, e); err != nil {
		if len(s.t.members) == 1 && unreachable(err) {
			c.markDown(s.t.members[0].addr, round, err)
		}
		return fmt.Errorf("scrape %s: %s", s.Name(), engines.RedactDSN(err.Error()))
	}
	return nil
}

func unreachable(err error) bool {
	return mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "server selection")
}

// A Collector is the MongoDB collector: the members of one deployment, each source scraped
// where it applies. It implements collectors.Collector, collectors.ErrorReporter and
// collectors.Analyzer.
type Collector struct {
	dsn      string
	hosts    []string // the URI's hosts
	flavor   string   // engines/mongodb.FlavorMongoDB or FlavorFerretDB
	cfg      collectors.Config
	settings Settings
	sources  []source
	main     *mongo.Client // through the URI: the primary, or a mongos
	recorder *engmongo.Recorder

	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	clients   map[string]*mongo.Client // direct clients by member address
	members   []member
	signature string
	exp       *collectors.Exporter[*Collector]
	closed    bool
	down      map[string]downMark

	round atomic.Int64

	profile profileCursors
	an      analysis
}

type downMark struct {
	round int64
	err   error
}

var (
	_ collectors.Collector     = (*Collector)(nil)
	_ collectors.ErrorReporter = (*Collector)(nil)
	_ collectors.Analyzer      = (*Collector)(nil)
)

func init() {
	collectors.Register(Database, func(ctx context.Context, dsn string, cfg collectors.Config) (collectors.Collector, error) {
		c, err := open(ctx, dsn, cfg)
		if err != nil {
			if c != nil {
				_ = c.Close()
			}
			return nil, err
		}
		return c, nil
	})
}

// New connects a collector to the deployment the URI names. Options are those of
// collectors.Open. The caller closes it.
func New(ctx context.Context, dsn string, opts ...collectors.Option) (*Collector, error) {
	cfg, err := collectors.NewConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("new mongodb collector: %w", err)
	}
	c, err := open(ctx, dsn, cfg)
	if err != nil {
		if c != nil {
			_ = c.Close()
		}
		return nil, fmt.Errorf("new mongodb collector at %s: %w", engmongo.Address(dsn), err)
	}
	return c, nil
}

// open connects, learns the flavor, discovers the members and takes the first Mark. It
// returns the half-built collector with an error so the caller can close it.
func open(ctx context.Context, dsn string, cfg collectors.Config) (*Collector, error) {
	cs, err := engmongo.ParseURI(dsn)
	if err != nil {
		return nil, err
	}
	set, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	selected, err := selectSources(sources(), cfg.Scrapers)
	if err != nil {
		return nil, err
	}
	cfg.Scrapers = nil // the Exporter's scrapers are per target: selection is done here
	c := &Collector{dsn: dsn, hosts: cs.Hosts, cfg: cfg, settings: set, sources: selected,
		clients: map[string]*mongo.Client{}, down: map[string]downMark{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	c.main, err = engmongo.Connect(cctx, dsn, app)
	if err != nil {
		return c, err
	}
	srv, err := engmongo.Detect(cctx, c.main)
	if err != nil {
		return c, err
	}
	c.flavor = srv.Flavor
	if c.flavor == engmongo.FlavorFerretDB {
		c.recorder, _ = engmongo.RecorderAt(c.hosts[0])
	}
	if _, given := cfg.Settings[SettingSlowMS]; !given {
		c.settings.SlowMS = c.serverSlowMS(cctx)
	}
	members, err := c.discover(cctx)
	if err != nil {
		return c, fmt.Errorf("discover the members: %w", err)
	}
	if err := c.apply(members); err != nil {
		return c, err
	}
	if err := c.Mark(ctx); err != nil {
		c.cfg.Logger.Warn("mongodb collector: first mark failed; the first Analyze reports since the collector opened", "err", err)
	}
	return c, nil
}

// serverSlowMS is the server's own slow threshold: the profiler's slowms on MongoDB (the
// profile command with -1 reads it), the wire recorder's on embedded FerretDB; the default
// where neither answers.
func (c *Collector) serverSlowMS(ctx context.Context) int {
	if c.recorder != nil {
		return c.recorder.SlowMS()
	}
	var st struct {
		SlowMS *int `bson:"slowms"`
	}
	err := c.main.Database(engmongo.DefaultDatabase).RunCommand(ctx, bson.D{{Key: "profile", Value: -1}}).Decode(&st)
	if err != nil || st.SlowMS == nil {
		return DefaultSettings.SlowMS
	}
	return *st.SlowMS
}

// app names the collector's connections.
func app(o *options.ClientOptions) { o.SetAppName(AppName) }

func selectSources(all []source, names []string) ([]source, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []source
	for _, n := range names {
		i := slices.IndexFunc(all, func(s source) bool { return s.Name() == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown mongodb scraper %q: known scrapers are %s", n, strings.Join(SourceNames(), ", "))
		}
		if !slices.Contains(out, all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// apply makes members the current deployment: it closes the clients of members that left
// and rebuilds the scraper list when the members changed.
func (c *Collector) apply(members []member) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("collector closed")
	}
	keys := make([]string, len(members))
	for i, m := range members {
		keys[i] = m.key()
	}
	sig := strings.Join(keys, " ")
	if c.exp != nil && sig == c.signature {
		return nil
	}
	keep := map[string]bool{}
	for _, m := range members {
		keep[m.addr] = true
	}
	for addr, cl := range c.clients {
		if !keep[addr] {
			_ = cl.Disconnect(context.Background())
			delete(c.clients, addr)
		}
	}
	var scrapers []collectors.Scraper[*Collector]
	for _, s := range c.sources {
		for _, t := range s.targets(c, members) {
			scrapers = append(scrapers, scraper{src: s, t: t})
		}
	}
	exp, err := collectors.New(Database, c, scrapers, c.cfg, nil)
	if err != nil {
		return err
	}
	c.exp, c.members, c.signature = exp, members, sig
	return nil
}

// refresh discovers the deployment again; on failure it keeps the members it knew.
func (c *Collector) refresh() *collectors.Exporter[*Collector] {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
	defer cancel()
	if members, err := c.discover(ctx); err == nil {
		if err := c.apply(members); err != nil {
			c.cfg.Logger.Debug("mongodb collector: apply members", "err", err)
		}
	} else {
		c.cfg.Logger.Debug("mongodb collector: discovery failed; keeping the members known", "err", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exp
}

// client is a direct client to one member, kept while the member is in the deployment.
func (c *Collector) client(ctx context.Context, addr string) (*mongo.Client, error) {
	c.mu.Lock()
	cl, ok := c.clients[addr]
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, errors.New("collector closed")
	}
	if ok {
		return cl, nil
	}
	opts := engmongo.DirectTo(c.dsn, addr)
	app(opts)
	cl, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %s", addr, engines.RedactDSN(err.Error()))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.clients[addr]; ok {
		_ = cl.Disconnect(ctx)
		return old, nil
	}
	c.clients[addr] = cl
	return cl, nil
}

func (c *Collector) downIn(addr string, round int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.down[addr]; ok && d.round == round {
		return d.err
	}
	return nil
}

func (c *Collector) markDown(addr string, round int64, err error) {
	c.mu.Lock()
	c.down[addr] = downMark{round, err}
	c.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	c.mu.Lock()
	exp := c.exp
	c.mu.Unlock()
	exp.Describe(ch)
}

// Collect discovers the deployment again, then runs every source on its targets, each
// under its own timeout.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	exp := c.refresh()
	c.round.Add(1)
	exp.Collect(ch)
}

// ScrapeErrors implements collectors.ErrorReporter.
func (c *Collector) ScrapeErrors() map[string]error {
	c.mu.Lock()
	exp := c.exp
	c.mu.Unlock()
	return exp.ScrapeErrors()
}

// Scrapers lists the scrapers of the current deployment.
func (c *Collector) Scrapers() []string {
	c.mu.Lock()
	exp := c.exp
	c.mu.Unlock()
	return exp.Scrapers()
}

// Flavor is the flavor the server said it is.
func (c *Collector) Flavor() string { return c.flavor }

// Close stops running scrapes and closes every connection. It is safe to call more than once.
func (c *Collector) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.cancel()
	clients := c.clients
	c.clients = map[string]*mongo.Client{}
	exp := c.exp
	c.mu.Unlock()
	if exp != nil {
		_ = exp.Close()
	}
	ctx := context.Background()
	var errs []error
	for addr, cl := range clients {
		if err := cl.Disconnect(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", addr, err))
		}
	}
	if c.main != nil {
		if err := c.main.Disconnect(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close the main connection: %w", err))
		}
	}
	return errors.Join(errs...)
}
