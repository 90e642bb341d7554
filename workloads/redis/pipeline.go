package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/dbharness/dbharness/workloads"
)

// DefaultPipelineDepth is the depth of the registered "pipeline" (redis-benchmark -P 16).
const DefaultPipelineDepth = 16

// Pipeline sends Depth commands in one round trip: one operation, "pipeline", is one
// pipeline, so commands per second are Depth × its ops/s. Each command is a GET or a SET
// of a key of the keys dataset, drawn like GetSet's. On a standalone server each worker
// writes its pipelines on a RESP connection of its own (respPipe: go-redis's cost per
// command held it to 0.6 of redis-benchmark); on a cluster go-redis splits the pipeline by
// node and sends the parts at once, and on a sentinel it follows failovers. The operation
// ends when every reply is back.
//
// The zero value is the registered "pipeline": depth 16, 90% GET. Names:
// pipeline[-<depth>][-<get%>-<set%>], depth left out when 16 and the mix when 90/10
// (registered: pipeline-4, pipeline-64, pipeline-100-0, pipeline-0-100).
type Pipeline struct {
	Depth                int     // commands per round trip; zero: 16
	GetWeight, SetWeight float64 // both zero: 90 and 10
	KeyDistribution      string  // empty: uniform
	Values               ValueSize
	errorClasses
}

var (
	_ workloads.Workload        = Pipeline{}
	_ workloads.Preparer        = Pipeline{}
	_ workloads.ErrorClassifier = Pipeline{}
)

func (p Pipeline) depth() int {
	if p.Depth == 0 {
		return DefaultPipelineDepth
	}
	return p.Depth
}

func (p Pipeline) mix() GetSet {
	return GetSet{GetWeight: p.GetWeight, SetWeight: p.SetWeight, KeyDistribution: p.KeyDistribution, Values: p.Values}
}

func (p Pipeline) Name() string {
	name := "pipeline"
	if d := p.depth(); d != DefaultPipelineDepth {
		name += "-" + strconv.Itoa(d)
	}
	name += mixSuffix(p.mix().weights())
	if p.KeyDistribution != "" && p.KeyDistribution != "uniform" {
		name += "-" + p.KeyDistribution
	}
	return name
}

func (Pipeline) Database() string { return Database }
func (Pipeline) Dataset() string  { return KeysDatasetName }
func (p Pipeline) Description() string {
	get, set := p.mix().weights()
	return fmt.Sprintf("pipelines of %d commands (one round trip per operation; a RESP writer of its own on a standalone server, go-redis on a cluster or sentinel), %.0f%% GET and %.0f%% SET of the keys dataset's keys",
		p.depth(), 100*get/(get+set), 100*set/(get+set))
}

func (p Pipeline) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "pipeline", Weight: 1}}
}

// Prepare reads the key count and builds the shared key chooser.
func (p Pipeline) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	if d := p.depth(); d < 1 || d > 100000 {
		return nil, fmt.Errorf("%s: depth must be between 1 and 100000, got %d", p.Name(), d)
	}
	get, set := p.mix().weights()
	if !(get >= 0 && set >= 0 && get+set > 0) {
		return nil, fmt.Errorf("%s: GET and SET weights must be 0 or more and not both 0, got %v and %v", p.Name(), get, set)
	}
	keys, err := prepareKeys(ctx, t, p.Name(), p.KeyDistribution)
	if err != nil {
		return nil, err
	}
	if _, err := p.Values.generator(); err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name(), err)
	}
	return &pipelineRun{Pipeline: p, keys: keys, getShare: get / (get + set), redirectCounts: &redirectCounts{}}, nil
}

// NewWorker without Prepare prepares a private run.
func (p Pipeline) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := p.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type pipelineRun struct {
	Pipeline
	keys            keySpace
	getShare        float64
	*redirectCounts // MOVED and ASK followed: Redirects and Counts
}

func (r *pipelineRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	values, err := newValuePool(r.Values, uint64(id))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	rt, err := parseTarget(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	if rt.Scheme == engredis.SchemeStandalone {
		pctx, cancel := context.WithTimeout(ctx, dialTimeout+ioTimeout)
		defer cancel()
		raw, err := dialResp(pctx, rt)
		if err != nil {
			return nil, fmt.Errorf("%s: connect to %s: %w", r.Name(), rt.Address(), err)
		}
		return &pipelineWorker{run: r, raw: raw, values: values}, nil
	}
	c, err := connectWorker(ctx, r.Name(), t, r.redirectCounts)
	if err != nil {
		return nil, err
	}
	return &pipelineWorker{run: r, c: c, pipe: c.Pipeline(), values: values}, nil
}

// A pipelineWorker sends its pipelines through its own RESP connection on a standalone
// server (raw), else through go-redis (c and pipe), which splits them by node on a cluster
// and follows a sentinel's failovers.
type pipelineWorker struct {
	keyNamer
	run    *pipelineRun
	raw    *respPipe
	c      goredis.UniversalClient
	pipe   goredis.Pipeliner // reused: Exec empties it
	values *valuePool
}

func (w *pipelineWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	if w.raw != nil {
		return w.doRaw(ctx, rng)
	}
	depth := w.run.depth()
	for range depth {
		key := w.key(w.run.keys.choose.Next(rng))
		if rng.Float64() < w.run.getShare {
			w.pipe.Get(ctx, key)
		} else {
			w.pipe.Set(ctx, key, w.values.next(rng), 0)
		}
	}
	cmds, err := w.pipe.Exec(ctx)
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("pipeline of %d: %w", depth, err)
	}
	for _, cmd := range cmds {
		if errors.Is(cmd.Err(), goredis.Nil) {
			return fmt.Errorf("pipeline of %d: get %s: %w", depth, cmd.Args()[1], errMiss)
		}
	}
	return nil
}

// doRaw is Do on the worker's RESP connection: the same draws in the same order.
func (w *pipelineWorker) doRaw(ctx context.Context, rng *rand.Rand) error {
	depth := w.run.depth()
	for range depth {
		key := w.keyBytes(w.run.keys.choose.Next(rng))
		if rng.Float64() < w.run.getShare {
			w.raw.get(key)
		} else {
			w.raw.set(key, w.values.next(rng))
		}
	}
	miss, err := w.raw.exec(ctx)
	if err != nil {
		return fmt.Errorf("pipeline of %d: %w", depth, err)
	}
	if miss != nil {
		return fmt.Errorf("pipeline of %d: get %s: %w", depth, miss.key, errMiss)
	}
	return nil
}

func (w *pipelineWorker) Close(context.Context) error {
	if w.raw != nil {
		w.raw.close()
		return nil
	}
	return closeClient(w.c)
}
