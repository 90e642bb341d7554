package sqlserver

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// missingIndexesQuery reads the optimizer's index suggestions for the connected database,
// with the statistics of their groups.
//
// Note: the suggestions are estimates made while optimizing, never tested; they are for
// nonclustered rowstore indexes only, and a restart or any metadata change of the table
// (an index created on it, for one) clears them.
const missingIndexesQuery = `SELECT d.statement, d.equality_columns, d.inequality_columns, d.included_columns,
  s.unique_compiles, s.user_seeks, s.user_scans, s.avg_total_user_cost, s.avg_user_impact
FROM sys.dm_db_missing_index_details d
JOIN sys.dm_db_missing_index_groups g ON g.index_handle = d.index_handle
JOIN sys.dm_db_missing_index_group_stats s ON s.group_handle = g.index_group_handle
WHERE d.database_id = DB_ID()`

// A MissingIndex is one index the optimizer says a statement would have used.
type MissingIndex struct {
	Database, Schema, Table string
	// Equality, Inequality and Include are the columns compared with =, with <, >, <>,
	// BETWEEN, and only read; the key is the equality columns, then the inequality ones.
	Equality, Inequality, Include []string
	// Impact is the improvement the optimizer estimates, in percent of the statements' cost.
	Impact float64
	// Seeks and Scans count the compiled statements' executions that would have used it;
	// AvgCost is their estimated cost. Plans have none of these.
	Seeks, Scans int64
	AvgCost      float64
	// FromPlan is set when the suggestion comes from a plan (Query Store's or the cache's),
	// not from the missing-index views.
	FromPlan bool
}

// Score is the usual impact measure: avg_total_user_cost × avg_user_impact × (user_seeks +
// user_scans). A suggestion from a plan alone has no counts and scores its impact.
func (m MissingIndex) Score() float64 {
	if m.FromPlan && m.Seeks+m.Scans == 0 {
		return m.Impact
	}
	return m.AvgCost * m.Impact * float64(m.Seeks+m.Scans)
}

// Key is the index's key: the equality columns, then the inequality ones (the views give no
// order within each; the order they list them in is kept).
func (m MissingIndex) Key() []string { return append(slices.Clone(m.Equality), m.Inequality...) }

// Subject names the suggestion: "dbo.orders (customer_id, placed_at)".
func (m MissingIndex) Subject() string {
	return m.Schema + "." + m.Table + " (" + strings.Join(m.Key(), ", ") + ")"
}

// Name is the index's name in the statement: ix_<table>_<key columns>, at most 128.
func (m MissingIndex) Name() string {
	name := "ix_" + m.Table + "_" + strings.Join(m.Key(), "_")
	var b strings.Builder
	for _, r := range name {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	name = b.String()
	if len(name) > 128 {
		name = name[:128]
	}
	return name
}

// CreateStatement is the statement that creates the index in the scenario's database.
func (m MissingIndex) CreateStatement() string {
	quote := func(cols []string) string {
		q := make([]string, len(cols))
		for i, c := range cols {
			q[i] = engine.QuoteName(c)
		}
		return strings.Join(q, ", ")
	}
	st := fmt.Sprintf("CREATE NONCLUSTERED INDEX %s ON %s.%s (%s)", engine.QuoteName(m.Name()),
		engine.QuoteName(m.Schema), engine.QuoteName(m.Table), quote(m.Key()))
	if len(m.Include) > 0 {
		st += " INCLUDE (" + quote(m.Include) + ")"
	}
	return st
}

// ParseMissingIndexes reads the rows of missingIndexesQuery.
func ParseMissingIndexes(rows []engine.Row) ([]MissingIndex, error) {
	if err := engine.RequireColumns(rows, "statement", "equality_columns", "inequality_columns", "included_columns",
		"user_seeks", "user_scans", "avg_total_user_cost", "avg_user_impact"); err != nil {
		return nil, err
	}
	var out []MissingIndex
	for _, r := range rows {
		parts, err := SplitIdentifiers(r.String("statement"), '.')
		if err != nil || len(parts) != 3 {
			return nil, fmt.Errorf("missing index statement %q is not [database].[schema].[table]", r.String("statement"))
		}
		m := MissingIndex{Database: parts[0], Schema: parts[1], Table: parts[2]}
		for col, dst := range map[string]*[]string{"equality_columns": &m.Equality, "inequality_columns": &m.Inequality, "included_columns": &m.Include} {
			if *dst, err = SplitIdentifiers(r.String(col), ','); err != nil {
				return nil, fmt.Errorf("missing index on %s: %s: %w", r.String("statement"), col, err)
			}
		}
		var ok1, ok2, ok3, ok4 bool
		m.Seeks, ok1 = r.Int("user_seeks")
		m.Scans, ok2 = r.Int("user_scans")
		m.AvgCost, ok3 = r.Float("avg_total_user_cost")
		m.Impact, ok4 = r.Float("avg_user_impact")
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, fmt.Errorf("missing index on %s: a statistic is not a number", r.String("statement"))
		}
		out = append(out, m)
	}
	return out, nil
}

// missingFromPlan turns a plan's MissingIndex element into a suggestion.
func missingFromPlan(mi missingIndexXML, impact float64) MissingIndex {
	m := MissingIndex{Database: unquote(mi.Database), Schema: unquote(mi.Schema), Table: unquote(mi.Table), Impact: impact, FromPlan: true}
	for _, g := range mi.Groups {
		var cols []string
		for _, c := range g.Columns {
			cols = append(cols, unquote(c.Name))
		}
		switch g.Usage {
		case "EQUALITY":
			m.Equality = append(m.Equality, cols...)
		case "INEQUALITY":
			m.Inequality = append(m.Inequality, cols...)
		case "INCLUDE":
			m.Include = append(m.Include, cols...)
		}
	}
	return m
}

// RankMissingIndexes merges suggestions for the same table and key (the views' and the
// plans' say the same thing twice; the counts are the views', the included columns are all
// of them) and orders them by Score, the best first.
func RankMissingIndexes(all []MissingIndex) []MissingIndex {
	var out []MissingIndex
	index := map[string]int{}
	for _, m := range all {
		k := strings.ToLower(m.Subject())
		i, ok := index[k]
		if !ok {
			index[k] = len(out)
			out = append(out, m)
			continue
		}
		o := &out[i]
		if o.FromPlan && !m.FromPlan {
			m.Include = union(m.Include, o.Include)
			*o = m
			continue
		}
		o.Include = union(o.Include, m.Include)
		o.Impact = max(o.Impact, m.Impact)
	}
	slices.SortStableFunc(out, func(a, b MissingIndex) int {
		return cmp.Or(cmp.Compare(b.Score(), a.Score()), cmp.Compare(a.Subject(), b.Subject()))
	})
	return out
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, s) }) {
			out = append(out, s)
		}
	}
	return out
}

// SplitIdentifiers splits a list of bracketed identifiers as the missing-index views write
// them ("[a], [b]]c]" or "[db].[dbo].[t]"); an empty text is no identifier.
func SplitIdentifiers(s string, sep byte) ([]string, error) {
	var out []string
	s = strings.TrimSpace(s)
	for len(s) > 0 {
		if s[0] != '[' {
			// An unbracketed name runs to the separator.
			i := strings.IndexByte(s, sep)
			if i < 0 {
				i = len(s)
			}
			out = append(out, strings.TrimSpace(s[:i]))
			s = strings.TrimSpace(strings.TrimPrefix(s[i:], string(sep)))
			continue
		}
		end := -1
		for j := 1; j < len(s); j++ {
			if s[j] == ']' {
				if j+1 < len(s) && s[j+1] == ']' {
					j++
					continue
				}
				end = j
				break
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("an identifier in %q is not closed", s)
		}
		out = append(out, unquote(s[:end+1]))
		s = strings.TrimSpace(s[end+1:])
		if len(s) > 0 {
			if s[0] != sep {
				return nil, fmt.Errorf("%q follows an identifier where %q should", s, sep)
			}
			s = strings.TrimSpace(s[1:])
		}
	}
	return out, nil
}
