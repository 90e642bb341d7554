package mongodb

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// Name is the engine's registry name, the metric prefix and the feature tag.
const Name = "mongodb"

// The flavors.
const (
	FlavorMongoDB  = "mongodb"
	FlavorFerretDB = "ferretdb"
)

// The topology kinds (Topology.Kind) and the roles their counts name.
const (
	Standalone = engines.Standalone
	ReplicaSet = "replicaset"
	Sharded    = "sharded"

	CountMembers = "members" // per replica set (per shard of a sharded cluster)
	CountShards  = "shards"
)

// URIEnv names an external server when DBHARNESS_MONGODB_DSN (what the runner passes as
// Spec.DSN) is not set: MongoDB's tools call it a URI.
const URIEnv = "DBHARNESS_MONGODB_URI"

func init() { engines.Register(Engine{}) }

// Engine starts MongoDB or FerretDB.
type Engine struct{}

var (
	_ engines.Engine          = Engine{}
	_ engines.StatementRunner = Engine{}
)

// Name returns "mongodb".
func (Engine) Name() string { return Name }

// Describe gives the words scenarios use for MongoDB, FerretDB, replica sets and shards.
func (Engine) Describe() engines.Description {
	return engines.Description{
		Display: "MongoDB",
		Aliases: []string{"Mongo"},
		Flavors: []engines.Flavor{
			{Name: FlavorMongoDB, Display: "MongoDB"},
			{Name: FlavorFerretDB, Display: "FerretDB"},
		},
		Topologies: []engines.TopologyForm{
			{Phrase: `replica set of (\d+) members?`,
				Example: "replica set of 3 members",
				Help:    "Starts a MongoDB replica set (Docker, or an external URI with replicaSet=): that many mongod members, initiated with the first as the likely primary; the step ends when a primary is elected and every member is a healthy primary or secondary.",
				Build: func(a []string) (engines.Topology, error) {
					n := atoi(a[0])
					if n < 1 || n > 7 {
						return engines.Topology{}, fmt.Errorf("a replica set has 1 to 7 voting members here, not %d", n)
					}
					return ReplicaSetTopology(n), nil
				}},
			{Phrase: `sharded cluster with (\d+) shards? of (\d+) members? each`,
				Example: "sharded cluster with 2 shards of 3 members each",
				Help:    "Starts a sharded MongoDB cluster (Docker): a config server replica set, that many shards, each a replica set of that many members, and a mongos; the step ends when every shard is added and balanced collections can be created.",
				Build: func(a []string) (engines.Topology, error) {
					return shardedTopology(atoi(a[0]), atoi(a[1]))
				}},
			{Phrase: `sharded cluster with (\d+) shards?`,
				Example: "sharded cluster with 2 shards",
				Help:    "Starts a sharded MongoDB cluster (Docker): a config server, that many single-member shard replica sets and a mongos.",
				Build: func(a []string) (engines.Topology, error) {
					return shardedTopology(atoi(a[0]), 1)
				}},
		},
		Groups: []engines.GroupForm{{Phrase: `shard (\d+)`, Example: "shard 1",
			Help: "a shard of a sharded MongoDB cluster (1, 2, ...): the primary of its replica set",
			Key: func(a []string) (string, error) {
				n, err := strconv.Atoi(a[0])
				if err != nil || n < 1 || n > maxShards {
					return "", fmt.Errorf("shard %s is out of range: shards are numbered 1 to %d", a[0], maxShards)
				}
				return ShardName(n), nil
			}}},
		Nouns:        []string{"replica set"},
		FailoverHelp: "MongoDB: replSetStepDown on the primary of the replica set (of the shard, on a sharded cluster); the other members elect a new one.",
		ExporterPort: 9216, // percona/mongodb_exporter
	}
}

// maxShards bounds a sharded cluster the engine starts.
const maxShards = 8

func shardedTopology(shards, members int) (engines.Topology, error) {
	if shards < 1 || shards > maxShards {
		return engines.Topology{}, fmt.Errorf("a sharded cluster has 1 to %d shards here, not %d", maxShards, shards)
	}
	if members < 1 || members > 7 {
		return engines.Topology{}, fmt.Errorf("a shard's replica set has 1 to 7 members here, not %d", members)
	}
	return ShardedTopology(shards, members), nil
}

// ReplicaSetTopology is a replica set of n members.
func ReplicaSetTopology(n int) engines.Topology {
	return engines.Topology{Kind: ReplicaSet, Counts: map[string]int{CountMembers: n}}
}

// ShardedTopology is a sharded cluster of shards replica sets of members each.
func ShardedTopology(shards, members int) engines.Topology {
	return engines.Topology{Kind: Sharded, Counts: map[string]int{CountShards: shards, CountMembers: members}}
}

// ShardName is the name of shard n (1, 2, ...): its replica set name and group key.
func ShardName(n int) string { return "shard-" + strconv.Itoa(n) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// Check says whether provider p can start MongoDB here: docker runs the real server,
// embedded runs FerretDB in this process (always possible: it is compiled in).
func (Engine) Check(ctx context.Context, p engines.Provider) error {
	return engines.CheckProvider(p, "MongoDB", map[engines.Provider]func() error{
		engines.ProviderDocker:   func() error { return docker.Check(ctx) },
		engines.ProviderEmbedded: func() error { return nil },
	})
}

// Start starts what the spec asks for. On error it may return a half-started instance,
// which the caller must Stop.
func (e Engine) Start(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	auto := spec.Provider == "" || spec.Provider == engines.ProviderAuto
	if spec.DSN == "" && (auto || spec.Provider == engines.ProviderExternal) {
		spec.DSN = os.Getenv(URIEnv)
	}
	if spec.DSN != "" && auto {
		spec.Provider = engines.ProviderExternal
	}
	pl, err := newPlan(spec)
	if err != nil {
		return nil, err
	}
	p, err := e.resolve(ctx, pl)
	if err != nil {
		return nil, err
	}
	switch p {
	case engines.ProviderEmbedded:
		return instanceOrNil(startEmbedded(ctx, pl))
	case engines.ProviderDocker:
		return instanceOrNil(startDocker(ctx, pl))
	case engines.ProviderExternal:
		return instanceOrNil(startExternal(ctx, pl))
	}
	return nil, fmt.Errorf("mongodb: provider %s is not supported: use docker, embedded or external", p)
}

// resolve picks the provider: FerretDB is embedded; MongoDB is Docker where it answers,
// else embedded FerretDB for a single server. A replica set or a sharded cluster needs real
// MongoDB: without Docker (or a URI) it is unavailable here, and its scenario is skipped.
func (e Engine) resolve(ctx context.Context, pl *plan) (engines.Provider, error) {
	p := pl.spec.Provider
	if p == "" {
		p = engines.ProviderAuto
	}
	if p == engines.ProviderNative {
		// Note: no mongod can be installed here; "native" asks for a server on this machine
		// rather than in a container, and this engine's is embedded FerretDB (the feature
		// suite pins native so that nothing runs in Docker).
		p = engines.ProviderEmbedded
		pl.flavor = FlavorFerretDB
	}
	if pl.flavor == FlavorFerretDB {
		switch p {
		case engines.ProviderAuto, engines.ProviderEmbedded:
			return engines.ProviderEmbedded, pl.needsMongoDB()
		case engines.ProviderExternal:
			return p, nil
		}
		return "", fmt.Errorf("mongodb: FerretDB runs embedded in dbharness (provider embedded) or external, not %s", p)
	}
	if p == engines.ProviderExternal {
		return p, nil
	}
	got, err := engines.Resolve(ctx, e, p)
	if err != nil {
		return "", err
	}
	if got == engines.ProviderEmbedded {
		if err := pl.needsMongoDB(); err != nil {
			return "", err
		}
		pl.log.Info("no Docker engine answers: the MongoDB wire protocol is served by embedded FerretDB (flavor ferretdb)")
		pl.flavor = FlavorFerretDB
	}
	return got, nil
}

// needsMongoDB says why a topology FerretDB cannot be needs Docker or an external server.
func (pl *plan) needsMongoDB() error {
	if pl.kind == Standalone {
		return nil
	}
	why := "no Docker engine answers here"
	switch {
	case pl.spec.Provider == engines.ProviderNative || pl.spec.Provider == engines.ProviderEmbedded:
		why = "provider " + string(pl.spec.Provider) + " runs embedded FerretDB"
	case strings.EqualFold(pl.spec.Flavor, FlavorFerretDB):
		why = "the scenario asked for FerretDB"
	}
	return fmt.Errorf("mongodb: a %s needs real MongoDB (mongod), through provider docker or an external server (%s or DBHARNESS_MONGODB_DSN), and %s; FerretDB has no replication or sharding (%w)",
		describeKind(pl.kind), URIEnv, why, engines.ErrUnavailable)
}

func describeKind(kind string) string {
	switch kind {
	case ReplicaSet:
		return "replica set"
	case Sharded:
		return "sharded cluster"
	}
	return kind
}

// instanceOrNil keeps a nil pointer from becoming a non-nil Instance interface.
func instanceOrNil[T interface {
	engines.Instance
	comparable
}](in T, err error) (engines.Instance, error) {
	var zero T
	if in == zero {
		return nil, err
	}
	return in, err
}
