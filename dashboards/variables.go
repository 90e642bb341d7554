package dashboards

import (
	"slices"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/workloads/load/loadmetrics"
)

// The dashboard variables every generated dashboard may use.
var (
	varInstance = Variable{Name: "instance", Label: "Instance", Metric: "up", Of: "instance"}
	varNode     = Variable{Name: "node", Label: "Node", Metric: "", Of: "node"}
	varScenario = Variable{Name: "scenario", Label: "Scenario", Metric: loadmetrics.MetricOperations, Of: "scenario"}
	varWorkload = Variable{Name: "workload", Label: "Workload", Metric: loadmetrics.MetricOperations, Of: "workload"}
)

// varDatabase lists every database that declares metrics: the load metrics' database label
// and the collectors' collector label take the same names.
func varDatabase() Variable {
	return Variable{Name: "database", Label: "Database", Values: databases()}
}

// databases lists the databases with declared metrics, the harness's own left out.
func databases() []string {
	return slices.DeleteFunc(catalog.Databases(), func(db string) bool { return db == "dbharness" })
}

// dbMatchers select a database's series by the dashboard's variables.
var dbMatchers = []Matcher{Var("instance", "instance"), Var("node", "node")}

// loadMatchers select the load engine's series by the dashboard's variables.
var loadMatchers = []Matcher{Var("database", "database"), Var("scenario", "scenario"), Var("workload", "workload")}
