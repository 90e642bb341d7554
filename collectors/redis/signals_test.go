package redis

import (
	"testing"

	"github.com/dbharness/dbharness/collectors/catalog"
)

func TestSignalsReadDeclaredMetrics(t *testing.T) {
	for _, s := range catalog.Signals(Database) { // panics on a metric that is not declared
		if err := catalog.CheckSignal(s); err != nil {
			t.Error(err)
		}
	}
	if len(catalog.Signals(Database)) == 0 {
		t.Fatal("no signals declared: the dashboards would have nothing to show first")
	}
}
