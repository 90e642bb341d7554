package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	eng "github.com/dbharness/dbharness/engines/elasticsearch"
)

// The error classes Classify gives, beyond the load engine's own (timeout, connection,
// cancelled). They are stable: scenarios and reports name them.
const (
	ClassRejected        = "rejected"         // 429: a thread pool's queue or indexing pressure refused it
	ClassVersionConflict = "version-conflict" // 409: the document changed (or exists, for create)
	ClassMapping         = "mapping"          // the document does not fit the mapping
	ClassNotFound        = "not-found"        // 404: no such document or index
	ClassUnavailable     = "unavailable"      // 503: no master, or the shard has no active copy
	ClassBreaker         = "breaker"          // a circuit breaker refused the request (heap)
)

// Classify names the class of an error from an operation: the classes above,
// "server:<error type>" for other server errors, ok=false for the load engine's generic
// rules (network errors, deadlines).
func Classify(err error) (string, bool) {
	var e *eng.Error
	if !errors.As(err, &e) {
		var be *bulkError
		if errors.As(err, &be) {
			return be.class, true
		}
		return "", false
	}
	return classOf(e.Status, e.Type), true
}

func classOf(status int, typ string) string {
	switch {
	case strings.Contains(typ, "circuit_breaking"):
		return ClassBreaker
	case status == http.StatusTooManyRequests || strings.Contains(typ, "rejected_execution"):
		return ClassRejected
	case status == http.StatusConflict || strings.Contains(typ, "version_conflict"):
		return ClassVersionConflict
	case strings.Contains(typ, "mapper") || strings.Contains(typ, "mapping") || strings.Contains(typ, "strict_dynamic"):
		return ClassMapping
	case status == http.StatusNotFound:
		return ClassNotFound
	case status == http.StatusServiceUnavailable:
		return ClassUnavailable
	case typ != "":
		return "server:" + typ
	}
	return fmt.Sprintf("server:%d", status)
}

// errorClasses implements workloads.ErrorClassifier.
type errorClasses struct{}

func (errorClasses) ClassifyError(err error) (string, bool) { return Classify(err) }

// A bulkResult is what a _bulk answered: items that failed, by class.
type bulkResult struct {
	items   int
	failed  int
	classes map[string]int
	first   string // the first failure, for messages
}

// A bulkError is a bulk request some of whose items failed.
type bulkError struct {
	failed, items int
	class, first  string
}

func (e *bulkError) Error() string {
	return fmt.Sprintf("bulk: %d of %d items failed (%s), the first: %s", e.failed, e.items, e.class, e.first)
}

// bulk sends an NDJSON body to _bulk and reads the items' outcomes.
func bulk(ctx context.Context, c *eng.Client, body []byte) (bulkResult, error) {
	out, err := c.Do(ctx, http.MethodPost, "/_bulk", body)
	if err != nil {
		return bulkResult{}, err
	}
	var ans struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			Status int `json:"status"`
			Error  *struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"error"`
		} `json:"items"`
	}
	if err := json.NewDecoder(bytes.NewReader(out)).Decode(&ans); err != nil {
		return bulkResult{}, fmt.Errorf("bulk: decode answer: %w", err)
	}
	r := bulkResult{items: len(ans.Items)}
	if !ans.Errors {
		return r, nil
	}
	r.classes = map[string]int{}
	for _, item := range ans.Items {
		for _, res := range item {
			if res.Error == nil {
				continue
			}
			r.failed++
			class := classOf(res.Status, res.Error.Type)
			r.classes[class]++
			if r.first == "" {
				r.first = res.Error.Type + ": " + res.Error.Reason
			}
		}
	}
	return r, nil
}

// itemCounts counts bulk items by outcome over a run (workloads.Counter).
type itemCounts struct {
	mu sync.Mutex
	n  map[string]int64
}

func (c *itemCounts) add(r bulkResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int64{}
	}
	c.n["bulk_items"] += int64(r.items)
	c.n["bulk_items_failed"] += int64(r.failed)
	for k, v := range r.classes {
		c.n["bulk_items_"+strings.ReplaceAll(k, ":", "_")] += int64(v)
	}
}

// Counts is workloads.Counter: bulk items sent and failed, by class.
func (c *itemCounts) Counts() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}
