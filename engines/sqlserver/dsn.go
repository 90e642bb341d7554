package sqlserver

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// A DSN is a sqlserver:// URL as go-mssqldb reads it:
// sqlserver://user:password@host:port[/instance]?database=db&encrypt=disable&app+name=x.
//
// Note: only the URL form is taken. The ADO (server=h;password=x) and ODBC forms quote
// passwords in ways a text redactor cannot always find ("a;b", {a;b}), and an error that
// quotes one must never print a password.
type DSN struct {
	u *url.URL
}

// ParseDSN reads a sqlserver:// URL. Its errors never quote the DSN.
func ParseDSN(dsn string) (*DSN, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return nil, fmt.Errorf("sqlserver: no DSN: set %s to a sqlserver://user:password@host:port URL", DSNEnv)
	}
	if !strings.HasPrefix(strings.ToLower(dsn), "sqlserver://") {
		return nil, errors.New("sqlserver: the DSN is not a sqlserver:// URL: write it as sqlserver://user:password@host:port?database=db (the ADO and ODBC forms are not taken, so a password in them cannot reach a log)")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// Note: url's error quotes the text, password and all.
		return nil, errors.New("sqlserver: the DSN is not a valid URL: percent-encode the special characters of the user and password (@ is %40, : is %3A, / is %2F)")
	}
	if u.Hostname() == "" {
		return nil, errors.New("sqlserver: the DSN names no host: write sqlserver://user:password@host:port")
	}
	if u.Port() != "" {
		if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("sqlserver: the DSN's port %q is not a port number", u.Port())
		}
	}
	if strings.Count(strings.Trim(u.Path, "/"), "/") > 0 {
		return nil, errors.New("sqlserver: the DSN's path is more than an instance name: write sqlserver://user:password@host/instance")
	}
	return &DSN{u: u}, nil
}

// BuildDSN writes the URL of a server at host:port with a user and password (escaped) and
// the given parameters.
func BuildDSN(host string, port int, user, password string, params url.Values) string {
	u := &url.URL{Scheme: "sqlserver", User: url.UserPassword(user, password),
		Host: net.JoinHostPort(host, fmt.Sprint(port)), RawQuery: params.Encode()}
	return u.String()
}

// String is the DSN with its password: never log it.
func (d *DSN) String() string { return d.u.String() }

// Address is host:port (or host\instance) without credentials, for messages.
func (d *DSN) Address() string {
	addr := d.u.Host
	if inst := strings.Trim(d.u.Path, "/"); inst != "" {
		addr += `\` + inst
	}
	return addr
}

// User is the login the DSN names ("" for none).
func (d *DSN) User() string { return d.u.User.Username() }

// Database is the database the DSN names ("" means the login's default, usually master).
func (d *DSN) Database() string {
	for k, v := range d.u.Query() {
		if strings.EqualFold(k, "database") || strings.EqualFold(k, "initial catalog") {
			return v[0]
		}
	}
	return ""
}

// With returns a copy of the DSN with a parameter set (replacing any spelling of the same
// key: go-mssqldb reads keys case-insensitively and refuses one given twice).
func (d *DSN) With(key, value string) *DSN {
	u := *d.u
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, key) || strings.EqualFold(key, "database") && strings.EqualFold(k, "initial catalog") {
			q.Del(k)
		}
	}
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return &DSN{u: &u}
}

// WithDatabase returns a copy of the DSN that connects to database db.
func (d *DSN) WithDatabase(db string) *DSN { return d.With("database", db) }

// WithAppName returns a copy of the DSN whose sessions carry the application name (seen in
// sys.dm_exec_sessions.program_name and in deadlock graphs as clientapp), unless the DSN
// names one already.
func (d *DSN) WithAppName(name string) *DSN {
	for k := range d.u.Query() {
		if strings.EqualFold(k, "app name") {
			return d
		}
	}
	return d.With("app name", name)
}
