package dashboards

import (
	"github.com/dbharness/dbharness/collectors/catalog"
)

// signalExpr is the expression of a signal, without matchers.
func signalExpr(s catalog.Signal) Expr {
	e := Expr{Kind: Rate, Of: s.Of, Over: s.Over, By: s.By, Top: s.Top}
	if s.Type() == catalog.Gauge {
		e.Kind, e.Agg = Value, s.Agg
	}
	return e
}

// signalPanel is the panel of a signal, its series selected by matchers.
func signalPanel(s catalog.Signal, ms ...Matcher) Panel {
	p := Panel{
		Title: s.Title, Help: s.Help, Unit: s.Unit,
		PerSecond: s.Type() == catalog.Counter && len(s.Over) == 0,
		Queries:   []Query{{Expr: signalExpr(s).With(ms...), Legend: s.By}},
	}
	if s.Top > 0 {
		p.Wide = true
	}
	if a := s.Alert; a != nil {
		p.Limit = &Limit{Value: a.Value, Above: a.Op == ">"}
	}
	return p
}

// byRole returns a database's signal with the role, if it declares one.
func byRole(db string, r catalog.Role) (catalog.Signal, bool) {
	for _, s := range catalog.Signals(db) {
		if s.Role == r {
			return s, true
		}
	}
	return catalog.Signal{}, false
}
