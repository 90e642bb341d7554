package mysql

import (
	"fmt"
	"strings"
)

// A Dialect is how one flavor words replication: MariaDB still says SLAVE and MASTER and
// keeps GTID positions per domain; MySQL 8.0.22 and later say REPLICA and SOURCE and keep
// GTID sets. The engine, the collector and the analysis use the same words through it.
type Dialect struct {
	Flavor string
	// Status lists the replication threads of a replica (no row on a primary).
	Status string
	Stop   string
	Start  string
	Reset  string // forgets the source: the node stops being a replica
	// PrimaryPosition and AppliedPosition select one column, "pos": the transactions a
	// server has written (a primary), and the ones a replica has applied.
	PrimaryPosition string
	AppliedPosition string
	// ParsePosition reads what those return.
	ParsePosition func(string) (Position, error)
	// The columns of Status.
	IORunning, SQLRunning, SourceHost, SourcePort, SecondsBehind, ReceivedPosition, LastIOError, LastSQLError string
}

// MariaDB's and MySQL's dialects.
var (
	MariaDBDialect = Dialect{
		Flavor: FlavorMariaDB,
		Status: "SHOW SLAVE STATUS", Stop: "STOP SLAVE", Start: "START SLAVE", Reset: "RESET SLAVE ALL",
		PrimaryPosition: "SELECT @@global.gtid_binlog_pos AS pos",
		AppliedPosition: "SELECT @@global.gtid_slave_pos AS pos",
		ParsePosition:   ParseMariaDBPosition,
		IORunning:       "Slave_IO_Running", SQLRunning: "Slave_SQL_Running",
		SourceHost: "Master_Host", SourcePort: "Master_Port", SecondsBehind: "Seconds_Behind_Master",
		ReceivedPosition: "Gtid_IO_Pos", LastIOError: "Last_IO_Error", LastSQLError: "Last_SQL_Error",
	}
	MySQLDialect = Dialect{
		Flavor: FlavorMySQL,
		Status: "SHOW REPLICA STATUS", Stop: "STOP REPLICA", Start: "START REPLICA", Reset: "RESET REPLICA ALL",
		PrimaryPosition: "SELECT @@global.gtid_executed AS pos",
		AppliedPosition: "SELECT @@global.gtid_executed AS pos",
		ParsePosition:   ParseMySQLGTIDSet,
		IORunning:       "Replica_IO_Running", SQLRunning: "Replica_SQL_Running",
		SourceHost: "Source_Host", SourcePort: "Source_Port", SecondsBehind: "Seconds_Behind_Source",
		ReceivedPosition: "Retrieved_Gtid_Set", LastIOError: "Last_IO_Error", LastSQLError: "Last_SQL_Error",
	}
)

// DialectOf is the dialect of a server by its VERSION() text.
func DialectOf(version string) Dialect {
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return MariaDBDialect
	}
	return MySQLDialect
}

// dialectFor is the dialect of a flavor.
func dialectFor(flavor string) Dialect {
	if flavor == FlavorMySQL {
		return MySQLDialect
	}
	return MariaDBDialect
}

// ChangeSource points a replica at a primary (host:port) with an account. from says where
// MariaDB starts: "slave_pos" (what the replica applied) or "current_pos" (also what it
// wrote itself, for an old primary); MySQL always finds its place by its GTID set.
func (d Dialect) ChangeSource(host, port, user, password, from string) string {
	q := func(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'" }
	if d.Flavor == FlavorMySQL {
		return fmt.Sprintf("CHANGE REPLICATION SOURCE TO SOURCE_HOST=%s, SOURCE_PORT=%s, SOURCE_USER=%s, SOURCE_PASSWORD=%s, SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=1, GET_SOURCE_PUBLIC_KEY=1",
			q(host), port, q(user), q(password))
	}
	return fmt.Sprintf("CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER=%s, MASTER_PASSWORD=%s, MASTER_USE_GTID=%s, MASTER_CONNECT_RETRY=1",
		q(host), port, q(user), q(password), from)
}
