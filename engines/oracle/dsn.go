package oracle

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"github.com/dbharness/dbharness/engines"
)

// A DSN is a go-ora v2 connection URL taken apart:
// oracle://user:password@host:port/service?option=value&...
type DSN struct {
	User, Password string
	Host, Port     string
	// Service is the service name (the URL's path); "" when the SID option names the
	// database instead.
	Service string
	// Options are go-ora's URL options ("SID", "PROGRAM", "CONNECTION TIMEOUT", ...), by
	// their names as written.
	Options map[string]string
}

// ParseDSN reads a go-ora URL. Errors say what is missing and never quote the password.
func ParseDSN(s string) (DSN, error) {
	const want = "want oracle://user:password@host:port/service"
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		// Note: url's error quotes the whole text, password included.
		return DSN{}, fmt.Errorf("oracle DSN %s is not a URL: %s", engines.RedactDSN(s), want)
	}
	if u.Scheme != "oracle" {
		return DSN{}, fmt.Errorf("oracle DSN %s: scheme %q: %s (go-ora's URL form)", engines.RedactDSN(s), u.Scheme, want)
	}
	d := DSN{Service: strings.Trim(u.Path, "/"), Options: map[string]string{}}
	if u.User != nil {
		d.User = u.User.Username()
		d.Password, _ = u.User.Password()
	}
	for k, v := range u.Query() {
		if len(v) > 0 {
			d.Options[k] = v[len(v)-1]
		}
	}
	d.Host, d.Port = u.Hostname(), u.Port()
	if d.Port == "" {
		d.Port = "1521"
	}
	switch {
	case d.Host == "":
		return DSN{}, fmt.Errorf("oracle DSN %s names no host: %s", engines.RedactDSN(s), want)
	case d.User == "":
		return DSN{}, fmt.Errorf("oracle DSN %s names no user: %s", engines.RedactDSN(s), want)
	case d.Service == "" && d.option("SID") == "":
		return DSN{}, fmt.Errorf("oracle DSN %s names no service (the path) and no SID option: %s (Oracle Free's pluggable database is FREEPDB1)", engines.RedactDSN(s), want)
	}
	return d, nil
}

// option returns an option's value whatever the case of its name (go-ora's is ignored).
func (d DSN) option(name string) string {
	for k, v := range d.Options {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// WithDefault returns d with the option set unless it is set already (in any case).
func (d DSN) WithDefault(name, value string) DSN {
	if d.option(name) != "" {
		return d
	}
	opts := make(map[string]string, len(d.Options)+1)
	for k, v := range d.Options {
		opts[k] = v
	}
	opts[name] = value
	d.Options = opts
	return d
}

// String is the URL again, every part escaped, options sorted.
func (d DSN) String() string {
	u := url.URL{Scheme: "oracle", User: url.UserPassword(d.User, d.Password),
		Host: net.JoinHostPort(d.Host, d.Port), Path: "/" + d.Service}
	if len(d.Options) > 0 {
		keys := make([]string, 0, len(d.Options))
		for k := range d.Options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = url.QueryEscape(k) + "=" + url.QueryEscape(d.Options[k])
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

// Address is where the DSN points, without credentials: host:port/service (or /SID=x).
func (d DSN) Address() string {
	db := d.Service
	if db == "" {
		db = "SID=" + d.option("SID")
	}
	return net.JoinHostPort(d.Host, d.Port) + "/" + db
}

// WithProgram returns dsn with go-ora's PROGRAM option set to name unless it names one
// already: Oracle shows it in V$SESSION.PROGRAM and V$ACTIVE_SESSION_HISTORY.PROGRAM, which
// is how the analysis tells the load's sessions from the harness's own. A DSN that does not
// parse is returned as it is (opening it will say what is wrong).
func WithProgram(dsn, name string) string {
	d, err := ParseDSN(dsn)
	if err != nil {
		return dsn
	}
	return d.WithDefault("PROGRAM", name).String()
}

// HarnessComment marks the statements the harness runs for itself inside a workload (a
// worker counting the rows it picks keys from): the analysis leaves them out of the load's
// statements.
const HarnessComment = "/* dbharness */"

// The PROGRAM names the harness's sessions carry.
const (
	ProgramWorkload  = "dbharness-workload"
	ProgramCollector = "dbharness-collector"
)

// Program is the DSN's PROGRAM option, "" when it names none.
func (d DSN) Program() string { return d.option("PROGRAM") }
