package mongodb

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors/setting"
)

// The settings this collector understands.
const (
	SettingDatabases   = "stats.databases"
	SettingCollections = "stats.collections"
	SettingSlowMS      = "profile.slowms"
	SettingLongRunning = "currentop.threshold"
	SettingShapes      = "analysis.shapes"
	SettingExplains    = "analysis.explains"
)

// Settings are the validated settings of a collector.
type Settings struct {
	Databases   int           // databases dbStats reports (admin, config and local left out)
	Collections int           // collections $collStats and $indexStats read, over all databases
	SlowMS      int           // an operation this slow or slower counts as slow
	LongRunning time.Duration // a current operation running this long counts as long-running
	Shapes      int           // shapes the analysis reports per kind; the rest are summed as "(other)"
	Explains    int           // query shapes the analysis explains on FerretDB per Analyze
}

// DefaultSettings are the settings when none is given.
var DefaultSettings = Settings{Databases: 20, Collections: 50, SlowMS: 100, LongRunning: time.Second, Shapes: 50, Explains: 20}

// SettingDocs lists the settings, in the order the docs show them.
var SettingDocs = []setting.Doc{
	{Key: SettingDatabases, Default: "20", Help: "databases dbStats reports, in name order (admin, config and local are left out)"},
	{Key: SettingCollections, Default: "50", Help: "collections $collStats and $indexStats read per scrape, over all reported databases in name order"},
	{Key: SettingSlowMS, Default: "the server's", Help: "operations at least this many milliseconds long count as slow; by default the server's own threshold: the profiler's slowms on MongoDB (the engine starts mongod with --slowms 100), the wire recorder's on embedded FerretDB (the engine's slowms setting, default 100)"},
	{Key: SettingLongRunning, Default: "1s", Help: "a current operation running at least this long counts as long-running"},
	{Key: SettingShapes, Default: "50", Help: "aggregation and query shapes the analysis reports per kind; the rest are summed as \"(other)\""},
	{Key: SettingExplains, Default: "20", Help: "query shapes explained per Analyze on FerretDB, where explain is how index use is found"},
}

func parseSettings(m map[string]string) (Settings, error) {
	s := DefaultSettings
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := strings.TrimSpace(m[k])
		var err error
		switch k {
		case SettingDatabases:
			s.Databases, err = setting.Int("mongodb", k, v, 1)
		case SettingCollections:
			s.Collections, err = setting.Int("mongodb", k, v, 0)
		case SettingSlowMS:
			s.SlowMS, err = setting.Int("mongodb", k, v, 0)
		case SettingShapes:
			s.Shapes, err = setting.Int("mongodb", k, v, 2)
		case SettingExplains:
			s.Explains, err = setting.Int("mongodb", k, v, 0)
		case SettingLongRunning:
			s.LongRunning, err = setting.Duration("mongodb", k, v, "1s")
		default:
			err = setting.Unknown("mongodb", k, SettingDocs)
		}
		if err != nil {
			return Settings{}, err
		}
	}
	return s, nil
}
