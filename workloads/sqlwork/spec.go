// Package sqlwork runs declarative SQL workloads: a YAML file names a schema and seed data
// (the workload's dataset), parameters drawn from the key distributions, operations of one
// or more statements with weights, and invariants that must hold after the run. It runs on
// every SQL engine that registers a Dialect (how to open a database/sql connection, write a
// bind parameter and classify an error), from a feature and from `dbharness load`.
//
// docs/writing-workloads.md describes the file, with the ledger as the worked example.
package sqlwork

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dbharness/dbharness/internal/nearest"
	"github.com/dbharness/dbharness/internal/yamlerr"
	"github.com/dbharness/dbharness/workloads/generators"
)

// A Spec is a parsed workload file.
type Spec struct {
	File        string // where it was read from, for messages
	Name        string
	Description string
	Setup       Setup
	Params      []Param
	Ops         []Op
	Invariants  []Invariant
}

// Setup is what the workload's dataset runs, in order: drop, the schema, the files, the seed.
// {{scale}} and {{rows}} (scale × rows per scale) are replaced in every script.
type Setup struct {
	Drop     string   // removes an earlier copy (DROP TABLE IF EXISTS ...)
	Schema   string   // CREATE TABLE, CREATE INDEX, ...
	Files    []string // SQL files, relative to the workload file
	Seed     string   // INSERT ... SELECT generate_series(1, {{rows}})
	Rows     int64    // rows per scale (default 1000)
	HasSetup bool     // the file has a setup section
	lines    map[string]int
}

// A Param is a named value drawn for each operation run (once per run, shared by its
// statements).
type Param struct {
	Name string
	Kind string // key, int, float, string, choice
	// key: a distribution over [Min, Max]; MaxQuery, when set, is a query whose answer is
	// Max, read once per run (the largest id there is now).
	Distribution string
	Min, Max     int64
	MaxQuery     string
	// int and float: [Lo, Hi]; string: length in [Lo, Hi].
	Lo, Hi  float64
	Choices []string
	Line    int
}

// An Op is one named operation: its statements run in order, in one transaction when
// Transaction is set.
type Op struct {
	Name        string
	Weight      float64
	Transaction bool
	Isolation   string // "", read committed, repeatable read, serializable
	Statements  []Statement
	Line        int
}

// A Statement is one SQL statement with named parameters (:name), and the columns of its
// first row it returns under names later statements may use.
type Statement struct {
	SQL     string
	Returns []string
	Line    int
	// args are the parameter names in the order they appear; bound is SQL with each :name
	// replaced by the dialect's placeholder.
	args  []string
	bound string
}

// An Invariant is a query that must answer true after the run.
type Invariant struct {
	Name string
	SQL  string
	Line int
}

// A FileError is a problem in a workload file, at a line.
type FileError struct {
	File string
	Line int
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Kinds of parameter, as the file names them.
var paramKinds = []string{"key", "int", "float", "string", "choice"}

var topKeys = []string{"name", "description", "setup", "parameters", "operations", "invariants"}

// IsSpec says whether a YAML document's top-level keys are those of a SQL workload file.
func IsSpec(keys []string) bool { return slices.Contains(keys, "operations") }

// Parse reads a workload file. Every problem is reported with its line, all at once, with
// the valid choices.
func Parse(file string, data []byte) (*Spec, error) {
	s := &Spec{File: file, Setup: Setup{Rows: 1000, lines: map[string]int{}}}
	p := &parser{file: file}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, &FileError{File: file, Line: yamlerr.Line(err), Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &FileError{File: file, Line: 1, Msg: "a SQL workload file is a mapping with name, setup, parameters, operations and invariants"}
	}
	p.mapping(doc.Content[0], topKeys, func(k string, v *yaml.Node) {
		switch k {
		case "name":
			s.Name = p.str(v)
		case "description":
			s.Description = p.str(v)
		case "setup":
			s.Setup.HasSetup = true
			p.setup(v, &s.Setup)
		case "parameters":
			p.params(v, s)
		case "operations":
			p.ops(v, s)
		case "invariants":
			p.invariants(v, s)
		}
	})
	if s.Name == "" && len(p.errs) == 0 {
		p.fail(doc.Content[0], "every workload needs a name: add `name: ledger`")
	}
	if len(s.Ops) == 0 && len(p.errs) == 0 {
		p.fail(doc.Content[0], "the workload has no operations: add `operations:` with at least one")
	}
	if len(p.errs) == 0 {
		p.check(s)
	}
	return s, errors.Join(p.errs...)
}

type parser struct {
	file string
	errs []error
}

func (p *parser) fail(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &FileError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// mapping calls f for each key of a mapping node, refusing keys not in valid and repeats.
func (p *parser) mapping(n *yaml.Node, valid []string, f func(k string, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "want a mapping of %s", strings.Join(valid, ", "))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(valid, k.Value) {
			p.fail(k, "unknown key %q%s; valid keys: %s", k.Value, didYouMean(k.Value, valid), strings.Join(valid, ", "))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.fail(k, "key %q given twice (first on line %d)", k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		f(k.Value, v)
	}
}

func (p *parser) str(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		p.fail(n, "want text")
		return ""
	}
	return n.Value
}

func (p *parser) num(n *yaml.Node) float64 {
	f, err := strconv.ParseFloat(n.Value, 64)
	if n.Kind != yaml.ScalarNode || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		p.fail(n, "want a number, got %q", n.Value)
	}
	return f
}

func (p *parser) setup(n *yaml.Node, st *Setup) {
	p.mapping(n, []string{"drop", "schema", "files", "seed", "rows"}, func(k string, v *yaml.Node) {
		st.lines[k] = v.Line
		switch k {
		case "drop":
			st.Drop = p.str(v)
		case "schema":
			st.Schema = p.str(v)
		case "seed":
			st.Seed = p.str(v)
		case "rows":
			r := p.num(v)
			if r < 1 || r != math.Trunc(r) {
				p.fail(v, "rows: want a whole number of rows per scale, at least 1, got %s", v.Value)
			}
			st.Rows = int64(r)
		case "files":
			if v.Kind != yaml.SequenceNode {
				p.fail(v, "files: want a list of SQL files, like [schema.sql]")
				return
			}
			for _, f := range v.Content {
				st.Files = append(st.Files, p.str(f))
			}
		}
	})
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (p *parser) params(n *yaml.Node, s *Spec) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "parameters: want a mapping of names to generators, like `account: {key: zipfian, min: 1, max: rows}`")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !identifier.MatchString(k.Value) {
			p.fail(k, "parameter name %q: use letters, digits and _", k.Value)
			continue
		}
		if slices.ContainsFunc(s.Params, func(q Param) bool { return q.Name == k.Value }) {
			p.fail(k, "parameter %q given twice", k.Value)
			continue
		}
		s.Params = append(s.Params, p.param(k.Value, v))
	}
}

// param reads one generator: {key: zipfian, min: 1, max: rows}, {int: [1, 100]},
// {float: [0.5, 9.5]}, {string: [8, 16]}, {choice: [a, b]}.
func (p *parser) param(name string, n *yaml.Node) Param {
	q := Param{Name: name, Line: n.Line}
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		p.fail(n, "parameter %s: want one of %s, like {int: [1, 100]}", name, strings.Join(paramKinds, ", "))
		return q
	}
	kind := n.Content[0]
	if !slices.Contains(paramKinds, kind.Value) {
		p.fail(kind, "parameter %s: unknown kind %q%s; valid kinds: %s", name, kind.Value, didYouMean(kind.Value, paramKinds), strings.Join(paramKinds, ", "))
		return q
	}
	q.Kind = kind.Value
	val := n.Content[1]
	pair := func() (float64, float64) {
		if val.Kind != yaml.SequenceNode || len(val.Content) != 2 {
			p.fail(val, "parameter %s: want [low, high], like [1, 100]", name)
			return 0, 0
		}
		lo, hi := p.num(val.Content[0]), p.num(val.Content[1])
		if lo > hi {
			p.fail(val, "parameter %s: low %g is above high %g", name, lo, hi)
		}
		return lo, hi
	}
	switch q.Kind {
	case "key":
		q.Distribution = val.Value
		if !slices.Contains(generators.Distributions(), q.Distribution) {
			p.fail(val, "parameter %s: unknown distribution %q%s; valid: %s", name, val.Value, didYouMean(val.Value, generators.Distributions()), strings.Join(generators.Distributions(), ", "))
		}
		q.Min = 1
		hasMax := false
		p.mapping(&yaml.Node{Kind: yaml.MappingNode, Content: n.Content[2:], Line: n.Line}, []string{"min", "max"}, func(k string, v *yaml.Node) {
			if k == "max" {
				hasMax = true
				if v.Kind == yaml.MappingNode {
					p.mapping(v, []string{"query"}, func(_ string, qv *yaml.Node) { q.MaxQuery = strings.TrimSpace(p.str(qv)) })
					if q.MaxQuery == "" {
						p.fail(v, "parameter %s: max: want a number or {query: SELECT max(id) FROM ...}", name)
					}
					return
				}
			}
			x := p.num(v)
			if x != math.Trunc(x) {
				p.fail(v, "parameter %s: %s must be a whole number or rows", name, k)
			}
			if k == "min" {
				q.Min = int64(x)
			} else {
				q.Max = int64(x)
			}
		})
		switch {
		case !hasMax:
			p.fail(n, "parameter %s: a key needs its max: a number, or {query: SELECT max(id) FROM ...}", name)
		case q.MaxQuery == "" && q.Max < q.Min:
			p.fail(n, "parameter %s: max %d is below min %d", name, q.Max, q.Min)
		}
		return q
	case "int", "float":
		q.Lo, q.Hi = pair()
		if q.Kind == "int" && (q.Lo != math.Trunc(q.Lo) || q.Hi != math.Trunc(q.Hi)) {
			p.fail(val, "parameter %s: int bounds must be whole numbers", name)
		}
	case "string":
		q.Lo, q.Hi = pair()
		if q.Lo < 0 || q.Hi > 1<<20 || q.Lo != math.Trunc(q.Lo) || q.Hi != math.Trunc(q.Hi) {
			p.fail(val, "parameter %s: string lengths must be whole numbers between 0 and 1048576", name)
		}
	case "choice":
		if val.Kind != yaml.SequenceNode || len(val.Content) == 0 {
			p.fail(val, "parameter %s: want a list of values, like [deposit, withdrawal]", name)
			return q
		}
		for _, c := range val.Content {
			q.Choices = append(q.Choices, p.str(c))
		}
	}
	if len(n.Content) > 2 {
		p.fail(n.Content[2], "parameter %s: a %s parameter takes no %q", name, q.Kind, n.Content[2].Value)
	}
	return q
}

func (p *parser) ops(n *yaml.Node, s *Spec) {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "operations: want a list, each `- name: ... statements: [...]`")
		return
	}
	for _, on := range n.Content {
		op := Op{Line: on.Line, Weight: 1}
		txSet := false
		p.mapping(on, []string{"name", "weight", "transaction", "isolation", "statements"}, func(k string, v *yaml.Node) {
			switch k {
			case "name":
				op.Name = p.str(v)
			case "weight":
				op.Weight = p.num(v)
				if op.Weight <= 0 {
					p.fail(v, "weight must be above 0, got %s", v.Value)
				}
			case "transaction":
				txSet = true
				if err := v.Decode(&op.Transaction); err != nil {
					p.fail(v, "transaction: want true or false, got %q", v.Value)
				}
			case "isolation":
				op.Isolation = strings.ToLower(p.str(v))
				if !slices.Contains(isolations, op.Isolation) {
					p.fail(v, "isolation: unknown %q; valid: %s", v.Value, strings.Join(isolations, ", "))
				}
			case "statements":
				if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
					p.fail(v, "statements: want a list of SQL statements")
					return
				}
				for _, sn := range v.Content {
					op.Statements = append(op.Statements, p.statement(sn))
				}
			}
		})
		if op.Name == "" {
			p.fail(on, "an operation needs a name")
		} else if slices.ContainsFunc(s.Ops, func(o Op) bool { return o.Name == op.Name }) {
			p.fail(on, "operation %q given twice", op.Name)
		}
		if len(op.Statements) == 0 && op.Name != "" {
			p.fail(on, "operation %q has no statements", op.Name)
		}
		if !txSet {
			op.Transaction = len(op.Statements) > 1
		}
		if op.Isolation != "" && !op.Transaction {
			p.fail(on, "operation %q: an isolation level needs `transaction: true`", op.Name)
		}
		s.Ops = append(s.Ops, op)
	}
}

var isolations = []string{"read committed", "repeatable read", "serializable"}

func (p *parser) statement(n *yaml.Node) Statement {
	st := Statement{Line: n.Line}
	if n.Kind == yaml.ScalarNode {
		st.SQL = strings.TrimSpace(n.Value)
		return st
	}
	p.mapping(n, []string{"sql", "returns"}, func(k string, v *yaml.Node) {
		switch k {
		case "sql":
			st.SQL = strings.TrimSpace(p.str(v))
			st.Line = v.Line
		case "returns":
			if v.Kind != yaml.SequenceNode {
				p.fail(v, "returns: want a list of names, one per column of the first row, like [entry_id]")
				return
			}
			for _, r := range v.Content {
				if !identifier.MatchString(r.Value) {
					p.fail(r, "returns: %q is not a name (letters, digits and _)", r.Value)
				}
				st.Returns = append(st.Returns, r.Value)
			}
		}
	})
	if st.SQL == "" {
		p.fail(n, "a statement needs its SQL: `sql: UPDATE ...`")
	}
	return st
}

func (p *parser) invariants(n *yaml.Node, s *Spec) {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "invariants: want a list, each `- name: ... sql: SELECT ...` answering true")
		return
	}
	for _, in := range n.Content {
		inv := Invariant{Line: in.Line}
		p.mapping(in, []string{"name", "sql"}, func(k string, v *yaml.Node) {
			if k == "name" {
				inv.Name = p.str(v)
			} else {
				inv.SQL, inv.Line = strings.TrimSpace(p.str(v)), v.Line
			}
		})
		if inv.Name == "" || inv.SQL == "" {
			p.fail(in, "an invariant needs a name and its sql (a query answering true)")
		}
		s.Invariants = append(s.Invariants, inv)
	}
}

// check resolves every :name of every statement to a parameter or an earlier statement's
// returns, and the {{...}} of the setup.
func (p *parser) check(s *Spec) {
	params := map[string]bool{}
	for _, q := range s.Params {
		params[q.Name] = true
	}
	for oi := range s.Ops {
		op := &s.Ops[oi]
		returned := map[string]bool{}
		for si := range op.Statements {
			st := &op.Statements[si]
			names, err := namedArgs(st.SQL)
			if err != nil {
				p.errs = append(p.errs, &FileError{File: p.file, Line: st.Line, Msg: fmt.Sprintf("operation %s: %v", op.Name, err)})
				continue
			}
			for _, name := range names {
				if !params[name] && !returned[name] {
					known := append(sortedKeys(params), sortedKeys(returned)...)
					p.errs = append(p.errs, &FileError{File: p.file, Line: st.Line, Msg: fmt.Sprintf(
						"operation %s: :%s is neither a parameter nor returned by an earlier statement%s; known: %s",
						op.Name, name, didYouMean(name, known), strings.Join(known, ", "))})
				}
			}
			st.args = names
			for _, r := range st.Returns {
				if params[r] {
					p.errs = append(p.errs, &FileError{File: p.file, Line: st.Line, Msg: fmt.Sprintf("operation %s: returns %q, which is also a parameter's name", op.Name, r)})
				}
				returned[r] = true
			}
		}
	}
	for _, key := range []string{"drop", "schema", "seed"} {
		text := map[string]string{"drop": s.Setup.Drop, "schema": s.Setup.Schema, "seed": s.Setup.Seed}[key]
		if _, err := expand(text, 1, 1); err != nil {
			p.errs = append(p.errs, &FileError{File: p.file, Line: s.Setup.lines[key], Msg: "setup " + key + ": " + err.Error()})
		}
	}
	for _, inv := range s.Invariants {
		if names, _ := namedArgs(inv.SQL); len(names) > 0 {
			p.errs = append(p.errs, &FileError{File: p.file, Line: inv.Line, Msg: fmt.Sprintf("invariant %q uses :%s: invariants take no parameters", inv.Name, names[0])})
		}
	}
}

var template = regexp.MustCompile(`\{\{\s*([a-z]+)\s*\}\}`)

// expand replaces {{scale}} and {{rows}} in a setup script.
func expand(text string, scale int, rows int64) (string, error) {
	var err error
	out := template.ReplaceAllStringFunc(text, func(m string) string {
		switch template.FindStringSubmatch(m)[1] {
		case "scale":
			return strconv.Itoa(scale)
		case "rows":
			return strconv.FormatInt(int64(scale)*rows, 10)
		}
		err = fmt.Errorf("unknown %s: the setup knows {{scale}} and {{rows}}", m)
		return m
	})
	if err == nil && strings.Contains(out, "{{") {
		err = fmt.Errorf("a {{ that is not {{scale}} or {{rows}}")
	}
	return out, err
}

// namedArgs returns the :name parameters of a statement in order, skipping quoted text,
// comments and :: casts.
func namedArgs(sql string) ([]string, error) {
	var names []string
	err := scanNamed(sql, func(name string) string { names = append(names, name); return "" })
	return names, err
}

// scanNamed walks sql and calls f for each :name outside quotes and comments; with rewrite it
// returns sql with each :name replaced by what f returns.
func scanNamed(sql string, f func(name string) string) error {
	_, err := rewrite(sql, f)
	return err
}

func rewrite(sql string, f func(name string) string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for ; j < len(sql); j++ {
				if sql[j] == '\\' && c != '`' {
					j++ // an escaped character stays inside
					continue
				}
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j++ // a doubled quote stays inside
						continue
					}
					break
				}
			}
			if j >= len(sql) {
				return "", fmt.Errorf("a %c quote is never closed", c)
			}
			b.WriteString(sql[i : j+1])
			i = j + 1
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = len(sql) - i
			}
			b.WriteString(sql[i : i+j])
			i += j
		case c == ':' && strings.HasPrefix(sql[i:], "::"):
			b.WriteString("::")
			i += 2
		case c == ':' && i+1 < len(sql) && (sql[i+1] == '_' || sql[i+1] >= 'a' && sql[i+1] <= 'z' || sql[i+1] >= 'A' && sql[i+1] <= 'Z'):
			j := i + 1
			for j < len(sql) && (sql[j] == '_' || sql[j] >= '0' && sql[j] <= '9' || sql[j] >= 'a' && sql[j] <= 'z' || sql[j] >= 'A' && sql[j] <= 'Z') {
				j++
			}
			b.WriteString(f(sql[i+1 : j]))
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func didYouMean(k string, known []string) string {
	best := nearest.Names(k, known, 1)
	if len(best) == 0 || nearest.Levenshtein(k, best[0]) > 3 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best[0])
}
