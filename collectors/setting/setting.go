// Package setting parses and documents a collector's settings (collectors.WithSetting): the
// same errors, naming the collector, the key and what it wants, for every database.
package setting

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Doc documents one setting for the docs page.
type Doc struct{ Key, Default, Help string }

// Keys are the docs' keys, in their order.
func Keys(docs []Doc) []string {
	keys := make([]string, len(docs))
	for i, d := range docs {
		keys[i] = d.Key
	}
	return keys
}

// Int parses v as an integer of at least least.
func Int(collector, key, v string, least int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		return 0, fmt.Errorf("%s collector setting %s: want an integer of at least %d, got %q", collector, key, least, v)
	}
	return n, nil
}

// Duration parses v as a positive duration; example is one the error shows.
func Duration(collector, key, v, example string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s collector setting %s: want a positive duration such as %s, got %q", collector, key, example, v)
	}
	return d, nil
}

// Unknown is the error for a key none of docs has.
func Unknown(collector, key string, docs []Doc) error {
	return fmt.Errorf("unknown %s collector setting %q: known settings are %s", collector, key, strings.Join(Keys(docs), ", "))
}
