package mysql

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// ClientUser is the account clients connect with over TCP; its password is made for each
// instance and travels only in the DSN.
const ClientUser = "dbharness"

// plan is a validated spec: the flavor, how many nodes, their settings.
type plan struct {
	spec     engines.Spec
	flavor   string
	topology string
	replicas int
	semiSync bool
	// settings are every node's my.cnf options: the defaults, then the spec's.
	settings map[string]string
	password string
	timeout  time.Duration
	log      *slog.Logger
}

// managed are the options the engine sets itself: a scenario cannot move them.
var managed = map[string]string{
	"port": "the engine picks a free port (Spec.Port is the preferred one)", "bind_address": "servers listen on 127.0.0.1",
	"socket": "each node has its socket in its own directory", "datadir": "each node has its own data directory",
	"pid_file": "each node keeps its pid file in its directory", "log_error": "the error log goes to the node's log file",
	"user": "the server runs as the harness's user (mysql when the harness is root)", "server_id": "each node gets its own",
	"log_bin": "replicated topologies binlog on every node", "read_only": "the engine makes replicas read-only",
	"skip_networking": "clients connect over TCP", "daemonize": "servers run in the foreground as children of the harness",
	"slow_query_log_file": "the slow query log goes to the node's directory", "init_file": "use seed statements",
	"defaults_file": "settings are given one by one", "skip_grant_tables": "clients log in with a password",
}

// defaultSettings are what every node starts with; the spec's settings override them.
func defaultSettings(pl *plan) map[string]string {
	s := map[string]string{
		// The collectors and the analysis read these.
		"performance_schema":                            "ON",
		"performance_schema_consumer_statements_digest": "ON",
		"slow_query_log":                                "ON",
		"long_query_time":                               "0.1",
		"innodb_print_all_deadlocks":                    "ON",
		// Note: a fresh server per scenario has nothing worth dumping or loading.
		"innodb_buffer_pool_dump_at_shutdown": "OFF",
		"innodb_buffer_pool_load_at_startup":  "OFF",
		"skip_name_resolve":                   "ON",
		"character_set_server":                "utf8mb4",
		"collation_server":                    "utf8mb4_general_ci",
		"local_infile":                        "ON", // LOAD DATA LOCAL in the bulk-insert workload
	}
	if pl.topology == Replicated {
		maps.Copy(s, map[string]string{
			"binlog_format":     "ROW",
			"log_slave_updates": "ON", // a replica promoted later has every transaction in its binlog
			"gtid_domain_id":    "0",
			// Note: a replica learns that a frozen primary is gone from missed heartbeats
			// (every slave_net_timeout/2); MariaDB's 60 s would hide a paused primary for 30 s.
			"slave_net_timeout":  "4",
			"relay_log_recovery": "ON",
		})
		if pl.semiSync {
			// Note: the primary's side is switched on by the engine once its replicas are
			// connected (see semiSync): from the start, every set-up statement would wait
			// rpl_semi_sync_master_timeout (10 s) for an acknowledgement nobody can send.
			maps.Copy(s, map[string]string{
				"rpl_semi_sync_slave_enabled": "ON",
				// Note: AFTER_SYNC waits for the replica before the commit is visible to anyone,
				// so no client can read a write a failover then loses.
				"rpl_semi_sync_master_wait_point": "AFTER_SYNC",
			})
		}
	}
	return s
}

func newPlan(spec engines.Spec) (*plan, error) {
	pl := &plan{spec: spec, flavor: spec.Flavor, topology: strings.ToLower(strings.TrimSpace(spec.Topology.KindOr())),
		timeout: spec.StartTimeout, log: logger(spec)}
	if pl.timeout == 0 {
		// Only a hang: on 2 cores at a load average of 55 a server took over a minute to answer.
		pl.timeout = 3 * time.Minute
	}
	switch pl.topology {
	case Standalone:
	case Replicated:
		pl.replicas = spec.Topology.Count(CountReplicas, 1)
		if pl.replicas < 1 || pl.replicas > 8 {
			return nil, fmt.Errorf("mysql: a replicated topology needs 1 to 8 replicas (Topology.Counts[%q]), not %d", CountReplicas, pl.replicas)
		}
		switch r := spec.Topology.Options[OptionReplication]; r {
		case "", "async":
		case SemiSync:
			pl.semiSync = true
		default:
			return nil, fmt.Errorf("mysql: replication %q: use async or %s", r, SemiSync)
		}
	default:
		return nil, fmt.Errorf("mysql: unknown topology %q: use standalone or replicated", spec.Topology.Kind)
	}
	pl.settings = defaultSettings(pl)
	for k, v := range spec.Settings {
		key := settingKey(k)
		if why, ok := managed[key]; ok {
			return nil, fmt.Errorf("mysql: setting %q is managed by the engine (%s)", k, why)
		}
		if key == "" || strings.ContainsAny(key, " \t\r\n\"'=[]#") {
			return nil, fmt.Errorf("mysql: setting name %q is not a server option name", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("mysql: setting %s: the value must be one line", k)
		}
		pl.settings[key] = v
	}
	pw, err := newPassword()
	if err != nil {
		return nil, err
	}
	pl.password = pw
	return pl, nil
}

// settingKey is an option name as the server compares them: dashes and underscores are the
// same, case does not matter.
func settingKey(k string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(k), "-", "_"))
}

// optionLines renders settings as my.cnf lines, sorted for stable files.
func optionLines(settings map[string]string) []string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		lines = append(lines, k+" = "+settings[k])
	}
	return lines
}

func newPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("mysql: make a password: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// reportedSettings are read back into the result's environment, because they change what a
// benchmark measures.
var reportedSettings = []string{
	"innodb_buffer_pool_size", "innodb_flush_log_at_trx_commit", "innodb_log_file_size", "sync_binlog",
	"max_connections", "binlog_format", "transaction_isolation", "tx_isolation", "performance_schema",
	"innodb_flush_method", "thread_handling", "long_query_time", "rpl_semi_sync_master_enabled",
}

// secretSetting says whether a setting's value must never be shown.
func secretSetting(name string) bool {
	name = strings.ToLower(name)
	return strings.Contains(name, "password") || strings.Contains(name, "secret")
}
