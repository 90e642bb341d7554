package mongodb

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	declare(
		metric("mongodb_connection_count", catalog.Gauge, catalog.None, "serverStatus.connections",
			"Client connections: current (open), available (that could still open) and active (running an operation).",
			"no connections section in its serverStatus", "member", "state"),
		metric("mongodb_connections_created_total", catalog.Counter, catalog.None, "serverStatus.connections.totalCreated",
			"Connections clients opened since the server started: a steep rise is a client without a pool.",
			"no connections section in its serverStatus", "member"),
		metric("mongodb_network_io_receive_bytes_total", catalog.Counter, catalog.Bytes, "serverStatus.network.bytesIn",
			"Bytes the server received.", "no network section in its serverStatus", "member"),
		metric("mongodb_network_io_transmit_bytes_total", catalog.Counter, catalog.Bytes, "serverStatus.network.bytesOut",
			"Bytes the server sent.", "no network section in its serverStatus", "member"),
		metric("mongodb_network_request_count_total", catalog.Counter, catalog.None, "serverStatus.network.numRequests",
			"Requests the server received.", "no network section in its serverStatus", "member"),
		metric("mongodb_memory_usage_bytes", catalog.Gauge, catalog.Bytes, "serverStatus.mem",
			"Memory the server process uses: resident and virtual.", "no mem section in its serverStatus", "member", "type"),
	)
}

func emitConnections(doc bson.M, member string, e flavored) error {
	c := sub(doc, "connections")
	for _, state := range []string{"current", "available", "active"} {
		if v, ok := number(c[state]); ok {
			if err := e.Emit("mongodb_connection_count", v, member, state); err != nil {
				return err
			}
		}
	}
	if v, ok := number(c["totalCreated"]); ok {
		return e.Emit("mongodb_connections_created_total", v, member)
	}
	return nil
}

func emitNetwork(doc bson.M, member string, e flavored) error {
	n := sub(doc, "network")
	for field, name := range map[string]string{
		"bytesIn": "mongodb_network_io_receive_bytes_total", "bytesOut": "mongodb_network_io_transmit_bytes_total",
		"numRequests": "mongodb_network_request_count_total",
	} {
		if v, ok := number(n[field]); ok {
			if err := e.Emit(name, v, member); err != nil {
				return err
			}
		}
	}
	return nil
}

// emitMemory reads mem: resident and virtual are in MiB.
func emitMemory(doc bson.M, member string, e flavored) error {
	m := sub(doc, "mem")
	for _, kind := range []string{"resident", "virtual"} {
		if v, ok := number(m[kind]); ok {
			if err := e.Emit("mongodb_memory_usage_bytes", v*(1<<20), member, kind); err != nil {
				return err
			}
		}
	}
	return nil
}
