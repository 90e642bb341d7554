package sqlserver

import (
	"context"
	"fmt"
	"strings"
)

// TopologyAvailabilityGroup is the Info.Topology of an external server whose database is in
// an Always On availability group.
const TopologyAvailabilityGroup = "availability group"

// availabilityGroupQuery reads the availability group that holds the connected database,
// its replicas and what this server knows of their state (a secondary sees only its own;
// the others' state columns are NULL there).
const availabilityGroupQuery = `SELECT ag.name AS ag_name, ar.replica_server_name, ar.availability_mode_desc, ar.failover_mode_desc,
  ars.role_desc, ars.connected_state_desc, ars.synchronization_health_desc
FROM sys.availability_groups ag
JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id
LEFT JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = ar.replica_id
WHERE ag.group_id IN (SELECT group_id FROM sys.availability_databases_cluster WHERE database_name = DB_NAME())
ORDER BY ag.name, ar.replica_server_name`

// An AvailabilityGroup is the Always On group that holds the scenario's database.
type AvailabilityGroup struct {
	Name     string
	Replicas []Replica
}

// A Replica is one replica of an availability group, as the server that was asked sees it.
type Replica struct {
	Server    string // replica_server_name
	Role      string // PRIMARY, SECONDARY, RESOLVING; "" when this server does not know
	Mode      string // SYNCHRONOUS_COMMIT, ASYNCHRONOUS_COMMIT, CONFIGURATION_ONLY
	Failover  string // AUTOMATIC, MANUAL, EXTERNAL
	Connected string // CONNECTED, DISCONNECTED
	Health    string // HEALTHY, PARTIALLY_HEALTHY, NOT_HEALTHY
}

// Describe writes the replicas on one line: "sql1 PRIMARY SYNCHRONOUS_COMMIT HEALTHY, ...".
func (ag *AvailabilityGroup) Describe() string {
	parts := make([]string, len(ag.Replicas))
	for i, r := range ag.Replicas {
		words := []string{r.Server, or(r.Role, "role unknown here"), r.Mode}
		if r.Connected != "" && r.Connected != "CONNECTED" {
			words = append(words, r.Connected)
		}
		if r.Health != "" {
			words = append(words, r.Health)
		}
		parts[i] = strings.Join(words, " ")
	}
	return strings.Join(parts, ", ")
}

// Primary is the replica that says it is the primary, or nil.
func (ag *AvailabilityGroup) Primary() *Replica {
	for i := range ag.Replicas {
		if ag.Replicas[i].Role == "PRIMARY" {
			return &ag.Replicas[i]
		}
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// discoverAvailabilityGroup reads the group of the database the DSN names; nil when the
// database is in none.
func discoverAvailabilityGroup(ctx context.Context, dsn *DSN) (*AvailabilityGroup, error) {
	db, err := Open(dsn.WithAppName(AppName).String())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := ReadRows(ctx, db, availabilityGroupQuery)
	if err != nil {
		return nil, fmt.Errorf("%s", Explain(err))
	}
	return ParseAvailabilityGroup(rows)
}

// ParseAvailabilityGroup reads the answer of the availability group query: nil for no rows
// (the database is in no group); a database in two groups cannot be, and is an error.
func ParseAvailabilityGroup(rows []Row) (*AvailabilityGroup, error) {
	if err := RequireColumns(rows, "ag_name", "replica_server_name", "availability_mode_desc", "failover_mode_desc",
		"role_desc", "connected_state_desc", "synchronization_health_desc"); err != nil {
		return nil, fmt.Errorf("availability group: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ag := &AvailabilityGroup{Name: rows[0].String("ag_name")}
	for _, r := range rows {
		if name := r.String("ag_name"); name != ag.Name {
			return nil, fmt.Errorf("availability group: the database is listed in two groups, %s and %s", ag.Name, name)
		}
		ag.Replicas = append(ag.Replicas, Replica{
			Server: r.String("replica_server_name"), Role: r.String("role_desc"), Mode: r.String("availability_mode_desc"),
			Failover: r.String("failover_mode_desc"), Connected: r.String("connected_state_desc"), Health: r.String("synchronization_health_desc"),
		})
	}
	return ag, nil
}
