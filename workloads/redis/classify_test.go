package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines/redis/redistest"
	"github.com/dbharness/dbharness/workloads/load"
)

// The classes come from real replies: a script's error_reply makes the server answer with
// exactly the error a failover would (LOADING, MASTERDOWN, ...), through the same parser.
func TestClassifyServerReplies(t *testing.T) {
	dsn := redistest.DSN(t)
	c := client(t, dsn)
	ctx := context.Background()
	reply := func(msg string) error {
		return c.Eval(ctx, "return redis.error_reply(ARGV[1])", nil, msg).Err()
	}
	for msg, want := range map[string]string{
		"READONLY You can't write against a read only replica.":                            ClassReadOnly,
		"LOADING Redis is loading the dataset in memory":                                   ClassLoading,
		"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.": ClassMasterDown,
		"CLUSTERDOWN The cluster is down":                                                  ClassClusterDown,
		"TRYAGAIN Multiple keys request during rehashing of slot":                          ClassTryAgain,
		"MOVED 3999 127.0.0.1:6381":                                                        ClassMoved,
		"ASK 3999 127.0.0.1:6381":                                                          ClassAsk,
		"OOM command not allowed when used memory > 'maxmemory'.":                          ClassOOM,
		"BUSY Redis is busy running a script.":                                             ClassBusy,
		"NOAUTH Authentication required.":                                                  ClassAuth,
		"CROSSSLOT Keys in request don't hash to the same slot":                            ClassCrossSlot,
		"ERR unknown command":                                                              "server:ERR",
		"WRONGTYPE Operation against a key holding the wrong kind of value":                "server:WRONGTYPE",
		"lowercase words are not codes":                                                    "server:ERR",
	} {
		err := reply(msg)
		if err == nil {
			t.Fatalf("no error for %q", msg)
		}
		if got, ok := Classify(fmt.Errorf("op: %w", err)); !ok || got != want {
			t.Errorf("Classify(%q) = %q, %v; want %q", msg, got, ok, want)
		}
	}

	// Real errors of real commands.
	if err := c.Set(ctx, "dbh:str", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := Classify(c.LPush(ctx, "dbh:str", "x").Err()); got != "server:WRONGTYPE" {
		t.Errorf("LPUSH on a string: %q", got)
	}
	if got, _ := Classify(c.EvalSha(ctx, strings.Repeat("0", 40), nil).Err()); got != ClassNoScript {
		t.Errorf("EVALSHA of an unknown script: %q", got)
	}
	if got, _ := Classify(c.Get(ctx, "dbh:none").Err()); got != ClassMiss {
		t.Errorf("GET of a missing key: %q", got)
	}
	tx := c.Watch(ctx, func(tx *goredis.Tx) error {
		_ = c.Set(ctx, "dbh:str", "changed", 0) // another client changes the watched key
		_, err := tx.TxPipelined(ctx, func(p goredis.Pipeliner) error { p.Set(ctx, "dbh:str", "y", 0); return nil })
		return err
	}, "dbh:str")
	if got, _ := Classify(tx); got != ClassConflict {
		t.Errorf("EXEC after the watched key changed (%v): %q", tx, got)
	}

	// Failures of the client, not the server.
	closed := client(t, dsn)
	closed.Close()
	if got, _ := Classify(closed.Ping(ctx).Err()); got != ClassConnection {
		t.Errorf("a closed client: %q", got)
	}
	if got, ok := Classify(context.DeadlineExceeded); ok {
		t.Errorf("a deadline is the engine's to classify, got %q", got)
	}
	if got, ok := Classify(errors.New("redis: all sentinels specified in configuration are unreachable")); !ok || got != ClassConnection {
		t.Errorf("no sentinel: %q", got)
	}
}

// A write to a replica answers READONLY, as a demoted primary does after a failover.
func TestClassifyReadOnlyReplica(t *testing.T) {
	primary := redistest.DSN(t)
	addr := strings.TrimPrefix(primary, "redis://")
	host, port, _ := strings.Cut(addr, ":")
	c := client(t, redistest.DSN(t))
	ctx := context.Background()
	if err := c.SlaveOf(ctx, host, port).Err(); err != nil {
		t.Fatal(err)
	}
	err := c.Set(ctx, "dbh:x", "1", 0).Err()
	if got, ok := Classify(err); !ok || got != ClassReadOnly {
		t.Errorf("SET on a replica: %v -> %q", err, got)
	}
}

// A server that stops answering is a timeout, from the workers' own socket deadline.
func TestClassifyHungServer(t *testing.T) {
	dsn := redistest.DSN(t)
	c := client(t, dsn)
	ctx := context.Background()
	wc, err := connectWorker(ctx, "test", targetOf(dsn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()
	// CLIENT PAUSE holds every other client's commands: like a stalled primary.
	if err := c.ClientPause(ctx, 2*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	opCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	err = wc.Set(opCtx, "dbh:x", "1", 0).Err()
	if _, ok := Classify(err); ok {
		t.Errorf("Classify claimed %v", err)
	}
	if got := load.Classify(err, ctx, opCtx); got != load.ClassTimeout {
		t.Errorf("a paused server: %v -> %q, want timeout", err, got)
	}
}
