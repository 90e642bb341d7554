package mongodb

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	declare(
		metric("mongodb_operation_count_total", catalog.Counter, catalog.None, "serverStatus.opcounters",
			"Operations the server received since it started, by type (insert, query, update, delete, getmore, command).",
			"no opcounters in its serverStatus", "member", "operation"),
		metric("mongodb_operation_repl_count_total", catalog.Counter, catalog.None, "serverStatus.opcountersRepl",
			"Replicated operations a secondary applied, by type.",
			"no opcountersRepl in its serverStatus: FerretDB has no replication", "member", "operation"),
		metric("mongodb_operation_latency_seconds_total", catalog.Counter, catalog.Seconds, "serverStatus.opLatencies.<kind>.latency",
			"Total time operations took on the server, by kind (reads, writes, commands, transactions).",
			"no opLatencies in its serverStatus", "member", "operation"),
		metric("mongodb_operation_latency_operations_total", catalog.Counter, catalog.None, "serverStatus.opLatencies.<kind>.ops",
			"Operations counted in mongodb_operation_latency_seconds_total, by kind.",
			"no opLatencies in its serverStatus", "member", "operation"),
		metric("mongodb_document_operation_count_total", catalog.Counter, catalog.None, "serverStatus.metrics.document",
			"Documents inserted, updated, deleted and returned.",
			"no metrics.document in its serverStatus (only metrics.commands)", "member", "operation"),
		metric("mongodb_query_executor_scanned_total", catalog.Counter, catalog.None, "serverStatus.metrics.queryExecutor",
			"Index keys (keys) and documents (objects) the query executor examined: many objects per document returned is a missing index.",
			"no metrics.queryExecutor in its serverStatus", "member", "type"),
	)
}

var opcounterNames = []string{"insert", "query", "update", "delete", "getmore", "command"}

func emitOpcounters(doc bson.M, member string, e flavored) error {
	for _, section := range []struct{ field, metric string }{
		{"opcounters", "mongodb_operation_count_total"}, {"opcountersRepl", "mongodb_operation_repl_count_total"},
	} {
		oc := sub(doc, section.field)
		if oc == nil {
			continue
		}
		for _, op := range opcounterNames {
			if v, ok := number(oc[op]); ok {
				if err := e.Emit(section.metric, v, member, op); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// emitOpLatencies reads opLatencies: latency is in microseconds.
func emitOpLatencies(doc bson.M, member string, e flavored) error {
	ol := sub(doc, "opLatencies")
	for _, kind := range []string{"reads", "writes", "commands", "transactions"} {
		k := sub(ol, kind)
		if k == nil {
			continue
		}
		if v, ok := number(k["latency"]); ok {
			if err := e.Emit("mongodb_operation_latency_seconds_total", v/1e6, member, kind); err != nil {
				return err
			}
		}
		if v, ok := number(k["ops"]); ok {
			if err := e.Emit("mongodb_operation_latency_operations_total", v, member, kind); err != nil {
				return err
			}
		}
	}
	return nil
}

func emitDocumentMetrics(doc bson.M, member string, e flavored) error {
	d := sub(doc, "metrics", "document")
	for _, op := range []string{"inserted", "updated", "deleted", "returned"} {
		if v, ok := number(d[op]); ok {
			if err := e.Emit("mongodb_document_operation_count_total", v, member, op); err != nil {
				return err
			}
		}
	}
	return nil
}

func emitQueryExecutor(doc bson.M, member string, e flavored) error {
	q := sub(doc, "metrics", "queryExecutor")
	for field, kind := range map[string]string{"scanned": "keys", "scannedObjects": "objects"} {
		if v, ok := number(q[field]); ok {
			if err := e.Emit("mongodb_query_executor_scanned_total", v, member, kind); err != nil {
				return err
			}
		}
	}
	return nil
}
