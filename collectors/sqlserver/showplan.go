package sqlserver

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The showplan XML SQL Server keeps for a cached plan (sys.dm_exec_text_query_plan) and for
// each Query Store plan (sys.query_store_plan.query_plan): elements in the namespace
// http://schemas.microsoft.com/sqlserver/2004/07/showplan, read here by local name.
type showPlanXML struct {
	Batches []struct {
		Statements []statementsXML `xml:"Statements"`
	} `xml:"BatchSequence>Batch"`
}

// statementsXML holds a batch's statements: StmtSimple, and the IF/WHILE of StmtCond whose
// branches hold statements again.
type statementsXML struct {
	Simple []stmtSimpleXML `xml:"StmtSimple"`
	Cond   []struct {
		Then []statementsXML `xml:"Then>Statements"`
		Else []statementsXML `xml:"Else>Statements"`
	} `xml:"StmtCond"`
}

type stmtSimpleXML struct {
	Text          string  `xml:"StatementText,attr"`
	Type          string  `xml:"StatementType,attr"`
	Cost          float64 `xml:"StatementSubTreeCost,attr"`
	QueryHash     string  `xml:"QueryHash,attr"`
	QueryPlanHash string  `xml:"QueryPlanHash,attr"`
	OptmLevel     string  `xml:"StatementOptmLevel,attr"`
	EarlyAbort    string  `xml:"StatementOptmEarlyAbortReason,attr"`
	QueryPlan     *struct {
		DegreeOfParallelism int          `xml:"DegreeOfParallelism,attr"`
		Warnings            *warningsXML `xml:"Warnings"`
		MissingIndexGroups  []struct {
			Impact  float64           `xml:"Impact,attr"`
			Indexes []missingIndexXML `xml:"MissingIndex"`
		} `xml:"MissingIndexes>MissingIndexGroup"`
		MemoryGrant *struct {
			Requested float64 `xml:"RequestedMemory,attr"`
			Granted   float64 `xml:"GrantedMemory,attr"`
			Desired   float64 `xml:"SerialDesiredMemory,attr"`
		} `xml:"MemoryGrantInfo"`
		RelOp *relOpXML `xml:"RelOp"`
	} `xml:"QueryPlan"`
}

type missingIndexXML struct {
	Database string `xml:"Database,attr"`
	Schema   string `xml:"Schema,attr"`
	Table    string `xml:"Table,attr"`
	Groups   []struct {
		Usage   string `xml:"Usage,attr"`
		Columns []struct {
			Name string `xml:"Name,attr"`
		} `xml:"Column"`
	} `xml:"ColumnGroup"`
}

// warningsXML is the WarningsType of the showplan schema, on a QueryPlan or a RelOp.
type warningsXML struct {
	NoJoinPredicate  bool `xml:"NoJoinPredicate,attr"`
	UnmatchedIndexes bool `xml:"UnmatchedIndexes,attr"`
	SpatialGuess     bool `xml:"SpatialGuess,attr"`
	NoStatistics     []struct {
		Columns []struct {
			Table  string `xml:"Table,attr"`
			Column string `xml:"Column,attr"`
		} `xml:"ColumnReference"`
	} `xml:"ColumnsWithNoStatistics"`
	SpillToTempDb    []struct{}   `xml:"SpillToTempDb"`
	SortSpills       []struct{}   `xml:"SortSpillDetails"`
	HashSpills       []struct{}   `xml:"HashSpillDetails"`
	ExchangeSpills   []struct{}   `xml:"ExchangeSpillDetails"`
	Converts         []convertXML `xml:"PlanAffectingConvert"`
	MemoryGrantIssue []struct {
		Kind string `xml:"GrantWarningKind,attr"`
	} `xml:"MemoryGrantWarning"`
	Waits []struct {
		Type string `xml:"WaitType,attr"`
	} `xml:"Wait"`
}

type convertXML struct {
	Issue      string `xml:"ConvertIssue,attr"`
	Expression string `xml:"Expression,attr"`
}

// relOpXML is one operator; its operator-specific child (IndexScan, NestedLoops, Update, ...)
// holds the operators under it and the object it reads.
type relOpXML struct {
	NodeID       int          `xml:"NodeId,attr"`
	PhysicalOp   string       `xml:"PhysicalOp,attr"`
	LogicalOp    string       `xml:"LogicalOp,attr"`
	EstimateRows float64      `xml:"EstimateRows,attr"`
	RowsRead     float64      `xml:"EstimatedRowsRead,attr"`
	Parallel     bool         `xml:"Parallel,attr"`
	Cost         float64      `xml:"EstimatedTotalSubtreeCost,attr"`
	Warnings     *warningsXML `xml:"Warnings"`
	// Note: OutputList, MemoryFractions, RunTimeInformation and the other known children
	// also land in Children; only the operator element has RelOp or Object children.
	Children []operatorXML `xml:",any"`
}

type operatorXML struct {
	XMLName xml.Name
	Lookup  bool        `xml:"Lookup,attr"`
	Objects []objectXML `xml:"Object"`
	Seek    []struct{}  `xml:"SeekPredicates"`
	RelOps  []relOpXML  `xml:"RelOp"`
}

type objectXML struct {
	Database string `xml:"Database,attr"`
	Schema   string `xml:"Schema,attr"`
	Table    string `xml:"Table,attr"`
	Index    string `xml:"Index,attr"`
}

// A Plan is what the analysis reads in one statement's plan.
type Plan struct {
	Statement     string // StatementText, as the plan has it (never shown raw)
	QueryHash     string
	QueryPlanHash string
	Cost          float64 // the optimizer's estimated cost of the statement
	// Shape is the operator tree without costs: "Nested Loops (Index Seek on orders.ix_status,
	// Key Lookup on orders.PK_orders)".
	Shape string
	Nodes int
	// Degree is the degree of parallelism the plan was compiled for (0 or 1: serial).
	Degree   int
	Parallel bool
	// Scans are the tables (schema.table) read whole (Table Scan, Clustered Index Scan, Index Scan);
	// Seeks count the index seeks; Lookups are the tables read row by row after a seek of
	// another index (Key Lookup, RID Lookup).
	Scans   []string
	Seeks   int
	Lookups []string
	// Warnings are the plan's warnings, by name ("implicit conversion", ...), each once.
	Warnings []string
	// Converts are the implicit conversions that change the plan, as the plan writes them.
	Converts       []string
	MissingIndexes []MissingIndex
	EarlyAbort     string // "TimeOut" when the optimizer gave up looking
}

// The names of plan warnings.
const (
	WarnImplicitConversion = "implicit conversion"
	WarnNoStatistics       = "missing statistics"
	WarnSpill              = "spill to tempdb"
	WarnNoJoinPredicate    = "no join predicate"
	WarnMemoryGrant        = "memory grant"
	WarnUnmatchedIndexes   = "unmatched indexes"
	WarnOptimizerTimeout   = "optimizer timeout"
)

// ParsePlans reads showplan XML and returns the plan of each statement in it.
func ParsePlans(text string) ([]Plan, error) {
	var doc showPlanXML
	if err := decodeXML(text, &doc); err != nil {
		return nil, fmt.Errorf("the plan is not showplan XML: %w", err)
	}
	var out []Plan
	var walk func(ss []statementsXML)
	walk = func(ss []statementsXML) {
		for _, s := range ss {
			for _, st := range s.Simple {
				if st.QueryPlan != nil {
					out = append(out, readPlan(st))
				}
			}
			for _, c := range s.Cond {
				walk(c.Then)
				walk(c.Else)
			}
		}
	}
	for _, b := range doc.Batches {
		walk(b.Statements)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the showplan holds no statement with a plan")
	}
	return out, nil
}

func readPlan(st stmtSimpleXML) Plan {
	qp := st.QueryPlan
	p := Plan{Statement: st.Text, QueryHash: st.QueryHash, QueryPlanHash: st.QueryPlanHash, Cost: st.Cost,
		Degree: qp.DegreeOfParallelism, EarlyAbort: st.EarlyAbort}
	warn := func(name string) {
		if !slices.Contains(p.Warnings, name) {
			p.Warnings = append(p.Warnings, name)
		}
	}
	readWarnings := func(w *warningsXML) {
		if w == nil {
			return
		}
		for _, c := range w.Converts {
			warn(WarnImplicitConversion)
			if !slices.Contains(p.Converts, c.Expression) {
				p.Converts = append(p.Converts, c.Expression)
			}
		}
		if len(w.NoStatistics) > 0 {
			warn(WarnNoStatistics)
		}
		if len(w.SpillToTempDb)+len(w.SortSpills)+len(w.HashSpills)+len(w.ExchangeSpills) > 0 {
			warn(WarnSpill)
		}
		if w.NoJoinPredicate {
			warn(WarnNoJoinPredicate)
		}
		if len(w.MemoryGrantIssue) > 0 {
			warn(WarnMemoryGrant)
		}
		if w.UnmatchedIndexes {
			warn(WarnUnmatchedIndexes)
		}
	}
	readWarnings(qp.Warnings)
	if st.EarlyAbort == "TimeOut" || st.EarlyAbort == "MemoryLimitExceeded" {
		warn(WarnOptimizerTimeout)
	}
	for _, g := range qp.MissingIndexGroups {
		for _, mi := range g.Indexes {
			p.MissingIndexes = append(p.MissingIndexes, missingFromPlan(mi, g.Impact))
		}
	}
	if qp.RelOp != nil {
		p.Shape = p.walk(qp.RelOp, readWarnings)
	}
	return p
}

// walk reads one operator and those under it, and returns its shape.
func (p *Plan) walk(op *relOpXML, readWarnings func(*warningsXML)) string {
	p.Nodes++
	readWarnings(op.Warnings)
	if op.Parallel {
		p.Parallel = true
	}
	var obj *objectXML
	var kids []relOpXML
	lookup := false
	seek := false
	for _, c := range op.Children {
		if len(c.Objects) > 0 && obj == nil {
			obj = &c.Objects[0]
		}
		kids = append(kids, c.RelOps...)
		lookup = lookup || c.Lookup
		seek = seek || len(c.Seek) > 0
	}
	s := op.PhysicalOp
	if op.LogicalOp != "" && op.LogicalOp != op.PhysicalOp && (op.PhysicalOp == "Nested Loops" || op.PhysicalOp == "Hash Match" ||
		op.PhysicalOp == "Merge Join" || op.PhysicalOp == "Parallelism") {
		s += " " + op.LogicalOp
	}
	if obj != nil {
		table := unquote(obj.Table)
		if obj.Schema != "" {
			table = unquote(obj.Schema) + "." + table
		}
		if obj.Index != "" {
			s += " on " + table + "." + unquote(obj.Index)
		} else {
			s += " on " + table
		}
		switch {
		case op.PhysicalOp == "Key Lookup" || op.PhysicalOp == "RID Lookup" || lookup:
			p.addTable(&p.Lookups, table)
		case op.PhysicalOp == "Table Scan" || op.PhysicalOp == "Clustered Index Scan" || op.PhysicalOp == "Index Scan":
			p.addTable(&p.Scans, table)
		case strings.HasSuffix(op.PhysicalOp, "Seek") || seek:
			p.Seeks++
		}
	}
	if len(kids) == 0 {
		return s
	}
	parts := make([]string, len(kids))
	for i := range kids {
		parts[i] = p.walk(&kids[i], readWarnings)
	}
	if len(parts) == 1 {
		return s + " > " + parts[0]
	}
	return s + " > (" + strings.Join(parts, ", ") + ")"
}

func (p *Plan) addTable(list *[]string, table string) {
	if table != "" && !slices.Contains(*list, table) {
		*list = append(*list, table)
	}
}

// decodeXML reads XML text the driver gave as a Go string. Note: a plan saved by SSMS
// declares encoding="utf-16", but the text is UTF-8 by the time it is a Go string, so a
// declared encoding is read as is.
func decodeXML(text string, v any) error {
	d := xml.NewDecoder(strings.NewReader(text))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return d.Decode(v)
}

// unquote takes the brackets off an identifier: [dbo] is dbo, [a]]b] is a]b.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		return strings.ReplaceAll(s[1:len(s)-1], "]]", "]")
	}
	return s
}
