package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbharness/dbharness/engines"
)

func init() {
	// Note: go-sql-driver/mysql logs to stderr ("[mysql] packets.go: unexpected EOF") when a
	// server goes away, which would break into scenario output and is the expected outcome of
	// every fault scenario; its lines go to the process's slog at debug level instead.
	_ = driver.SetLogger(debugLogger{})
}

type debugLogger struct{}

func (debugLogger) Print(v ...any) { slog.Debug("go-sql-driver/mysql: " + fmt.Sprint(v...)) }

// The DSN schemes. A DSN is a URL, so engines.RedactDSN finds its password wherever it is
// quoted (go-sql-driver's own user:pass@tcp(host)/db form has no scheme and would not be
// redacted: it is accepted by ParseDSN and turned into this form).
//
//	mysql://user:password@host:port/database?param=value
//	    one server
//	mysql+replicated://user:password@host:port,host:port,.../database?param=value
//	    a primary with replicas: clients write to the node that is not read-only, and find
//	    it again after a failover; the collector discovers the replicas from the list
const (
	SchemeStandalone = "mysql"
	SchemeReplicated = "mysql+replicated"
)

// DefaultDatabase is the database the engine creates for workloads and names in its DSNs.
const DefaultDatabase = "dbharness"

// Target is a parsed DSN.
type Target struct {
	Scheme   string
	Addrs    []string // host:port of every node (the first is the primary at start)
	User     string
	Password string
	Database string
	// Params are driver parameters (tls, timeout, readTimeout, ...), passed on to
	// go-sql-driver/mysql.
	Params map[string]string
}

// knownParams are the go-sql-driver/mysql parameters a DSN may carry.
var knownParams = []string{"tls", "timeout", "readTimeout", "writeTimeout", "charset", "collation", "loc", "parseTime", "allowNativePasswords", "allowCleartextPasswords"}

// ParseDSN reads a DSN in one of the forms above, or go-sql-driver/mysql's own
// user:password@tcp(host:port)/database form. Errors quote the DSN with its password
// redacted.
func ParseDSN(dsn string) (Target, error) {
	if !strings.Contains(dsn, "://") {
		return parseDriverDSN(dsn)
	}
	bad := func(format string, args ...any) (Target, error) {
		return Target{}, fmt.Errorf("mysql DSN %q: %s", engines.RedactDSN(dsn), fmt.Sprintf(format, args...))
	}
	scheme, rest, _ := strings.Cut(dsn, "://")
	t := Target{Scheme: strings.ToLower(scheme), Params: map[string]string{}}
	if t.Scheme != SchemeStandalone && t.Scheme != SchemeReplicated {
		return bad("unknown scheme %q: use mysql://host:port/db or mysql+replicated://host:port,host:port/db", scheme)
	}
	rest, query, _ := strings.Cut(rest, "?")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		userinfo := rest[:at]
		rest = rest[at+1:]
		user, pass, hasPass := strings.Cut(userinfo, ":")
		var err error
		if t.User, err = url.PathUnescape(user); err != nil {
			return bad("bad user name encoding")
		}
		if hasPass {
			if t.Password, err = url.PathUnescape(pass); err != nil {
				return bad("bad password encoding")
			}
		}
	}
	hosts, path, _ := strings.Cut(rest, "/")
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(h); err != nil || port == "" {
			return bad("address %q is not host:port", h)
		}
		t.Addrs = append(t.Addrs, h)
	}
	if len(t.Addrs) == 0 {
		return bad("no host:port given")
	}
	if t.Scheme == SchemeStandalone && len(t.Addrs) > 1 {
		return bad("%d addresses given for one server: use mysql+replicated://", len(t.Addrs))
	}
	db, err := url.PathUnescape(path)
	if err != nil {
		return bad("bad database name encoding")
	}
	t.Database = db
	values, err := url.ParseQuery(query)
	if err != nil {
		return bad("bad parameters: %v", err)
	}
	for k, v := range values {
		if !slices.Contains(knownParams, k) {
			return bad("unknown parameter %q: known ones are %s", k, strings.Join(knownParams, ", "))
		}
		t.Params[k] = v[len(v)-1]
	}
	return t, nil
}

// parseDriverDSN reads go-sql-driver/mysql's user:password@tcp(host:port)/db form.
func parseDriverDSN(dsn string) (Target, error) {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		// Note: the driver's message may quote the DSN.
		return Target{}, fmt.Errorf("mysql DSN %q: not a mysql:// URL, and not a go-sql-driver DSN either (user:password@tcp(host:port)/database)", engines.RedactDSN(redactDriverDSN(dsn)))
	}
	if cfg.Net != "tcp" {
		return Target{}, fmt.Errorf("mysql DSN: network %q: only tcp(host:port) is supported", cfg.Net)
	}
	t := Target{Scheme: SchemeStandalone, Addrs: []string{cfg.Addr}, User: cfg.User, Password: cfg.Passwd,
		Database: cfg.DBName, Params: map[string]string{}}
	if cfg.TLSConfig != "" {
		t.Params["tls"] = cfg.TLSConfig
	}
	return t, nil
}

// redactDriverDSN hides the password of a user:password@tcp(...) DSN.
func redactDriverDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	user, _, hasPass := strings.Cut(dsn[:at], ":")
	if !hasPass {
		return dsn
	}
	return user + ":" + engines.Redacted + dsn[at:]
}

// String is the DSN again, with the password.
func (t Target) String() string {
	var b strings.Builder
	b.WriteString(t.Scheme + "://")
	if t.User != "" || t.Password != "" {
		if t.Password != "" {
			b.WriteString(url.UserPassword(t.User, t.Password).String())
		} else {
			b.WriteString(url.User(t.User).String())
		}
		b.WriteString("@")
	}
	b.WriteString(strings.Join(t.Addrs, ","))
	b.WriteString("/" + url.PathEscape(t.Database))
	if len(t.Params) > 0 {
		v := url.Values{}
		for k, p := range t.Params {
			v.Set(k, p)
		}
		b.WriteString("?" + v.Encode())
	}
	return b.String()
}

// Address names the nodes without credentials, for messages.
func (t Target) Address() string { return strings.Join(t.Addrs, ",") }

// Replicated says whether the DSN names a primary with replicas.
func (t Target) Replicated() bool { return t.Scheme == SchemeReplicated }

// Config is the go-sql-driver/mysql configuration of one node (addr) of the target. The
// parameters every dbharness connection needs are set: parseTime, and interpolateParams,
// because MariaDB's performance_schema does not digest server-side prepared statements
// (they all count as statement/com/Execute), and the workloads' statements must show in
// the digest table under their own text.
func (t Target) Config(addr string) *driver.Config {
	cfg := driver.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = t.User, t.Password, "tcp", addr, t.Database
	cfg.ParseTime = true
	cfg.InterpolateParams = true
	cfg.Timeout = 5 * time.Second
	cfg.AllowNativePasswords = true
	for k, v := range t.Params {
		switch k {
		case "tls":
			cfg.TLSConfig = v
		case "timeout":
			if d, err := time.ParseDuration(v); err == nil {
				cfg.Timeout = d
			}
		case "readTimeout":
			if d, err := time.ParseDuration(v); err == nil {
				cfg.ReadTimeout = d
			}
		case "writeTimeout":
			if d, err := time.ParseDuration(v); err == nil {
				cfg.WriteTimeout = d
			}
		case "allowCleartextPasswords":
			cfg.AllowCleartextPasswords = v == "true" || v == "1"
		default:
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[k] = v
		}
	}
	return cfg
}

// OpenDB opens a database/sql pool to one node of the target. It does not connect: the
// first query does.
func (t Target) OpenDB(addr string) (*sql.DB, error) {
	c, err := driver.NewConnector(t.Config(addr))
	if err != nil {
		return nil, fmt.Errorf("mysql at %s: %s", addr, engines.RedactDSN(err.Error()))
	}
	return sql.OpenDB(c), nil
}

// ReadWriteNode finds the node clients write to: the only node of a standalone target, or
// the first node of a replicated one that answers with read_only off. The error lists what
// each node said.
func (t Target) ReadWriteNode(ctx context.Context, timeout time.Duration) (string, error) {
	if !t.Replicated() {
		return t.Addrs[0], nil
	}
	var problems []string
	for _, addr := range t.Addrs {
		db, err := t.OpenDB(addr)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		qctx, cancel := context.WithTimeout(ctx, timeout)
		var readOnly int
		err = db.QueryRowContext(qctx, "SELECT @@global.read_only").Scan(&readOnly)
		cancel()
		db.Close()
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %s", addr, engines.RedactDSN(err.Error())))
		case readOnly == 0:
			return addr, nil
		default:
			problems = append(problems, addr+" is read-only")
		}
	}
	return "", fmt.Errorf("mysql replicated at %s: no node takes writes (%s)", t.Address(), strings.Join(problems, "; "))
}
