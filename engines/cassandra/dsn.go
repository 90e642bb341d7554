package cassandra

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/engines"
)

// Scheme is the DSN scheme of a Cassandra ring:
//
//	cassandra://[user:password@]host:port[,host:port...][/keyspace][?consistency=quorum&dc=datacenter1&timeout=10s&logs=/path/node-1/cassandra.log,...]
//
// Every host is a contact point; the driver finds the rest of the ring from them. The native
// provider adds logs: the nodes' log files, which the collector's analysis reads (slow
// queries, tombstone and large-partition warnings) for the nodes this machine runs.
const Scheme = "cassandra"

// DefaultPort is the native transport port.
const DefaultPort = 9042

// Target is a parsed DSN.
type Target struct {
	Hosts       []string // host:port of every contact point
	Username    string
	Password    string
	Keyspace    string
	Consistency string // the default consistency level, e.g. "quorum"; empty means the driver's default (QUORUM)
	DC          string // the local data center for token-aware, DC-aware routing; empty means any
	Timeout     time.Duration
	Logs        []string // the nodes' log files (ParamLogs), in node order; empty for a ring we do not run
}

// ParamLogs is the DSN parameter that names the nodes' log files, comma-separated.
const ParamLogs = "logs"

// ParseDSN reads a cassandra:// DSN. The error never quotes the password.
func ParseDSN(dsn string) (Target, error) {
	var t Target
	// Note: url.Parse refuses "h1:9042,h2" (it reads the port after the last colon), so the
	// host list is cut out first and parsed here; the URL keeps one placeholder host.
	hostList := ""
	if rest, ok := strings.CutPrefix(dsn, Scheme+"://"); ok {
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		auth := rest[:end]
		at := strings.LastIndex(auth, "@")
		hostList = auth[at+1:]
		dsn = Scheme + "://" + auth[:at+1] + "placeholder" + rest[end:]
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return t, fmt.Errorf("cassandra DSN %s: %v: write cassandra://[user:password@]host:port[,host:port...][/keyspace]", redactURL(dsn), redactErr(err))
	}
	if u.Scheme != Scheme {
		return t, fmt.Errorf("cassandra DSN %s: scheme %q: want cassandra://host:port[,host:port...]", redactURL(dsn), u.Scheme)
	}
	if u.User != nil {
		t.Username = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	for _, h := range strings.Split(hostList, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, strconv.Itoa(DefaultPort))
		}
		t.Hosts = append(t.Hosts, h)
	}
	if len(t.Hosts) == 0 {
		return t, fmt.Errorf("cassandra DSN %s names no host: write cassandra://host:port[,host:port...]", redactURL(dsn))
	}
	t.Keyspace = strings.Trim(u.Path, "/")
	q := u.Query()
	for k := range q {
		switch k {
		case "consistency", "dc", "timeout", ParamLogs:
		default:
			return t, fmt.Errorf("cassandra DSN %s: unknown parameter %q: known are consistency, dc, timeout, %s", redactURL(dsn), k, ParamLogs)
		}
	}
	if c := q.Get("consistency"); c != "" {
		if _, err := ParseConsistency(c); err != nil {
			return t, fmt.Errorf("cassandra DSN %s: %w", redactURL(dsn), err)
		}
		t.Consistency = strings.ToLower(c)
	}
	t.DC = q.Get("dc")
	if s := q.Get("timeout"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return t, fmt.Errorf("cassandra DSN %s: timeout=%q is not a positive duration (e.g. 10s)", redactURL(dsn), s)
		}
		t.Timeout = d
	}
	for _, l := range strings.Split(q.Get(ParamLogs), ",") {
		if l = strings.TrimSpace(l); l != "" {
			t.Logs = append(t.Logs, l)
		}
	}
	return t, nil
}

// String renders the DSN, with the password.
func (t Target) String() string {
	u := url.URL{Scheme: Scheme, Host: strings.Join(t.Hosts, ",")}
	if t.Username != "" {
		u.User = url.UserPassword(t.Username, t.Password)
		if t.Password == "" {
			u.User = url.User(t.Username)
		}
	}
	if t.Keyspace != "" {
		u.Path = "/" + t.Keyspace
	}
	q := url.Values{}
	if t.Consistency != "" {
		q.Set("consistency", t.Consistency)
	}
	if t.DC != "" {
		q.Set("dc", t.DC)
	}
	if t.Timeout > 0 {
		q.Set("timeout", t.Timeout.String())
	}
	if len(t.Logs) > 0 {
		q.Set(ParamLogs, strings.Join(t.Logs, ","))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Address is the contact points, comma-separated, without credentials.
func (t Target) Address() string { return strings.Join(t.Hosts, ",") }

// WithHosts returns the target with other contact points.
func (t Target) WithHosts(hosts ...string) Target {
	t.Hosts = slices.Clone(hosts)
	return t
}

// Cluster is the driver's configuration for the target: token-aware routing (DC-aware when
// the DSN names a data center), the DSN's consistency and timeout, credentials, and the
// driver's own logging off (errors reach the caller). Callers adjust it before
// CreateSession.
func (t Target) Cluster() *gocql.ClusterConfig {
	c := gocql.NewCluster(t.Hosts...)
	c.Keyspace = t.Keyspace
	c.Logger = gocql.NewLogger(gocql.LogLevelNone)
	c.ConnectTimeout = 10 * time.Second
	c.Timeout = 12 * time.Second
	if t.Timeout > 0 {
		c.Timeout = t.Timeout
		c.ConnectTimeout = t.Timeout
	}
	if t.Consistency != "" {
		c.Consistency, _ = ParseConsistency(t.Consistency)
	}
	if t.Username != "" {
		c.Authenticator = gocql.PasswordAuthenticator{Username: t.Username, Password: t.Password}
	}
	fallback := gocql.RoundRobinHostPolicy()
	if t.DC != "" {
		fallback = gocql.DCAwareRoundRobinPolicy(t.DC)
	}
	c.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(fallback)
	// Note: a node that comes back after a fault is found again within a second, not the
	// driver's default minute.
	c.ReconnectInterval = time.Second
	return c
}

// NodeCluster is a configuration that talks to one node only (no discovery of the others):
// for readiness, health and per-node questions (system.local is the node's own view).
func (t Target) NodeCluster(addr string) *gocql.ClusterConfig {
	c := t.WithHosts(addr).Cluster()
	c.Keyspace = ""
	c.DisableInitialHostLookup = true
	c.HostFilter = gocql.WhiteListHostFilter(addr)
	c.NumConns = 1
	c.PoolConfig.HostSelectionPolicy = gocql.RoundRobinHostPolicy()
	c.ConnectTimeout = 5 * time.Second
	c.Timeout = 5 * time.Second
	// Note: the one host is the control connection's too: without the periodic reconnect,
	// a session pinned to a node that went down and came back would not see it again.
	c.ReconnectInterval = time.Second
	return c
}

// consistencies are the levels scenarios and DSNs name, as CQL writes them.
var consistencies = map[string]gocql.Consistency{
	"any": gocql.Any, "one": gocql.One, "two": gocql.Two, "three": gocql.Three,
	"quorum": gocql.Quorum, "all": gocql.All, "local_quorum": gocql.LocalQuorum,
	"each_quorum": gocql.EachQuorum, "local_one": gocql.LocalOne,
	"serial": gocql.Serial, "local_serial": gocql.LocalSerial,
}

// ParseConsistency reads a consistency level by its CQL name (any case, "-" for "_").
func ParseConsistency(s string) (gocql.Consistency, error) {
	key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	if c, ok := consistencies[key]; ok {
		return c, nil
	}
	names := make([]string, 0, len(consistencies))
	for n := range consistencies {
		names = append(names, strings.ToUpper(n))
	}
	slices.Sort(names)
	return 0, fmt.Errorf("unknown consistency level %q: use one of %s", s, strings.Join(names, ", "))
}

// redactURL hides a DSN's password for messages.
func redactURL(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return engines.RedactDSN(dsn)
}

func redactErr(err error) string { return engines.RedactDSN(err.Error()) }
