package mongodb

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// plan is a validated spec: the flavor and topology, where FerretDB keeps its data, the
// driver options every client gets through the URI, and mongod's own options.
type plan struct {
	spec    engines.Spec
	flavor  string // FlavorMongoDB or FlavorFerretDB; "" until the provider decides
	kind    string // Standalone, ReplicaSet or Sharded
	members int    // per replica set
	shards  int
	// backend is FerretDB's storage: BackendSQLite, BackendPostgreSQL, or "" for the
	// default (PostgreSQL where the PostgreSQL engine can start, else SQLite).
	backend string
	// uriOptions are driver options (pool size, timeouts, write concern) put into the URI
	// the instance hands out, so the collector and every worker connect with them.
	uriOptions map[string]string
	// mongod are mongod's options, as settings name them (profile, slowms, ...).
	mongod  map[string]string
	timeout time.Duration
	log     *slog.Logger
}

// FerretDB's storage backends.
const (
	BackendSQLite     = "sqlite"
	BackendPostgreSQL = "postgresql"
)

// SettingBackend selects FerretDB's storage backend.
const SettingBackend = "backend"

// uriOptionNames are the driver options a setting may set, spelt as the URI spells them
// (settings match them in any case).
var uriOptionNames = []string{
	"maxPoolSize", "minPoolSize", "maxConnecting", "maxIdleTimeMS", "waitQueueTimeoutMS",
	"connectTimeoutMS", "serverSelectionTimeoutMS", "socketTimeoutMS", "timeoutMS",
	"heartbeatFrequencyMS", "localThresholdMS", "w", "wTimeoutMS", "journal",
	"readPreference", "readConcernLevel", "retryWrites", "retryReads", "compressors",
}

// managedOptions are mongod options the engine sets itself: a scenario cannot move them.
var managedOptions = map[string]string{
	"port": "the engine picks free ports", "bind_ip": "members listen on 127.0.0.1",
	"bind_ip_all": "members listen on 127.0.0.1", "replset": "use the replica set or sharded topology",
	"dbpath": "each member keeps its data in its container", "configsvr": "use the sharded topology",
	"shardsvr": "use the sharded topology", "fork": "members run in the foreground",
	"logpath": "the log goes to the container's output", "keyfile": "the test members run without auth",
	"auth": "the test members run without auth",
}

// defaultMongod are the mongod options every member starts with: the profiler on for slow
// operations, which the collector's profile scraper and the slow query analysis read.
var defaultMongod = map[string]string{"profile": "1", "slowms": "100"}

func newPlan(spec engines.Spec) (*plan, error) {
	pl := &plan{spec: spec, timeout: spec.StartTimeout, uriOptions: map[string]string{}, mongod: maps.Clone(defaultMongod)}
	if pl.timeout == 0 {
		pl.timeout = 2 * time.Minute
	}
	pl.log = slog.New(slog.DiscardHandler)
	if spec.Logger != nil {
		pl.log = spec.Logger.With("engine", Name)
	}
	switch f := strings.ToLower(spec.Flavor); f {
	case "", FlavorMongoDB:
		if spec.Provider == engines.ProviderEmbedded {
			pl.flavor = FlavorFerretDB
		}
	case FlavorFerretDB:
		pl.flavor = f
	default:
		return nil, fmt.Errorf("mongodb: unknown flavor %q: use mongodb or ferretdb", spec.Flavor)
	}
	t := spec.Topology
	switch pl.kind = t.KindOr(); pl.kind {
	case Standalone:
		pl.members = 1
	case ReplicaSet:
		pl.members = t.Count(CountMembers, 3)
	case Sharded:
		pl.shards, pl.members = t.Count(CountShards, 2), t.Count(CountMembers, 1)
	default:
		return nil, fmt.Errorf("mongodb: unknown topology %q: use standalone, %s or %s", t.Kind, ReplicaSet, Sharded)
	}
	if pl.members < 1 || pl.members > 7 || pl.shards < 0 || pl.shards > maxShards || (pl.kind == Sharded && pl.shards < 1) {
		return nil, fmt.Errorf("mongodb: %d shards of %d members is not a topology this engine starts (1 to %d shards, 1 to 7 members each)", pl.shards, pl.members, maxShards)
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Settings)) {
		if err := pl.setting(k, spec.Settings[k]); err != nil {
			return nil, err
		}
	}
	return pl, nil
}

// setting applies one scenario setting: a driver option, FerretDB's backend, or a mongod
// option ("setParameter.name" for a server parameter).
func (pl *plan) setting(k, v string) error {
	key := strings.TrimSpace(k)
	if i := slices.IndexFunc(uriOptionNames, func(n string) bool { return strings.EqualFold(n, key) }); i >= 0 {
		if strings.ContainsAny(v, "&#") {
			return fmt.Errorf("mongodb: driver option %s=%q: the value may not contain & or #", key, v)
		}
		pl.uriOptions[uriOptionNames[i]] = strings.TrimSpace(v)
		return nil
	}
	if strings.EqualFold(key, SettingBackend) {
		switch b := strings.ToLower(strings.TrimSpace(v)); b {
		case BackendSQLite, BackendPostgreSQL:
			if pl.flavor == FlavorMongoDB {
				return fmt.Errorf("mongodb: setting backend=%s is FerretDB's: real MongoDB keeps its data in WiredTiger", b)
			}
			pl.backend = b
			return nil
		}
		return fmt.Errorf("mongodb: FerretDB backend %q: use sqlite or postgresql", v)
	}
	name := strings.TrimLeft(key, "-")
	if why, ok := managedOptions[strings.ToLower(name)]; ok {
		return fmt.Errorf("mongodb: setting %q is managed by the engine (%s)", k, why)
	}
	if name == "" || strings.ContainsAny(name, " \t\r\n\"'=") {
		return fmt.Errorf("mongodb: setting %q is not a mongod option name (driver options: %s; FerretDB: backend)", k, strings.Join(uriOptionNames, ", "))
	}
	pl.mongod[name] = strings.TrimSpace(v)
	return nil
}

// mongodArgs are the mongod command-line options from the settings, sorted for stable
// logs: "--slowms 100", "--setParameter name=value".
func (pl *plan) mongodArgs() []string {
	var args []string
	for _, k := range slices.Sorted(maps.Keys(pl.mongod)) {
		if p, ok := strings.CutPrefix(k, "setParameter."); ok {
			args = append(args, "--setParameter", p+"="+pl.mongod[k])
			continue
		}
		args = append(args, "--"+k)
		if v := pl.mongod[k]; v != "" && !strings.EqualFold(v, "true") {
			args = append(args, v)
		}
	}
	return args
}

// ferretdbSettings refuses mongod options on FerretDB, which has none, save slowms: the
// threshold of the wire recorder in front of it, which the collector takes as the
// profiler's.
func (pl *plan) ferretdbSettings() (slowms int, err error) {
	slowms, err = strconv.Atoi(pl.mongod["slowms"])
	if err != nil || slowms < 0 {
		return 0, fmt.Errorf("mongodb: setting slowms=%q: want a number of milliseconds", pl.mongod["slowms"])
	}
	for k := range pl.mongod {
		if _, def := defaultMongod[k]; def && (k == "slowms" || pl.mongod[k] == defaultMongod[k]) {
			continue
		}
		return 0, fmt.Errorf("mongodb: setting %q is a mongod option, and FerretDB has none: its settings are backend (sqlite or postgresql), slowms (the wire recorder's) and the driver options (%s)", k, strings.Join(uriOptionNames, ", "))
	}
	return slowms, nil
}
