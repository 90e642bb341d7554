package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/generators"
)

// GetSet is a mix of GET and SET (operations "get" and "set") over the keys dataset: keys
// drawn with KeyDistribution (uniform when empty), SET values with the Values sizes. A GET
// that finds no value is an error of class "miss": the dataset loaded every key.
//
// The zero value is the registered "get-set": 90% GET, 10% SET. Other mixes are named
// get-set-<get%>-<set%> (registered: 50-50, 100-0, 0-100).
type GetSet struct {
	GetWeight, SetWeight float64 // both zero: 90 and 10
	KeyDistribution      string  // a generators distribution; empty: uniform
	Values               ValueSize
	errorClasses
}

var (
	_ workloads.Workload        = GetSet{}
	_ workloads.Preparer        = GetSet{}
	_ workloads.ErrorClassifier = GetSet{}
)

func (g GetSet) weights() (get, set float64) {
	if g.GetWeight == 0 && g.SetWeight == 0 {
		return 90, 10
	}
	return g.GetWeight, g.SetWeight
}

// Name is get-set for the default mix, get-set-<get%>-<set%> for others, and -<distribution>
// after it for a key distribution other than uniform.
func (g GetSet) Name() string {
	name := "get-set" + mixSuffix(g.weights())
	if g.KeyDistribution != "" && g.KeyDistribution != generators.Uniform {
		name += "-" + g.KeyDistribution
	}
	return name
}

// mixSuffix is "" for the default 90/10 mix, else -<get%>-<set%>.
func mixSuffix(get, set float64) string {
	if get*10 == set*90 { // 90/10 in any units
		return ""
	}
	pct := math.Round(100 * get / (get + set))
	return "-" + strconv.Itoa(int(pct)) + "-" + strconv.Itoa(100-int(pct))
}

func (GetSet) Database() string { return Database }
func (GetSet) Dataset() string  { return KeysDatasetName }
func (g GetSet) Description() string {
	get, set := g.weights()
	return fmt.Sprintf("GET and SET of the keys dataset's keys, %.0f%% GET, %s key choice, SET values %s",
		100*get/(get+set), orUniform(g.KeyDistribution), g.Values)
}

func orUniform(d string) string {
	if d == "" {
		return generators.Uniform
	}
	return d
}

func (g GetSet) Operations() []workloads.Operation {
	get, set := g.weights()
	return []workloads.Operation{{Name: "get", Weight: get}, {Name: "set", Weight: set}}
}

// Prepare reads the key count of the keys dataset and builds the key chooser the run's
// workers share.
func (g GetSet) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	keys, err := prepareKeys(ctx, t, g.Name(), g.KeyDistribution)
	if err != nil {
		return nil, err
	}
	if _, err := g.Values.generator(); err != nil {
		return nil, fmt.Errorf("%s: %w", g.Name(), err)
	}
	return &getSetRun{GetSet: g, keys: keys, redirectCounts: &redirectCounts{}}, nil
}

// NewWorker without Prepare prepares a private run (the load engine prepares first).
func (g GetSet) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := g.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

// keySpace is the keys dataset's key count and the run's chooser over it.
type keySpace struct {
	n      int64
	choose generators.Generator
}

func prepareKeys(ctx context.Context, t workloads.Target, workload, distribution string) (keySpace, error) {
	n, err := loadedKeys(ctx, t, workload)
	if err != nil {
		return keySpace{}, err
	}
	gen, err := generators.New(generators.Spec{Distribution: orUniform(distribution), Min: 0, Max: n - 1})
	if err != nil {
		return keySpace{}, fmt.Errorf("%s: key distribution: %w", workload, err)
	}
	return keySpace{n: n, choose: gen}, nil
}

// getSetRun is one run of a GetSet.
type getSetRun struct {
	GetSet
	keys            keySpace
	*redirectCounts // MOVED and ASK followed: Redirects and Counts
}

func (r *getSetRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connectWorker(ctx, r.Name(), t, r.redirectCounts)
	if err != nil {
		return nil, err
	}
	values, err := newValuePool(r.Values, uint64(id))
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	return &getSetWorker{c: c, keys: r.keys, values: values}, nil
}

type getSetWorker struct {
	keyNamer
	c      goredis.UniversalClient
	keys   keySpace
	values *valuePool
}

func (w *getSetWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	key := w.key(w.keys.choose.Next(rng))
	if op == 0 {
		if err := w.c.Get(ctx, key).Err(); err != nil {
			if errors.Is(err, goredis.Nil) {
				return fmt.Errorf("get %s: %w", key, errMiss)
			}
			return fmt.Errorf("get: %w", err)
		}
		return nil
	}
	if err := w.c.Set(ctx, key, w.values.next(rng), 0).Err(); err != nil {
		return fmt.Errorf("set: %w", err)
	}
	return nil
}

func (w *getSetWorker) Close(context.Context) error { return closeClient(w.c) }
