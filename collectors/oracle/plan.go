package oracle

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// A Plan is one execution plan of a statement as V$SQL_PLAN_STATISTICS_ALL has it: its
// rows in ID order, each with the optimizer's estimates and, where Oracle collected row
// source statistics (STATISTICS_LEVEL = ALL or the GATHER_PLAN_STATISTICS hint), what the
// last execution did.
type Plan struct {
	SQLID    string
	Hash     string // PLAN_HASH_VALUE
	Instance string
	Child    int64
	Nodes    []PlanNode
}

// A PlanNode is one row of a plan.
type PlanNode struct {
	ID, Parent, Depth    int64
	Operation, Options   string // "TABLE ACCESS", "FULL"
	Owner, Object, Type  string // OBJECT_OWNER, OBJECT_NAME, OBJECT_TYPE ("TABLE", "INDEX (UNIQUE)")
	Cost, Cardinality    float64
	PStart, PStop        string // PARTITION_START, PARTITION_STOP: numbers, KEY, ...
	Access, Filter       string
	HasStats             bool // LAST_STARTS and LAST_OUTPUT_ROWS are there
	LastStarts, LastRows float64
}

// Step is the node as DBMS_XPLAN writes its operation: "TABLE ACCESS FULL".
func (n PlanNode) Step() string { return strings.TrimSpace(n.Operation + " " + n.Options) }

// planQuery reads one plan; its rows come for every child cursor and instance that has it.
const planQuery = `SELECT inst_id, sql_id, plan_hash_value, child_number, id, parent_id, depth, operation, options,
  object_owner, object_name, object_type, cost, cardinality, partition_start, partition_stop,
  access_predicates, filter_predicates, last_starts, last_output_rows
FROM gv$sql_plan_statistics_all WHERE sql_id = :1 AND plan_hash_value = :2 ORDER BY inst_id, child_number, id`

// ParsePlan reads the rows of planQuery into the plan of the first instance and child
// cursor that has it (children with the same plan hash have the same plan); the error says
// when the rows hold no plan.
func ParsePlan(rows []answer.Row) (*Plan, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("no plan rows: the cursor has aged out of the shared pool")
	}
	first := rows[0]
	p := &Plan{SQLID: first.Trimmed("SQL_ID"), Hash: first.Trimmed("PLAN_HASH_VALUE"), Instance: first.Trimmed("INST_ID")}
	var err error
	if p.Child, err = first.Int("CHILD_NUMBER"); err != nil {
		return nil, err
	}
	for i, r := range rows {
		if r.Trimmed("INST_ID") != p.Instance || r.Trimmed("CHILD_NUMBER") != first.Trimmed("CHILD_NUMBER") {
			continue
		}
		n := PlanNode{Operation: r.Trimmed("OPERATION"), Options: r.Trimmed("OPTIONS"), Owner: r.Trimmed("OBJECT_OWNER"),
			Object: r.Trimmed("OBJECT_NAME"), Type: r.Trimmed("OBJECT_TYPE"), PStart: r.Trimmed("PARTITION_START"),
			PStop: r.Trimmed("PARTITION_STOP"), Access: r.Text("ACCESS_PREDICATES"), Filter: r.Text("FILTER_PREDICATES"), Parent: -1}
		if n.ID, err = r.Int("ID"); err != nil {
			return nil, fmt.Errorf("plan row %d: %w", i+1, err)
		}
		if r.Has("PARENT_ID") {
			if n.Parent, err = r.Int("PARENT_ID"); err != nil {
				return nil, fmt.Errorf("plan row %d: %w", i+1, err)
			}
		}
		if n.Depth, err = r.Int("DEPTH"); err != nil {
			return nil, fmt.Errorf("plan row %d: %w", i+1, err)
		}
		if n.Cost, err = r.FloatOr("COST", 0); err != nil {
			return nil, fmt.Errorf("plan row %d: %w", i+1, err)
		}
		if n.Cardinality, err = r.FloatOr("CARDINALITY", 0); err != nil {
			return nil, fmt.Errorf("plan row %d: %w", i+1, err)
		}
		if r.Has("LAST_STARTS") && r.Has("LAST_OUTPUT_ROWS") {
			n.HasStats = true
			if n.LastStarts, err = r.Float("LAST_STARTS"); err != nil {
				return nil, fmt.Errorf("plan row %d: %w", i+1, err)
			}
			if n.LastRows, err = r.Float("LAST_OUTPUT_ROWS"); err != nil {
				return nil, fmt.Errorf("plan row %d: %w", i+1, err)
			}
		}
		p.Nodes = append(p.Nodes, n)
	}
	sort.Slice(p.Nodes, func(i, j int) bool { return p.Nodes[i].ID < p.Nodes[j].ID })
	if len(p.Nodes) == 0 || p.Nodes[0].ID != 0 {
		return nil, fmt.Errorf("plan %s of %s has no row 0", p.Hash, p.SQLID)
	}
	return p, nil
}

// children are the nodes whose parent is id, in ID order (the plan's POSITION order).
func (p *Plan) children(id int64) []PlanNode {
	var out []PlanNode
	for _, n := range p.Nodes {
		if n.Parent == id && n.ID != id {
			out = append(out, n)
		}
	}
	return out
}

// Shape is the plan as one line without costs: "SELECT STATEMENT > SORT AGGREGATE >
// PARTITION RANGE ALL > TABLE ACCESS FULL ORDERS", a node with several children as
// "(a, b)".
func (p *Plan) Shape() string {
	var walk func(n PlanNode) string
	walk = func(n PlanNode) string {
		s := n.Step()
		if n.Object != "" {
			s += " " + n.Object
		}
		kids := p.children(n.ID)
		if len(kids) == 0 {
			return s
		}
		parts := make([]string, len(kids))
		for i, k := range kids {
			parts[i] = walk(k)
		}
		if len(parts) == 1 {
			return s + " > " + parts[0]
		}
		return s + " > (" + strings.Join(parts, ", ") + ")"
	}
	return walk(p.Nodes[0])
}

// FullScans are the tables the plan reads whole: TABLE ACCESS FULL (or STORAGE FULL, INMEMORY
// FULL) rows, owner.table. A full scan under a PARTITION operation that prunes reads only
// the partitions the predicate names, which is what partitioning is for: it is left out.
func (p *Plan) FullScans() []string {
	var out []string
	for _, n := range p.Nodes {
		if n.Operation == "TABLE ACCESS" && strings.HasSuffix(n.Options, "FULL") && !p.pruned(n) && !contains(out, n.Owner+"."+n.Object) {
			out = append(out, n.Owner+"."+n.Object)
		}
	}
	return out
}

// Cartesian says whether the plan joins without a join condition (MERGE JOIN CARTESIAN).
func (p *Plan) Cartesian() bool {
	for _, n := range p.Nodes {
		if strings.HasSuffix(n.Options, "CARTESIAN") {
			return true
		}
	}
	return false
}

// SkipScans are the indexes read by INDEX SKIP SCAN: the query's predicate misses the
// index's leading column.
func (p *Plan) SkipScans() []string {
	var out []string
	for _, n := range p.Nodes {
		if n.Operation == "INDEX" && n.Options == "SKIP SCAN" && !contains(out, n.Owner+"."+n.Object) {
			out = append(out, n.Owner+"."+n.Object)
		}
	}
	return out
}

// A PartitionAccess is one PARTITION operation of a plan: how it picks partitions and what
// it reads.
type PartitionAccess struct {
	Step          string // "PARTITION RANGE ALL"
	Pruned        bool   // it reads the partitions the predicate names, not all of them
	Table         string // owner.table read under it ("owner.index" when only an index is read)
	Start, Stop   string
	TableFromNode bool
}

// prunedOptions are the PARTITION options that pick partitions: one (SINGLE), those a key
// range or list names (ITERATOR, INLIST, OR), those a subquery or a join filter finds, none
// at all (EMPTY).
var prunedOptions = []string{"SINGLE", "ITERATOR", "INLIST", "OR", "SUBQUERY", "JOIN-FILTER", "EMPTY"}

// Partitions lists the plan's PARTITION operations (RANGE, LIST, HASH, INTERVAL, COMBINED,
// REFERENCE, SYSTEM): PARTITION ... ALL reads every partition, the others prune.
func (p *Plan) Partitions() []PartitionAccess {
	var out []PartitionAccess
	for _, n := range p.Nodes {
		if !strings.HasPrefix(n.Operation, "PARTITION ") {
			continue
		}
		pa := PartitionAccess{Step: n.Step(), Pruned: contains(prunedOptions, n.Options), Start: n.PStart, Stop: n.PStop}
		// Note: the table is the first TABLE ACCESS under the operation; an index-only
		// access names the index.
		var index string
		var walk func(id int64) bool
		walk = func(id int64) bool {
			for _, k := range p.children(id) {
				if k.Operation == "TABLE ACCESS" {
					pa.Table, pa.TableFromNode = k.Owner+"."+k.Object, true
					return true
				}
				if k.Operation == "INDEX" && index == "" {
					index = k.Owner + "." + k.Object
				}
				if walk(k.ID) {
					return true
				}
			}
			return false
		}
		if !walk(n.ID) {
			pa.Table = index
		}
		out = append(out, pa)
	}
	return out
}

// A Misestimate is a plan row whose rows differ from the optimizer's estimate.
type Misestimate struct {
	Node              PlanNode
	Estimated, Actual float64 // rows per start
	Ratio             float64 // the larger over the smaller, at least 1
}

// Misestimate is the row whose last execution's rows per start are furthest from the
// optimizer's estimate, by at least factor and over at least minRows rows; false when no row
// is, or the plan has no row source statistics. Rows under a PARTITION operation are left
// out: their starts count partitions, against an estimate for all of them.
func (p *Plan) Misestimate(factor, minRows float64) (Misestimate, bool) {
	var worst Misestimate
	found := false
	for _, n := range p.Nodes {
		if !n.HasStats || n.LastStarts <= 0 || p.underPartition(n) {
			continue
		}
		actual, est := n.LastRows/n.LastStarts, n.Cardinality
		hi, lo := max(actual, est), max(min(actual, est), 1)
		if hi < minRows || hi/lo < factor {
			continue
		}
		if !found || hi/lo > worst.Ratio {
			worst, found = Misestimate{Node: n, Estimated: est, Actual: actual, Ratio: hi / lo}, true
		}
	}
	return worst, found
}

// HasStats says whether Oracle kept row source statistics for the plan.
func (p *Plan) HasStats() bool {
	for _, n := range p.Nodes {
		if n.HasStats {
			return true
		}
	}
	return false
}

// pruned says whether a PARTITION operation above n picks partitions.
func (p *Plan) pruned(n PlanNode) bool {
	for id := n.Parent; id >= 0; {
		parent, ok := p.node(id)
		if !ok {
			return false
		}
		if strings.HasPrefix(parent.Operation, "PARTITION ") {
			return contains(prunedOptions, parent.Options)
		}
		id = parent.Parent
	}
	return false
}

func (p *Plan) node(id int64) (PlanNode, bool) {
	for _, n := range p.Nodes {
		if n.ID == id {
			return n, true
		}
	}
	return PlanNode{}, false
}

func (p *Plan) underPartition(n PlanNode) bool {
	for _, o := range p.Nodes {
		if o.ID == n.Parent {
			return strings.HasPrefix(o.Operation, "PARTITION ")
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
