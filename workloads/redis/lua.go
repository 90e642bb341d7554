package redis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/workloads"
)

// rateLimiter is a fixed-window rate limiter: count the call in the caller's window key,
// start the window's expiry with the first call, allow while the count is within the
// limit. It returns 1 (allowed) or 0 (limited). KEYS[1] is the window key; ARGV[1] the limit,
// ARGV[2] the window in milliseconds.
const rateLimiter = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then return 0 end
return 1`

// Defaults of the registered "lua".
const (
	DefaultLuaUsers  = 1000
	DefaultLuaLimit  = 100
	DefaultLuaWindow = time.Second
)

// luaPrefix starts the rate limiter's window keys: dbh:rl:<user>.
const luaPrefix = KeyPrefix + "rl:"

// Lua runs a small script by EVALSHA, one operation "limit": a fixed-window rate limiter
// for a user drawn uniformly from Users, allowing Limit calls per Window. A limited call
// is an answer, not an error. Prepare loads the script on every primary (SCRIPT LOAD);
// when a node answers NOSCRIPT (its script cache was flushed, or a replica without it was
// promoted) the worker runs the script by EVAL, which also caches it there, and counts the
// retry.
type Lua struct {
	Users  int           // zero: DefaultLuaUsers
	Limit  int           // calls allowed per user per window; zero: DefaultLuaLimit
	Window time.Duration // zero: DefaultLuaWindow
	errorClasses
}

var (
	_ workloads.Workload        = Lua{}
	_ workloads.Preparer        = Lua{}
	_ workloads.ErrorClassifier = Lua{}
)

func (l Lua) withDefaults() Lua {
	if l.Users == 0 {
		l.Users = DefaultLuaUsers
	}
	if l.Limit == 0 {
		l.Limit = DefaultLuaLimit
	}
	if l.Window == 0 {
		l.Window = DefaultLuaWindow
	}
	return l
}

func (l Lua) Name() string {
	if d := l.withDefaults(); d.Users == DefaultLuaUsers && d.Limit == DefaultLuaLimit && d.Window == DefaultLuaWindow {
		return "lua"
	}
	d := l.withDefaults()
	return fmt.Sprintf("lua-%d-%d-%s", d.Users, d.Limit, d.Window)
}
func (Lua) Database() string { return Database }
func (Lua) Dataset() string  { return EmptyDatasetName }
func (l Lua) Description() string {
	d := l.withDefaults()
	return fmt.Sprintf("EVALSHA of a fixed-window rate limiter (INCR, PEXPIRE): %d users, %d calls per %s each", d.Users, d.Limit, d.Window)
}
func (Lua) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "limit", Weight: 1}}
}

// Prepare loads the script on every primary and checks that the server's digest is ours.
func (l Lua) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	d := l.withDefaults()
	if d.Users < 1 || d.Limit < 1 || d.Window < time.Millisecond {
		return nil, fmt.Errorf("%s: need at least 1 user, a limit of at least 1 and a window of at least 1ms", l.Name())
	}
	script := goredis.NewScript(rateLimiter)
	if err := loadScript(ctx, t, l.Name(), script); err != nil {
		return nil, err
	}
	r := &luaRun{Lua: l, d: d, script: script, redirectCounts: &redirectCounts{},
		args: []any{d.Limit, d.Window.Milliseconds()}}
	return r, nil
}

// loadScript runs SCRIPT LOAD on every primary.
func loadScript(ctx context.Context, t workloads.Target, workload string, script *goredis.Script) error {
	c, rt, err := connectAdmin(ctx, workload, t)
	if err != nil {
		return err
	}
	defer c.Close()
	return forEachPrimary(ctx, c, func(ctx context.Context, node *goredis.Client) error {
		return withTimeout(ctx, func(ctx context.Context) error {
			sha, err := node.ScriptLoad(ctx, rateLimiter).Result()
			if err != nil {
				return fmt.Errorf("%s: SCRIPT LOAD on %s: %w", workload, node.Options().Addr, err)
			}
			if sha != script.Hash() {
				return fmt.Errorf("%s: SCRIPT LOAD on %s gave digest %s, want %s", workload, rt.Address(), sha, script.Hash())
			}
			return nil
		})
	})
}

// NewWorker without Prepare prepares a private run.
func (l Lua) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := l.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type luaRun struct {
	Lua
	d               Lua // with defaults
	script          *goredis.Script
	args            []any // limit, window in ms: the same for every call
	allowed         atomic.Int64
	limited         atomic.Int64
	noscript        atomic.Int64 // EVALSHA answered NOSCRIPT and the worker fell back to EVAL
	*redirectCounts              // MOVED and ASK followed: Redirects and Counts
}

// LuaStats is what a run of Lua answered.
type LuaStats struct {
	Allowed, Limited int64
	NoScript         int64 // NOSCRIPT replies, each retried by EVAL
}

// Stats returns the answers so far.
func (r *luaRun) Stats() LuaStats {
	return LuaStats{Allowed: r.allowed.Load(), Limited: r.limited.Load(), NoScript: r.noscript.Load()}
}

func (r *luaRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connectWorker(ctx, r.Name(), t, r.redirectCounts)
	if err != nil {
		return nil, err
	}
	return &luaWorker{run: r, c: c, keys: make([]string, 1)}, nil
}

type luaWorker struct {
	run  *luaRun
	c    goredis.UniversalClient
	keys []string // reused: one key per call
}

func (w *luaWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	w.keys[0] = luaPrefix + strconv.Itoa(rng.IntN(w.run.d.Users))
	n, err := w.c.EvalSha(ctx, w.run.script.Hash(), w.keys, w.run.args...).Int64()
	if err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		w.run.noscript.Add(1)
		n, err = w.c.Eval(ctx, rateLimiter, w.keys, w.run.args...).Int64()
	}
	if err != nil {
		return fmt.Errorf("limit %s: %w", w.keys[0], err)
	}
	if n == 1 {
		w.run.allowed.Add(1)
	} else {
		w.run.limited.Add(1)
	}
	return nil
}

func (w *luaWorker) Close(context.Context) error { return closeClient(w.c) }
