package dashboards

import (
	"github.com/dbharness/dbharness/collectors/catalog"
)

// A Dashboard is one generated dashboard, before any target writes it.
type Dashboard struct {
	// Name is the file name without extension and the dashboard's uid: "dbharness-overview".
	Name        string
	Title       string
	Description string
	Tags        []string
	// Vars are the variables the panels' matchers use, in the order the dashboard shows them.
	Vars []Variable
	Rows []Row
	// LoadMarks marks the starts and ends of workload runs on the time axis.
	LoadMarks bool
}

// A Variable is a dashboard variable: a list of label values, or of fixed values.
type Variable struct {
	Name, Label string
	// Metric and Of: the values of label Of on Metric's series.
	Metric, Of string
	// Values, when set, are the fixed choices instead.
	Values []string
}

// A Row is a titled group of panels.
type Row struct {
	Title  string
	Panels []Panel
}

// A PanelKind is how a panel draws its queries.
type PanelKind int

// The panel kinds.
const (
	TimeSeries PanelKind = iota
	// Stat shows the latest value of each series.
	Stat
	// Bars compares the latest value of each series as horizontal bars.
	Bars
)

// A Panel is one chart.
type Panel struct {
	Title, Help string
	Kind        PanelKind
	// Unit is the unit of the values; PerSecond when they are rates.
	Unit      catalog.Unit
	PerSecond bool
	Queries   []Query
	// Limit, when set, is drawn as a threshold line: a scenario's or an alert's.
	Limit *Limit
	// Wide panels take the whole row.
	Wide bool
}

// A Query is one expression of a panel and how its series are named.
type Query struct {
	Expr Expr
	// Legend names each series by these labels; empty uses the title.
	Legend []string
	// Name, when set, names the series instead (a fixed label for a single series).
	Name string
}

// A Limit is a value a panel's series should stay on one side of.
type Limit struct {
	Value float64
	// Above is true when values above Value are bad.
	Above bool
}
