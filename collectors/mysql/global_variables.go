package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmysql "github.com/dbharness/dbharness/engines/mysql"
)

var (
	mVersionInfo = catalog.Metric{Name: "mysql_version_info", Type: catalog.Gauge, Database: Database,
		Help:   "Always 1; the labels say which server this is: version, version_comment, and the flavor (mariadb or mysql).",
		Labels: []string{"version", "version_comment", "flavor"}, Source: "SHOW GLOBAL VARIABLES version, version_comment"}
	mVariables = catalog.Metric{Name: "mysql_global_variables_info", Type: catalog.Gauge, Database: Database,
		Help: "Always 1; one series per server setting that changes what a benchmark measures, its value as a label " +
			"(buffer pool and log sizes, flushing, binlog, isolation, connection limits, performance_schema, replication roles).",
		Labels: []string{"name", "value"}, Source: "SHOW GLOBAL VARIABLES"}
)

func init() { catalog.Register(mVersionInfo, mVariables) }

// reportedVariables are the settings exported as info: the ones that change what a
// benchmark measures or how to read the other metrics. A bounded list keeps the series few.
var reportedVariables = []string{
	"innodb_buffer_pool_size", "innodb_log_file_size", "innodb_flush_log_at_trx_commit", "innodb_flush_method",
	"innodb_io_capacity", "innodb_doublewrite", "innodb_adaptive_hash_index", "sync_binlog", "log_bin", "binlog_format",
	"transaction_isolation", "tx_isolation", "max_connections", "thread_handling", "thread_cache_size",
	"table_open_cache", "tmp_table_size", "max_heap_table_size", "long_query_time", "slow_query_log",
	"performance_schema", "read_only", "super_read_only", "gtid_mode", "gtid_domain_id", "server_id",
	"rpl_semi_sync_master_enabled", "rpl_semi_sync_source_enabled", "query_cache_type",
}

// globalVariables scrapes SHOW GLOBAL VARIABLES on the primary.
type globalVariables struct{}

// Name implements collectors.Scraper.
func (globalVariables) Name() string { return "global_variables" }

// Scrape implements collectors.Scraper.
func (globalVariables) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	db, _, err := c.Primary(ctx)
	if err != nil {
		return fmt.Errorf("scrape global_variables: %w", err)
	}
	vars, err := queryMap(ctx, db, "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'version_comment', '"+strings.Join(reportedVariables, "', '")+"')")
	if err != nil {
		return fmt.Errorf("scrape global_variables: %w", err)
	}
	flavor := engmysql.DialectOf(vars["version"] + " " + vars["version_comment"]).Flavor
	if err := e.Emit(mVersionInfo.Name, 1, vars["version"], vars["version_comment"], flavor); err != nil {
		return err
	}
	for _, name := range reportedVariables {
		v, ok := vars[name]
		if !ok {
			continue
		}
		if err := e.Emit(mVariables.Name, 1, name, v); err != nil {
			return err
		}
	}
	return nil
}
