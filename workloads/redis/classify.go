package redis

import (
	"errors"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// The error classes Classify gives, beyond the load engine's own (timeout, connection,
// cancelled, ...). They are stable: scenarios and reports name them.
const (
	ClassConflict    = "conflict"    // a WATCHed key changed: EXEC aborted (transaction)
	ClassMiss        = "miss"        // a key the dataset loaded is gone (GET returned nil)
	ClassReadOnly    = "readonly"    // READONLY: a write reached a replica (a demoted primary)
	ClassMoved       = "moved"       // MOVED after the client's redirections ran out
	ClassAsk         = "ask"         // ASK after the client's redirections ran out
	ClassClusterDown = "clusterdown" // CLUSTERDOWN: the cluster lost slot coverage
	ClassLoading     = "loading"     // LOADING: the server is still loading its dataset
	ClassMasterDown  = "masterdown"  // MASTERDOWN: a replica lost its primary (replica-serve-stale-data no)
	ClassTryAgain    = "tryagain"    // TRYAGAIN: a multi-key command during resharding
	ClassNoScript    = "noscript"    // NOSCRIPT after the EVAL fallback failed too
	ClassOOM         = "oom"         // OOM: maxmemory reached under a noeviction policy
	ClassBusy        = "busy"        // BUSY: a script is running too long
	ClassAuth        = "auth"        // NOAUTH, WRONGPASS: credentials refused
	ClassCrossSlot   = "crossslot"   // CROSSSLOT: keys of one command in different slots
	ClassConnection  = "connection"  // the client is closed, or no sentinel answered
	ClassTimeout     = "timeout"     // no pooled connection came free in time
)

// serverClasses maps the first word of a Redis error reply to its class. Other replies are
// "server:<WORD>" (server:ERR, server:WRONGTYPE), as the load engine names server codes.
var serverClasses = map[string]string{
	"READONLY":    ClassReadOnly,
	"MOVED":       ClassMoved,
	"ASK":         ClassAsk,
	"CLUSTERDOWN": ClassClusterDown,
	"LOADING":     ClassLoading,
	"MASTERDOWN":  ClassMasterDown,
	"TRYAGAIN":    ClassTryAgain,
	"NOSCRIPT":    ClassNoScript,
	"OOM":         ClassOOM,
	"BUSY":        ClassBusy,
	"NOAUTH":      ClassAuth,
	"WRONGPASS":   ClassAuth,
	"CROSSSLOT":   ClassCrossSlot,
}

// Classify names the class of an error from a Redis operation, for reports: the classes
// above, "server:<WORD>" for other error replies, and ok=false for what the load engine's
// generic rules name better (network errors: "connection"; deadlines: "timeout";
// cancellation).
func Classify(err error) (class string, ok bool) {
	if err == nil {
		return "", false
	}
	switch {
	case errors.Is(err, goredis.TxFailedErr):
		return ClassConflict, true
	case errors.Is(err, goredis.Nil), errors.Is(err, errMiss):
		return ClassMiss, true
	case errors.Is(err, goredis.ErrClosed):
		return ClassConnection, true
	case errors.Is(err, goredis.ErrPoolTimeout):
		return ClassTimeout, true
	}
	var rerr goredis.Error
	if errors.As(err, &rerr) {
		msg := strings.TrimSpace(rerr.Error())
		if strings.HasPrefix(msg, "redis: ") {
			// go-redis's own errors are typed as Redis errors too; they are about the
			// connection, not a server reply.
			return sentinelOrClient(msg)
		}
		word, _, _ := strings.Cut(msg, " ")
		if class, ok := serverClasses[word]; ok {
			return class, true
		}
		if word == "" || strings.ToUpper(word) != word {
			return "server:ERR", true
		}
		return "server:" + word, true
	}
	return sentinelOrClient(err.Error())
}

// sentinelOrClient classifies go-redis's own failures by their text (they are not typed):
// no sentinel or node reachable is a connection problem.
func sentinelOrClient(msg string) (string, bool) {
	for _, s := range []string{"all sentinels", "no sentinels", "sentinel: ", "cluster has no nodes", "client is closed"} {
		if strings.Contains(msg, s) {
			return ClassConnection, true
		}
	}
	return "", false
}

// errMiss is a GET that found no value where the dataset put one.
var errMiss = errors.New("key not found (was the dataset loaded, or did the server evict or lose it?)")

// errorClasses gives a workload the ErrorClassifier capability.
type errorClasses struct{}

// ClassifyError implements workloads.ErrorClassifier with Classify.
func (errorClasses) ClassifyError(err error) (string, bool) { return Classify(err) }
