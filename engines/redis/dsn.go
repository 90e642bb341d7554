package redis

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines"
)

func init() {
	// Note: go-redis logs to stderr by default ("sentinel: selected addr ..."), which would
	// break into scenario output; its lines go to the process's slog at debug level instead.
	goredis.SetLogger(debugLogger{})
}

type debugLogger struct{}

func (debugLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// The DSN schemes, one per way a client reaches Redis. A single URL names every seed node,
// so a scenario, the collector and the workloads all connect from the same string.
//
//	redis://[:password@]host:port[/db]                         one node (standalone, or a replicated primary)
//	rediss://...                                               the same over TLS
//	redis+cluster://[:password@]host:port,host:port,...         a cluster, by any of its nodes
//	redis+sentinel://[:password@]host:port,host:port/primary    a sentinel group and its primary's name
const (
	SchemeStandalone = "redis"
	SchemeTLS        = "rediss"
	SchemeCluster    = "redis+cluster"
	SchemeSentinel   = "redis+sentinel"
)

// Topology names. They are also the words scenarios use.
const (
	Standalone = "standalone"
	Replicated = "replicated"
	Cluster    = "cluster"
	Sentinel   = "sentinel"
)

// Target is a parsed DSN.
type Target struct {
	Scheme   string
	Addrs    []string // host:port of every seed node (sentinels for SchemeSentinel)
	Username string
	Password string
	DB       int
	Primary  string // the monitored primary's name, for SchemeSentinel
}

// ParseDSN reads a DSN in one of the forms above. Errors quote the DSN with its password
// redacted.
func ParseDSN(dsn string) (Target, error) {
	bad := func(format string, args ...any) (Target, error) {
		return Target{}, fmt.Errorf("redis DSN %q: %s", engines.RedactDSN(dsn), fmt.Sprintf(format, args...))
	}
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return bad("want redis://host:port, redis+cluster://host:port,host:port or redis+sentinel://host:port/primary")
	}
	t := Target{Scheme: strings.ToLower(scheme)}
	switch t.Scheme {
	case SchemeStandalone, SchemeTLS, SchemeCluster, SchemeSentinel:
	default:
		return bad("unknown scheme %q: use redis, rediss, redis+cluster or redis+sentinel", scheme)
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		userinfo := rest[:at]
		rest = rest[at+1:]
		user, pass, hasPass := strings.Cut(userinfo, ":")
		var err error
		if t.Username, err = url.PathUnescape(user); err != nil {
			return bad("bad user name: %v", err)
		}
		if hasPass {
			if t.Password, err = url.PathUnescape(pass); err != nil {
				return bad("bad password encoding")
			}
		}
	}
	hosts, path, _ := strings.Cut(rest, "/")
	path, _, _ = strings.Cut(path, "?")
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
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
	switch t.Scheme {
	case SchemeSentinel:
		if path == "" {
			return bad("name the monitored primary after the sentinels: redis+sentinel://host:port/<primary>")
		}
		t.Primary = path
	case SchemeCluster:
		if path != "" && path != "0" {
			return bad("a cluster has only database 0")
		}
	default:
		if len(t.Addrs) > 1 {
			return bad("%d addresses given for one node: use redis+cluster:// or redis+sentinel://", len(t.Addrs))
		}
		if path != "" {
			db, err := strconv.Atoi(path)
			if err != nil || db < 0 {
				return bad("database %q is not a number", path)
			}
			t.DB = db
		}
	}
	return t, nil
}

// String is the DSN again, with the password.
func (t Target) String() string {
	var b strings.Builder
	b.WriteString(t.Scheme + "://")
	if t.Username != "" || t.Password != "" {
		// url.User escapes '@', ':' and '/' in user information; PathEscape would not.
		if t.Password != "" {
			b.WriteString(url.UserPassword(t.Username, t.Password).String())
		} else {
			b.WriteString(url.User(t.Username).String())
		}
		b.WriteString("@")
	}
	b.WriteString(strings.Join(t.Addrs, ","))
	switch {
	case t.Scheme == SchemeSentinel:
		b.WriteString("/" + t.Primary)
	case t.DB != 0:
		b.WriteString("/" + strconv.Itoa(t.DB))
	}
	return b.String()
}

// Address names the seed nodes without credentials, for messages.
func (t Target) Address() string { return strings.Join(t.Addrs, ",") }

// NewClient connects the go-redis client that fits the DSN: a cluster client (it follows
// MOVED and ASK redirections), a sentinel-backed failover client, or a plain client.
// The caller closes it.
func NewClient(dsn string) (goredis.UniversalClient, error) {
	t, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return t.NewClient(nil), nil
}

// NewClient connects a client to t. tune, when not nil, adjusts the options (pool size,
// timeouts) before the client is made.
func (t Target) NewClient(tune func(*goredis.UniversalOptions)) goredis.UniversalClient {
	opts := &goredis.UniversalOptions{
		Addrs:    t.Addrs,
		Username: t.Username,
		Password: t.Password,
		DB:       t.DB,
	}
	if t.Scheme == SchemeTLS {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if t.Scheme == SchemeSentinel {
		opts.MasterName = t.Primary
		// Sentinels share the data nodes' password in the topologies we start.
		opts.SentinelPassword = t.Password
	}
	if tune != nil {
		tune(opts)
	}
	switch t.Scheme {
	case SchemeCluster:
		co := opts.Cluster()
		// Note: go-redis reloads the slot map on MOVED or, by default, once a minute; a
		// connection refused by a dead primary triggers neither. Reloading when the map is
		// older than a second lets clients find the promoted replica during a failover.
		co.ClusterStateReloadInterval = time.Second
		return goredis.NewClusterClient(co)
	case SchemeSentinel:
		return goredis.NewFailoverClient(opts.Failover())
	default:
		return goredis.NewClient(opts.Simple())
	}
}

// NodeClient connects a plain client to one node (addr) with t's credentials, for commands
// that must reach a given node: INFO, SLOWLOG, CLUSTER NODES, SENTINEL ...
func (t Target) NodeClient(addr string, tune func(*goredis.Options)) *goredis.Client {
	opts := &goredis.Options{Addr: addr, Username: t.Username, Password: t.Password}
	if t.Scheme == SchemeTLS {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tune != nil {
		tune(opts)
	}
	return goredis.NewClient(opts)
}
