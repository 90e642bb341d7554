package mongodb

import (
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	const lacks = "no globalLock or locks in its serverStatus: locking is its backend's"
	declare(
		metric("mongodb_global_lock_time_seconds_total", catalog.Counter, catalog.Seconds, "serverStatus.globalLock.totalTime",
			"Time since the global lock was created (MongoDB's globalLock.totalTime).", lacks, "member"),
		metric("mongodb_active_reads", catalog.Gauge, catalog.None, "serverStatus.globalLock.activeClients.readers",
			"Clients running read operations now.", lacks, "member"),
		metric("mongodb_active_writes", catalog.Gauge, catalog.None, "serverStatus.globalLock.activeClients.writers",
			"Clients running write operations now.", lacks, "member"),
		metric("mongodb_global_lock_queue", catalog.Gauge, catalog.None, "serverStatus.globalLock.currentQueue",
			"Operations waiting for a lock now, readers and writers.", lacks, "member", "type"),
		metric("mongodb_lock_acquire_count_total", catalog.Counter, catalog.None, "serverStatus.locks.<type>.acquireCount",
			"Locks acquired, by resource type and mode (R, W, r, w).", lacks, "member", "lock_type", "lock_mode"),
		metric("mongodb_lock_acquire_wait_count_total", catalog.Counter, catalog.None, "serverStatus.locks.<type>.acquireWaitCount",
			"Lock acquisitions that had to wait, by resource type and mode.", lacks, "member", "lock_type", "lock_mode"),
		metric("mongodb_lock_acquire_time_seconds_total", catalog.Counter, catalog.Seconds, "serverStatus.locks.<type>.timeAcquiringMicros",
			"Time spent waiting for locks, by resource type and mode.", lacks, "member", "lock_type", "lock_mode"),
		metric("mongodb_lock_deadlock_count_total", catalog.Counter, catalog.None, "serverStatus.locks.<type>.deadlockCount",
			"Deadlocks found while acquiring locks, by resource type and mode.", lacks, "member", "lock_type", "lock_mode"),
	)
}

func emitGlobalLock(doc bson.M, member string, e flavored) error {
	g := sub(doc, "globalLock")
	if g == nil {
		return nil
	}
	if v, ok := number(g["totalTime"]); ok {
		if err := e.Emit("mongodb_global_lock_time_seconds_total", v/1e6, member); err != nil {
			return err
		}
	}
	for field, name := range map[string]string{"readers": "mongodb_active_reads", "writers": "mongodb_active_writes"} {
		if v, ok := num(g, "activeClients", field); ok {
			if err := e.Emit(name, v, member); err != nil {
				return err
			}
		}
	}
	for _, kind := range []string{"readers", "writers"} {
		if v, ok := num(g, "currentQueue", kind); ok {
			if err := e.Emit("mongodb_global_lock_queue", v, member, kind); err != nil {
				return err
			}
		}
	}
	return nil
}

// emitLocks reads locks: {Global: {acquireCount: {r: 1, w: 2}, ...}, Database: ...}.
func emitLocks(doc bson.M, member string, e flavored) error {
	locks := sub(doc, "locks")
	for _, typ := range slices.Sorted(maps.Keys(locks)) {
		l := sub(locks, typ)
		for field, name := range map[string]string{
			"acquireCount": "mongodb_lock_acquire_count_total", "acquireWaitCount": "mongodb_lock_acquire_wait_count_total",
			"timeAcquiringMicros": "mongodb_lock_acquire_time_seconds_total", "deadlockCount": "mongodb_lock_deadlock_count_total",
		} {
			modes := sub(l, field)
			for _, mode := range slices.Sorted(maps.Keys(modes)) {
				v, ok := number(modes[mode])
				if !ok {
					continue
				}
				if field == "timeAcquiringMicros" {
					v /= 1e6
				}
				if err := e.Emit(name, v, member, typ, mode); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
