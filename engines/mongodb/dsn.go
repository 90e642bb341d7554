package mongodb

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/dbharness/dbharness/engines"
)

// URI builds a mongodb:// URI for hosts with the driver options, sorted for stable strings.
func URI(hosts []string, options map[string]string) string {
	u := url.URL{Scheme: "mongodb", Host: strings.Join(hosts, ","), Path: "/"}
	q := url.Values{}
	for _, k := range slices.Sorted(maps.Keys(options)) {
		q.Set(k, options[k])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// WithOptions returns dsn with the driver options added (an option the DSN already sets
// keeps the DSN's value).
func WithOptions(dsn string, options map[string]string) (string, error) {
	if len(options) == 0 {
		return dsn, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("mongodb URI %s: malformed", engines.RedactDSN(dsn))
	}
	q := u.Query()
	for _, k := range slices.Sorted(maps.Keys(options)) {
		if !hasKey(q, k) {
			q.Set(k, options[k])
		}
	}
	u.RawQuery = q.Encode()
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

func hasKey(q url.Values, key string) bool {
	for k := range q {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// ParseURI checks a mongodb:// or mongodb+srv:// URI as the driver reads it. Errors never
// quote the password.
func ParseURI(dsn string) (*connstring.ConnString, error) {
	if !strings.HasPrefix(dsn, "mongodb://") && !strings.HasPrefix(dsn, "mongodb+srv://") {
		return nil, fmt.Errorf("mongodb URI %q: want mongodb://host:port[,host:port...]/[db][?options] or mongodb+srv://name/", engines.RedactDSN(dsn))
	}
	cs, err := connstring.ParseAndValidate(dsn)
	if err != nil {
		return nil, fmt.Errorf("mongodb URI %s: %s", engines.RedactDSN(dsn), engines.RedactDSN(err.Error()))
	}
	return cs, nil
}

// Address is where a URI points, without credentials: its hosts, or the SRV name.
func Address(dsn string) string { return engines.DSNAddress(dsn) }

// Database is the database a URI names in its path, or def.
func Database(dsn, def string) string {
	cs, err := connstring.Parse(dsn)
	if err != nil || cs.Database == "" {
		return def
	}
	return cs.Database
}
