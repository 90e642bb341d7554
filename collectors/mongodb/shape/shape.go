// Package shape fingerprints MongoDB queries and aggregation pipelines: what they look like
// with their data taken out, so operations that differ only in their values count as one.
//
// A filter keeps its field names and operators and loses every value ({amount: {$gt: ?},
// status: ?}, keys unquoted as mongosh writes them, so a scenario can quote a shape); a
// pipeline becomes its stages with the fields each one works on
// ($match{status} -> $group{_id:customer} -> $sort{-n}). Keys are sorted, so {a, b} and
// {b, a} are one shape. Every shape goes through collectors/querytext before it is returned,
// so a secret that reached a key is masked too.
package shape

import (
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors/querytext"
)

// maxLen bounds a shape, in bytes.
const maxLen = 400

// Filter is the shape of a query filter.
func Filter(doc bson.Raw) string {
	var b strings.Builder
	writeDoc(&b, doc, 0)
	return finish(b.String())
}

func finish(s string) string {
	s = querytext.Document(s)
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return s
}

// writeDoc renders a document with its values as "?": keys sorted, operators kept, an
// array of documents ($and, $or, $in of documents) as its documents' shapes, any other
// array as one "?".
func writeDoc(b *strings.Builder, doc bson.Raw, depth int) {
	elems, err := doc.Elements()
	if err != nil || depth > 8 {
		b.WriteString("?")
		return
	}
	slices.SortFunc(elems, func(x, y bson.RawElement) int { return strings.Compare(x.Key(), y.Key()) })
	b.WriteString("{")
	for i, e := range elems {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.Key() + ": ")
		writeValue(b, e.Value(), depth)
	}
	b.WriteString("}")
}

func writeValue(b *strings.Builder, v bson.RawValue, depth int) {
	switch v.Type {
	case bson.TypeEmbeddedDocument:
		writeDoc(b, v.Document(), depth+1)
	case bson.TypeArray:
		vals, err := v.Array().Values()
		if err != nil || len(vals) == 0 || vals[0].Type != bson.TypeEmbeddedDocument {
			b.WriteString("[?]")
			return
		}
		var shapes []string
		for _, x := range vals {
			var sb strings.Builder
			writeValue(&sb, x, depth+1)
			if !slices.Contains(shapes, sb.String()) {
				shapes = append(shapes, sb.String())
			}
		}
		b.WriteString("[" + strings.Join(shapes, ", ") + "]")
	default:
		b.WriteString("?")
	}
}

// Pipeline is the shape of an aggregation pipeline: its stages, each with the fields it
// works on, joined by " -> ".
func Pipeline(stages bson.Raw) string {
	vals, err := bson.Raw(stages).Values()
	if err != nil {
		return "?"
	}
	parts := make([]string, 0, len(vals))
	for _, v := range vals {
		doc, ok := v.DocumentOK()
		if !ok {
			parts = append(parts, "?")
			continue
		}
		e, err := doc.IndexErr(0)
		if err != nil {
			parts = append(parts, "?")
			continue
		}
		parts = append(parts, stage(e.Key(), e.Value()))
	}
	return finish(strings.Join(parts, " -> "))
}

// stage renders one stage: $match{status}, $group{_id:customer}, $sort{-n}, $unwind{tags},
// $lookup{from:customers}, $project{a,b}; stages whose argument is a value ($limit, $skip,
// $count, $sample, ...) are their names.
func stage(name string, arg bson.RawValue) string {
	doc, isDoc := arg.DocumentOK()
	switch name {
	case "$match":
		if isDoc {
			return name + "{" + strings.Join(matchFields(doc), ",") + "}"
		}
	case "$group":
		if isDoc {
			if id, err := doc.LookupErr("_id"); err == nil {
				return name + "{_id:" + expression(id) + "}"
			}
		}
	case "$sort":
		if isDoc {
			return name + "{" + strings.Join(sortKeys(doc), ",") + "}"
		}
	case "$project", "$addFields", "$set":
		if isDoc {
			return name + "{" + strings.Join(keys(doc), ",") + "}"
		}
	case "$unset":
		if s, ok := arg.StringValueOK(); ok {
			return name + "{" + s + "}"
		}
	case "$unwind":
		if s, ok := arg.StringValueOK(); ok {
			return name + "{" + strings.TrimPrefix(s, "$") + "}"
		}
		if isDoc {
			if p, err := doc.LookupErr("path"); err == nil {
				return name + "{" + strings.TrimPrefix(p.StringValue(), "$") + "}"
			}
		}
	case "$lookup", "$graphLookup", "$unionWith", "$out", "$merge":
		if isDoc {
			for _, k := range []string{"from", "coll", "into"} {
				if f, err := doc.LookupErr(k); err == nil {
					if s, ok := f.StringValueOK(); ok {
						return name + "{" + k + ":" + s + "}"
					}
				}
			}
		}
		if s, ok := arg.StringValueOK(); ok {
			return name + "{" + s + "}"
		}
	}
	return name
}

// matchFields are the fields a $match filters on, sorted; logical operators show theirs:
// $or(a,b).
func matchFields(doc bson.Raw) []string {
	elems, _ := doc.Elements()
	var out []string
	for _, e := range elems {
		k := e.Key()
		if k == "$and" || k == "$or" || k == "$nor" {
			var inner []string
			vals, _ := e.Value().Array().Values()
			for _, v := range vals {
				if d, ok := v.DocumentOK(); ok {
					for _, f := range matchFields(d) {
						if !slices.Contains(inner, f) {
							inner = append(inner, f)
						}
					}
				}
			}
			slices.Sort(inner)
			out = append(out, k+"("+strings.Join(inner, ",")+")")
			continue
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func keys(doc bson.Raw) []string {
	elems, _ := doc.Elements()
	var out []string
	for _, e := range elems {
		out = append(out, e.Key())
	}
	slices.Sort(out)
	return out
}

// sortKeys keeps the sort order: a descending key is written -key.
func sortKeys(doc bson.Raw) []string {
	elems, _ := doc.Elements()
	var out []string
	for _, e := range elems {
		if n, ok := e.Value().AsInt64OK(); ok && n < 0 {
			out = append(out, "-"+e.Key())
			continue
		}
		out = append(out, e.Key())
	}
	return out
}

// expression renders a $group _id: a field path without its $, a document as its keys,
// null as null, anything else as ?.
func expression(v bson.RawValue) string {
	switch v.Type {
	case bson.TypeString:
		if s := v.StringValue(); strings.HasPrefix(s, "$") {
			return strings.TrimPrefix(s, "$")
		}
	case bson.TypeNull:
		return "null"
	case bson.TypeEmbeddedDocument:
		return "{" + strings.Join(keys(v.Document()), ",") + "}"
	}
	return "?"
}

// Query is the shape of one operation as the profiler or the wire recorder shows it: the
// command, its collection and its filter (or pipeline), e.g. `find orders {status: ?}`,
// `aggregate orders $match{status} -> $group{_id:customer}`, `update orders {_id: ?}`.
// first is the first document the command carried (an update or delete statement) when
// the filter is not in the command itself; nil otherwise.
func Query(command, coll string, cmd, first bson.Raw) string {
	head := strings.TrimSpace(command + " " + coll)
	lookup := func(doc bson.Raw, key string) (bson.Raw, bool) {
		if doc == nil {
			return nil, false
		}
		v, err := doc.LookupErr(key)
		if err != nil {
			return nil, false
		}
		d, ok := v.DocumentOK()
		return d, ok
	}
	switch command {
	case "aggregate":
		if v, err := cmd.LookupErr("pipeline"); err == nil {
			if arr, ok := v.ArrayOK(); ok {
				return head + " " + Pipeline(bson.Raw(arr))
			}
		}
	case "find", "count", "distinct":
		for _, k := range []string{"filter", "query"} {
			if f, ok := lookup(cmd, k); ok {
				return head + " " + Filter(f)
			}
		}
		return head + " {}"
	case "findAndModify", "findandmodify":
		if f, ok := lookup(cmd, "query"); ok {
			return head + " " + Filter(f)
		}
	case "update", "delete":
		for _, doc := range []bson.Raw{first, cmd} {
			if f, ok := lookup(doc, "q"); ok {
				return head + " " + Filter(f)
			}
		}
	}
	return head
}
