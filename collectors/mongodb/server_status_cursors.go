package mongodb

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	declare(
		metric("mongodb_cursor_count", catalog.Gauge, catalog.None, "serverStatus.metrics.cursor.open.total",
			"Cursors open on the server now.", "no metrics.cursor in its serverStatus", "member"),
		metric("mongodb_cursor_timeout_count_total", catalog.Counter, catalog.None, "serverStatus.metrics.cursor.timedOut",
			"Cursors the server closed because they sat idle too long.", "no metrics.cursor in its serverStatus", "member"),
		metric("mongodb_asserts_total", catalog.Counter, catalog.None, "serverStatus.asserts",
			"Assertions raised, by type (regular, warning, msg, user, tripwire, rollovers).", "no asserts in its serverStatus", "member", "type"),
		metric("mongodb_transactions_total", catalog.Counter, catalog.None, "serverStatus.transactions",
			"Multi-document transactions started, committed and aborted.",
			"no transactions: FerretDB v1 does not implement them", "member", "state"),
	)
}

func emitCursors(doc bson.M, member string, e flavored) error {
	if v, ok := num(doc, "metrics", "cursor", "open", "total"); ok {
		if err := e.Emit("mongodb_cursor_count", v, member); err != nil {
			return err
		}
	}
	if v, ok := num(doc, "metrics", "cursor", "timedOut"); ok {
		return e.Emit("mongodb_cursor_timeout_count_total", v, member)
	}
	return nil
}

func emitAsserts(doc bson.M, member string, e flavored) error {
	a := sub(doc, "asserts")
	for _, typ := range []string{"regular", "warning", "msg", "user", "tripwire", "rollovers"} {
		if v, ok := number(a[typ]); ok {
			if err := e.Emit("mongodb_asserts_total", v, member, typ); err != nil {
				return err
			}
		}
	}
	return nil
}

func emitTransactions(doc bson.M, member string, e flavored) error {
	t := sub(doc, "transactions")
	for field, state := range map[string]string{"totalStarted": "started", "totalCommitted": "committed", "totalAborted": "aborted"} {
		if v, ok := number(t[field]); ok {
			if err := e.Emit("mongodb_transactions_total", v, member, state); err != nil {
				return err
			}
		}
	}
	return nil
}
