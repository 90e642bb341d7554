package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

var slotLabels = []string{"slot_name", "slot_type"}

var replicationSlotsColumns = []column{
	{"active::int::float8", metric("postgresql_replication_slot_active", catalog.Gauge, catalog.None, slotLabels, "pg_replication_slots.active",
		"1 while a client streams from the slot, else 0.")},
	{"pg_wal_lsn_diff(" + currentLSN + ", restart_lsn)::float8", metric("postgresql_replication_slot_retained_bytes", catalog.Gauge, catalog.Bytes, slotLabels,
		"pg_replication_slots.restart_lsn", "WAL the server keeps for the slot (its restart position behind this server's current one); an inactive slot makes it grow without end.")},
}

func init() { register(replicationSlotsColumns) }

var replicationSlotsQuery = `SELECT slot_name, slot_type, ` + selectList(replicationSlotsColumns) + ` FROM pg_replication_slots`

// replicationSlots scrapes pg_replication_slots: whether each slot is in use and the WAL it
// holds back.
type replicationSlots struct{}

// Name implements collectors.Scraper.
func (replicationSlots) Name() string { return "pg_replication_slots" }

// Scrape implements collectors.Scraper.
func (s replicationSlots) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, replicationSlotsQuery)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, len(slotLabels), replicationSlotsColumns, e)
}
