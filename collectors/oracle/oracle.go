// Package oracle collects Oracle Database's dynamic performance views as Prometheus
// metrics, with names close to the OpenTelemetry oracledb receiver's and oracledb_exporter's
// (prefix oracledb_), and analyzes what a load did: the top SQL, its plans, the waits it
// met, the space its tables leave unused.
//
// Each scraper lives in a file named after the view it reads and declares its metrics next
// to its query. Scrapers read the GV$ views and label every metric by inst_id, so a RAC
// database reports each instance (a single instance is inst_id 1). A scraper separates
// querying from parsing: the parser takes the rows (engines/oracle/answer), which is what
// the tests feed recorded answers to.
//
// AWR and ASH are the Diagnostics Pack, which needs a licence on Enterprise Edition: the
// collector reads CONTROL_MANAGEMENT_PACK_ACCESS and does not touch them unless it
// includes DIAGNOSTIC (Oracle Free includes the pack and its images set the parameter so).
//
// Settings (collectors.WithSetting):
//
//	sql.limit          top SQL by elapsed time per instance to export (default 20)
//	sql.text_length    characters of normalized SQL text in the sql_text label (default 120)
//	events.limit       top wait events by time waited per instance (default 20)
//	diagnostics_pack   auto (use ASH and AWR where the parameter allows, default) or off
//	analysis.segment_advisor   on (run the Segment Advisor after each analyzed load, default) or off
//	analysis.full_scan_bytes   size from which a table read whole is a finding (default 1048576)
package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle"
)

// Database is the name the collector is registered under and the catalog database of its
// metrics; Namespace is their prefix.
const (
	Database  = oracle.Name
	Namespace = oracle.Namespace
)

// The settings this collector understands.
const (
	SettingSQLLimit        = "sql.limit"
	SettingSQLTextLength   = "sql.text_length"
	SettingEventsLimit     = "events.limit"
	SettingDiagnosticsPack = "diagnostics_pack"
	SettingSegmentAdvisor  = "analysis.segment_advisor"
	SettingFullScanBytes   = "analysis.full_scan_bytes"
)

// Config is the collector's settings, validated.
type Config struct {
	SQLLimit, SQLTextLength, EventsLimit int
	// DiagnosticsPack is false when the settings forbid AWR and ASH whatever the server says.
	DiagnosticsPack bool
	// SegmentAdvisor runs the Segment Advisor after each load the analysis looks at.
	SegmentAdvisor bool
	// FullScanBytes is the size from which a table read whole is a full-scan finding.
	FullScanBytes float64
	// Program is the PROGRAM the load's sessions carry (the DSN's own, or
	// dbharness-workload), which the wait analysis looks for.
	Program string
}

// DefaultConfig is what the collector runs with when no setting is given.
var DefaultConfig = Config{SQLLimit: 20, SQLTextLength: 120, EventsLimit: 20, DiagnosticsPack: true,
	SegmentAdvisor: true, FullScanBytes: 1 << 20, Program: oracle.ProgramWorkload}

// A Scraper is one Oracle scraper.
type Scraper = collectors.Scraper[*sql.DB]

func init() { collectors.Register(Database, open) }

// open is the Factory: it opens a pool of its own (as many connections as scrapers run at
// once), which Close closes. Its sessions carry PROGRAM dbharness-collector.
func open(ctx context.Context, dsn string, cfg collectors.Config) (collectors.Collector, error) {
	conf, err := ParseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	d, err := oracle.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if p := d.Program(); p != "" {
		conf.Program = p // Note: the workloads keep a DSN's own PROGRAM, so the waits are theirs.
	}
	db, err := sql.Open("oracle", oracle.WithProgram(dsn, oracle.ProgramCollector))
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	db.SetMaxOpenConns(cfg.Concurrency + 1) // Note: one more for the analysis.
	db.SetMaxIdleConns(cfg.Concurrency + 1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	c, err := newCollector(db, conf, cfg, func() error { return db.Close() })
	if err != nil {
		db.Close()
		return nil, err
	}
	return c, nil
}

// New returns a collector over a pool the caller owns (Close does not close it). Options are
// those of collectors.Open.
func New(db *sql.DB, opts ...collectors.Option) (*Collector, error) {
	cfg, err := collectors.NewConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("new oracle collector: %w", err)
	}
	conf, err := ParseSettings(cfg.Settings)
	if err != nil {
		return nil, fmt.Errorf("new oracle collector: %w", err)
	}
	return newCollector(db, conf, cfg, nil)
}

func newCollector(db *sql.DB, conf Config, cfg collectors.Config, closeFn func() error) (*Collector, error) {
	c := &Collector{db: db, conf: conf, pack: newPackAccess(conf.DiagnosticsPack), program: conf.Program, opened: time.Now(), pollEvery: time.Second}
	e, err := collectors.New(Database, db, c.scrapers(), cfg, closeFn)
	if err != nil {
		return nil, err
	}
	c.Exporter = e
	return c, nil
}

// Collector is the Oracle collector: its scrapers over a database/sql pool, and the
// analysis.
type Collector struct {
	*collectors.Exporter[*sql.DB]
	db      *sql.DB
	conf    Config
	pack    *packAccess
	program string    // the PROGRAM of the load's sessions
	opened  time.Time // when the collector opened
	// pollEvery is how often the v$session_event fallback polls (a second; less in tests).
	pollEvery time.Duration

	mu   sync.Mutex
	mark *mark
}

// scrapers are every scraper, configured.
func (c *Collector) scrapers() []Scraper {
	return []Scraper{
		sysstat{},
		sysTimeModel{},
		sysmetric{},
		sessions{},
		resourceLimits{},
		tablespaceUsage{},
		systemWaitClass{},
		newSystemEvent(c.conf.EventsLimit),
		newSQLStats(c.conf.SQLLimit, c.conf.SQLTextLength),
		ash{pack: c.pack},
	}
}

// ParseSettings validates the collector's settings; unknown keys and bad values are errors.
func ParseSettings(settings map[string]string) (Config, error) {
	conf := DefaultConfig
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		v := strings.TrimSpace(settings[k])
		var err error
		switch k {
		case SettingSQLLimit:
			conf.SQLLimit, err = positive(k, v)
		case SettingSQLTextLength:
			conf.SQLTextLength, err = positive(k, v)
		case SettingEventsLimit:
			conf.EventsLimit, err = positive(k, v)
		case SettingDiagnosticsPack:
			conf.DiagnosticsPack, err = onOff(k, v, "auto")
		case SettingSegmentAdvisor:
			conf.SegmentAdvisor, err = onOff(k, v, "on")
		case SettingFullScanBytes:
			var n int
			n, err = positive(k, v)
			conf.FullScanBytes = float64(n)
		default:
			err = fmt.Errorf("unknown oracle collector setting %q: known settings are %s", k,
				strings.Join([]string{SettingSQLLimit, SettingSQLTextLength, SettingEventsLimit, SettingDiagnosticsPack, SettingSegmentAdvisor, SettingFullScanBytes}, ", "))
		}
		if err != nil {
			return Config{}, err
		}
	}
	return conf, nil
}

// onOff reads a switch: yes ("auto" or "on") or "off".
func onOff(key, v, yes string) (bool, error) {
	switch strings.ToLower(v) {
	case yes:
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("oracle collector setting %s: want %s or off, got %q", key, yes, v)
}

func positive(key, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("oracle collector setting %s: want a positive integer, got %q", key, v)
	}
	return n, nil
}

// metric declares one of Oracle's metrics; the labels are the scraper's.
func metric(name string, t catalog.Type, unit catalog.Unit, source, help string, labels ...string) catalog.Metric {
	return catalog.Metric{Name: name, Type: t, Unit: unit, Help: help, Labels: labels,
		Database: Database, Namespace: Namespace, Source: source}
}

// A sample is one value a parser found, for the scraper to emit.
type sample struct {
	metric string
	value  float64
	labels []string
}

// emit sends samples through the emitter, stopping at the first it refuses.
func emit(e *collectors.Emitter, scraper string, samples []sample) error {
	for _, s := range samples {
		if err := e.Emit(s.metric, s.value, s.labels...); err != nil {
			return fmt.Errorf("scrape %s: %w", scraper, err)
		}
	}
	return nil
}

// queryError names the scraper and says what to grant when the view is not readable.
func queryError(scraper string, err error) error {
	return fmt.Errorf("scrape %s: %w%s", scraper, err, oracle.GrantHint(err))
}
