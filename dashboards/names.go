package dashboards

import "github.com/dbharness/dbharness/engines"

// display is the database's name as people write it, from its engine's description.
func display(db string) string {
	if e, err := engines.Lookup(db); err == nil {
		return e.Describe().Display
	}
	return db
}
