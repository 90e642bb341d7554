package sqlserver

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// fileStatColumn maps one column of sys.dm_io_virtual_file_stats to its metric.
type fileStatColumn struct {
	column string
	scale  float64
	metric catalog.Metric
}

func fileMetric(name string, t catalog.Type, unit catalog.Unit, column, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: t, Unit: unit, Help: help, Labels: []string{"database", "file", "file_type"},
		Database: Database, Source: "sys.dm_io_virtual_file_stats." + column}
}

// fileStatColumns are the I/O of each database file (the OTel receiver's
// sqlserver.database.io, .operations and .latency).
var fileStatColumns = []fileStatColumn{
	{"num_of_reads", 1, fileMetric("sqlserver_database_io_reads_total", catalog.Counter, catalog.None, "num_of_reads", "Reads issued on the file.")},
	{"num_of_bytes_read", 1, fileMetric("sqlserver_database_io_read_bytes_total", catalog.Counter, catalog.Bytes, "num_of_bytes_read", "Bytes read from the file.")},
	{"io_stall_read_ms", 1e-3, fileMetric("sqlserver_database_io_read_stall_seconds_total", catalog.Counter, catalog.Seconds, "io_stall_read_ms",
		"Time reads of the file waited for the disk (divide by reads for the read latency).")},
	{"num_of_writes", 1, fileMetric("sqlserver_database_io_writes_total", catalog.Counter, catalog.None, "num_of_writes", "Writes issued on the file.")},
	{"num_of_bytes_written", 1, fileMetric("sqlserver_database_io_written_bytes_total", catalog.Counter, catalog.Bytes, "num_of_bytes_written", "Bytes written to the file.")},
	{"io_stall_write_ms", 1e-3, fileMetric("sqlserver_database_io_write_stall_seconds_total", catalog.Counter, catalog.Seconds, "io_stall_write_ms",
		"Time writes to the file waited for the disk (divide by writes for the write latency).")},
	{"size_on_disk_bytes", 1, fileMetric("sqlserver_database_file_size_bytes", catalog.Gauge, catalog.Bytes, "size_on_disk_bytes", "Size of the file on disk.")},
}

func init() {
	for _, c := range fileStatColumns {
		catalog.Register(c.metric)
	}
}

// Note: sys.master_files names every database's files; sys.database_files would name only
// the connected database's.
const virtualFileStatsQuery = `SELECT DB_NAME(vfs.database_id) AS database_name, mf.name AS file_name, mf.type_desc,
  vfs.num_of_reads, vfs.num_of_bytes_read, vfs.io_stall_read_ms, vfs.num_of_writes, vfs.num_of_bytes_written,
  vfs.io_stall_write_ms, vfs.size_on_disk_bytes
FROM sys.dm_io_virtual_file_stats(NULL, NULL) vfs
JOIN sys.master_files mf ON mf.database_id = vfs.database_id AND mf.file_id = vfs.file_id`

// virtualFileStats scrapes sys.dm_io_virtual_file_stats: reads, writes, bytes and stalls per
// database file.
type virtualFileStats struct{}

// Name implements collectors.Scraper.
func (virtualFileStats) Name() string { return "dm_io_virtual_file_stats" }

// Scrape implements collectors.Scraper.
func (virtualFileStats) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, virtualFileStatsQuery)
	if err != nil {
		return fmt.Errorf("scrape dm_io_virtual_file_stats: %w", err)
	}
	if err := emitFileStats(rows, e); err != nil {
		return fmt.Errorf("scrape dm_io_virtual_file_stats: %w", err)
	}
	return nil
}

func emitFileStats(rows []engine.Row, e *collectors.Emitter) error {
	cols := []string{"database_name", "file_name", "type_desc"}
	for _, c := range fileStatColumns {
		cols = append(cols, c.column)
	}
	if err := engine.RequireColumns(rows, cols...); err != nil {
		return err
	}
	for _, r := range rows {
		db := r.String("database_name")
		if db == "" {
			continue // a database dropped between the two views
		}
		labels := []string{db, r.String("file_name"), r.String("type_desc")}
		for _, c := range fileStatColumns {
			v, ok := r.Float(c.column)
			if !ok {
				return fmt.Errorf("file %s of %s: %s is not a number", labels[1], db, c.column)
			}
			if err := e.Emit(c.metric.Name, v*c.scale, labels...); err != nil {
				return err
			}
		}
	}
	return nil
}
