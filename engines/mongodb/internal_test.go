package mongodb

import (
	"os"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
)

// The FerretDB version the engine reports in test binaries is the one go.mod requires.
func TestFerretDBVersionMatchesGoMod(t *testing.T) {
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := "github.com/FerretDB/FerretDB " + ferretdbRequired + "\n"
	if !strings.Contains(string(b), want) {
		t.Errorf("go.mod does not require %q: update ferretdbRequired in flavor.go", strings.TrimSpace(want))
	}
}

func testSpec() engines.Spec {
	return engines.Spec{Provider: engines.ProviderExternal, DSN: "mongodb://x/"}
}

// The mongod options a scenario sets become mongod's command line; the engine's defaults
// (profiler on for slow operations) come first, and a setting overrides them.
func TestMongodArguments(t *testing.T) {
	pl, err := newPlan(engines.Spec{Settings: map[string]string{"slowms": "20", "wiredTigerCacheSizeGB": "1",
		"setParameter.ttlMonitorSleepSecs": "5", "maxPoolSize": "4", "journal": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(pl.mongodArgs(), " ")
	if got != "--profile 1 --setParameter ttlMonitorSleepSecs=5 --slowms 20 --wiredTigerCacheSizeGB 1" {
		t.Errorf("mongod arguments: %s", got)
	}
	if pl.uriOptions["maxPoolSize"] != "4" || pl.uriOptions["journal"] != "true" {
		t.Errorf("driver options %v", pl.uriOptions)
	}
	uri := URI([]string{"a:1", "b:2"}, map[string]string{"replicaSet": "rs0", "maxPoolSize": "4"})
	if uri != "mongodb://a:1,b:2/?maxPoolSize=4&replicaSet=rs0" {
		t.Errorf("URI = %s", uri)
	}
	if with, err := WithOptions("mongodb://u:p@h:1/db?maxPoolSize=9", map[string]string{"maxPoolSize": "4", "w": "1"}); err != nil || with != "mongodb://u:p@h:1/db?maxPoolSize=9&w=1" {
		t.Errorf("WithOptions = %s, %v: the URI's own value wins", with, err)
	}
}
