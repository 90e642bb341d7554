package sqlserver

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Settings are a scenario's server settings, sorted by where they go. A scenario writes
// them in one table (`Given a SQL Server database with these settings:`):
//
//	| max degree of parallelism         | 1   |   sp_configure options, by their names
//	| database.READ_COMMITTED_SNAPSHOT  | ON  |   options of the scenario's database (ALTER DATABASE ... SET)
//	| MSSQL_MEMORY_LIMIT_MB             | 2048|   the container's environment (docker only)
type Settings struct {
	// Env is the container's environment (MSSQL_* variables of the image).
	Env map[string]string
	// Server are sp_configure options by name as written (the server compares names in its
	// collation), integer values.
	Server map[string]int64
	// Database are ALTER DATABASE options of the scenario's database, by option.
	Database map[string]string
	// Password is the SA password a scenario chose (MSSQL_SA_PASSWORD), "" for a random one.
	Password string
}

// databaseOption is one ALTER DATABASE option a scenario may set, and the values it takes.
type databaseOption struct {
	values *regexp.Regexp
	// equals: the option is written OPTION = value, not OPTION value.
	equals bool
	// exclusive: the change needs every other session out (WITH ROLLBACK IMMEDIATE).
	exclusive bool
}

var (
	onOff = regexp.MustCompile(`^(?:ON|OFF)$`)
	// databaseOptions are the options that change what a benchmark measures; others are
	// refused rather than passed through, since the value is written into a statement.
	databaseOptions = map[string]databaseOption{
		"READ_COMMITTED_SNAPSHOT":              {values: onOff, exclusive: true},
		"ALLOW_SNAPSHOT_ISOLATION":             {values: onOff},
		"MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT": {values: onOff, equals: true},
		"AUTO_CREATE_STATISTICS":               {values: onOff},
		"AUTO_UPDATE_STATISTICS":               {values: onOff},
		"AUTO_UPDATE_STATISTICS_ASYNC":         {values: onOff},
		"QUERY_STORE":                          {values: onOff, equals: true},
		"COMPATIBILITY_LEVEL":                  {values: regexp.MustCompile(`^1[0-7]0$`), equals: true},
		"RECOVERY":                             {values: regexp.MustCompile(`^(?:FULL|SIMPLE|BULK_LOGGED)$`)},
		"DELAYED_DURABILITY":                   {values: regexp.MustCompile(`^(?:DISABLED|ALLOWED|FORCED)$`), equals: true},
		"PARAMETERIZATION":                     {values: regexp.MustCompile(`^(?:SIMPLE|FORCED)$`)},
	}
	// envName is a variable of the mssql/server image.
	envName = regexp.MustCompile(`^MSSQL_[A-Z0-9_]+$`)
	// ownedEnv are the variables the engine sets itself.
	ownedEnv = map[string]string{
		"MSSQL_TCP_PORT": "the container listens on 1433, which Docker maps to a free port",
		"ACCEPT_EULA":    "the licence is accepted with " + AcceptEULAEnv + "=Y in the environment of dbharness",
	}
	// configName is an sp_configure option name: "max degree of parallelism", "max server
	// memory (MB)".
	configName = regexp.MustCompile(`^[a-z][a-z0-9 ()/_-]*$`)
)

// ParseSettings sorts and checks a scenario's settings before anything starts: an unknown
// database option, a value it does not take, a variable the engine owns or a password the
// policy refuses is an error that says what is allowed.
func ParseSettings(in map[string]string) (Settings, error) {
	s := Settings{Env: map[string]string{}, Server: map[string]int64{}, Database: map[string]string{}}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v := strings.TrimSpace(in[k])
		key := strings.TrimSpace(k)
		upper := strings.ToUpper(key)
		switch {
		case strings.HasPrefix(strings.ToLower(key), "database."):
			name := strings.ToUpper(strings.TrimPrefix(strings.ToLower(key), "database."))
			opt, ok := databaseOptions[name]
			if !ok {
				return s, fmt.Errorf("sqlserver setting %s: not a database option dbharness sets: choose one of %s", key, strings.Join(slices.Sorted(maps.Keys(databaseOptions)), ", "))
			}
			value := strings.ToUpper(v)
			if !opt.values.MatchString(value) {
				return s, fmt.Errorf("sqlserver setting %s: %q is not a value it takes (%s)", key, v, strings.Trim(opt.values.String(), "^$"))
			}
			s.Database[name] = value
		case upper == "MSSQL_SA_PASSWORD" || upper == "SA_PASSWORD":
			if err := CheckPassword(v); err != nil {
				return s, fmt.Errorf("sqlserver setting %s: %w", key, err)
			}
			s.Password = v
		case ownedEnv[upper] != "":
			return s, fmt.Errorf("sqlserver setting %s: dbharness sets it itself: %s", key, ownedEnv[upper])
		case envName.MatchString(key):
			s.Env[key] = v
		case configName.MatchString(strings.ToLower(key)):
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return s, fmt.Errorf("sqlserver setting %q: sp_configure options take a whole number, not %q", key, v)
			}
			s.Server[key] = n
		default:
			return s, fmt.Errorf("sqlserver setting %q: write an sp_configure option by its name (max degree of parallelism), database.<OPTION> for the scenario's database, or an MSSQL_* variable of the container", key)
		}
	}
	return s, nil
}

// ServerStatements are the statements that apply the sp_configure options, in name order.
func (s Settings) ServerStatements() []string {
	if len(s.Server) == 0 {
		return nil
	}
	// Note: most options that change a benchmark are advanced ones, invisible to
	// sp_configure until 'show advanced options' is on.
	out := []string{"EXEC sp_configure N'show advanced options', 1", "RECONFIGURE WITH OVERRIDE"}
	for _, name := range slices.Sorted(maps.Keys(s.Server)) {
		out = append(out, fmt.Sprintf("EXEC sp_configure %s, %d", QuoteString(name), s.Server[name]))
	}
	return append(out, "RECONFIGURE WITH OVERRIDE")
}

// DatabaseStatements are the ALTER DATABASE statements that apply the database options to
// db, in option order.
func (s Settings) DatabaseStatements(db string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(s.Database)) {
		opt := databaseOptions[name]
		st := "ALTER DATABASE " + QuoteName(db) + " SET " + name
		if opt.equals {
			st += " = " + s.Database[name]
		} else {
			st += " " + s.Database[name]
		}
		if opt.exclusive {
			st += " WITH ROLLBACK IMMEDIATE"
		}
		out = append(out, st)
	}
	return out
}

// QuoteName quotes an identifier as T-SQL's QUOTENAME does: [name], a ] doubled.
func QuoteName(name string) string { return "[" + strings.ReplaceAll(name, "]", "]]") + "]" }

// QuoteString writes a Unicode string literal: N'text', a ' doubled.
func QuoteString(s string) string { return "N'" + strings.ReplaceAll(s, "'", "''") + "'" }
