package mongodb

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
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

// A SettingDoc documents one setting for the docs page.
type SettingDoc struct{ Key, Default, Help string }

// SettingDocs lists the settings, in the order the docs show them.
var SettingDocs = []SettingDoc{
	{SettingDatabases, "20", "databases dbStats reports, in name order (admin, config and local are left out)"},
	{SettingCollections, "50", "collections $collStats and $indexStats read per scrape, over all reported databases in name order"},
	{SettingSlowMS, "the server's", "operations at least this many milliseconds long count as slow; by default the server's own threshold: the profiler's slowms on MongoDB (the engine starts mongod with --slowms 100), the wire recorder's on embedded FerretDB (the engine's slowms setting, default 100)"},
	{SettingLongRunning, "1s", "a current operation running at least this long counts as long-running"},
	{SettingShapes, "50", "aggregation and query shapes the analysis reports per kind; the rest are summed as \"(other)\""},
	{SettingExplains, "20", "query shapes explained per Analyze on FerretDB, where explain is how index use is found"},
}

func parseSettings(m map[string]string) (Settings, error) {
	s := DefaultSettings
	var known []string
	for _, d := range SettingDocs {
		known = append(known, d.Key)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := strings.TrimSpace(m[k])
		var err error
		switch k {
		case SettingDatabases:
			s.Databases, err = intSetting(k, v, 1)
		case SettingCollections:
			s.Collections, err = intSetting(k, v, 0)
		case SettingSlowMS:
			s.SlowMS, err = intSetting(k, v, 0)
		case SettingShapes:
			s.Shapes, err = intSetting(k, v, 2)
		case SettingExplains:
			s.Explains, err = intSetting(k, v, 0)
		case SettingLongRunning:
			s.LongRunning, err = time.ParseDuration(v)
			if err != nil || s.LongRunning <= 0 {
				err = fmt.Errorf("mongodb collector setting %s: want a positive duration such as 1s, got %q", k, v)
			}
		default:
			err = fmt.Errorf("unknown mongodb collector setting %q: known settings are %s", k, strings.Join(known, ", "))
		}
		if err != nil {
			return Settings{}, err
		}
	}
	return s, nil
}

func intSetting(key, v string, least int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		return 0, fmt.Errorf("mongodb collector setting %s: want an integer of at least %d, got %q", key, least, v)
	}
	return n, nil
}
