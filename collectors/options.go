package collectors

import (
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultTimeout bounds each scraper when no WithTimeout option is given.
const DefaultTimeout = 5 * time.Second

// DefaultConcurrency is how many scrapers of one collector run at once by default.
const DefaultConcurrency = 2

// Config is the validated configuration a Factory receives.
type Config struct {
	// Timeout bounds each scraper on its own.
	Timeout time.Duration
	// Concurrency is how many scrapers run at once (and so the connections a collector uses).
	Concurrency int
	// ConstLabels are added to every metric, e.g. {"instance": "primary"}.
	ConstLabels prometheus.Labels
	// Scrapers enables only the named scrapers; empty means the collector's defaults.
	Scrapers []string
	// Settings are database-specific knobs, documented by each collector package (e.g.
	// postgres: "statements.limit").
	Settings map[string]string
	// Logger receives scraper failures; it is never nil after validation.
	Logger *slog.Logger
	// Strict makes the emitter panic, not only fail the scraper, on a metric that bypasses
	// the catalog. It defaults to true in test binaries.
	Strict bool
}

// An Option configures a collector.
type Option func(*Config) error

// WithTimeout sets the timeout of each scraper.
func WithTimeout(d time.Duration) Option {
	return func(c *Config) error {
		if d <= 0 {
			return fmt.Errorf("scraper timeout must be positive, got %s", d)
		}
		c.Timeout = d
		return nil
	}
}

// WithConcurrency sets how many scrapers run at once.
func WithConcurrency(n int) Option {
	return func(c *Config) error {
		if n < 1 {
			return fmt.Errorf("scraper concurrency must be at least 1, got %d", n)
		}
		c.Concurrency = n
		return nil
	}
}

// WithConstLabels adds constant labels to every metric of the collector.
func WithConstLabels(l prometheus.Labels) Option {
	return func(c *Config) error {
		c.ConstLabels = maps.Clone(l)
		return nil
	}
}

// WithScrapers enables only the named scrapers (e.g. "pg_stat_database").
func WithScrapers(names ...string) Option {
	return func(c *Config) error {
		c.Scrapers = append(c.Scrapers, names...)
		return nil
	}
}

// WithSetting sets a database-specific knob; the collector rejects keys it does not know.
func WithSetting(key, value string) Option {
	return func(c *Config) error {
		if key == "" {
			return fmt.Errorf("collector setting with an empty key")
		}
		if c.Settings == nil {
			c.Settings = map[string]string{}
		}
		c.Settings[key] = value
		return nil
	}
}

// WithLogger sets the logger for scraper failures.
func WithLogger(l *slog.Logger) Option {
	return func(c *Config) error {
		c.Logger = l
		return nil
	}
}

// WithStrict sets whether a metric that bypasses the catalog panics (see Config.Strict).
func WithStrict(strict bool) Option {
	return func(c *Config) error {
		c.Strict = strict
		return nil
	}
}

// NewConfig applies options over the defaults.
func NewConfig(opts ...Option) (Config, error) {
	c := Config{
		Timeout:     DefaultTimeout,
		Concurrency: DefaultConcurrency,
		Strict:      strictDefault(),
	}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return Config{}, err
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
