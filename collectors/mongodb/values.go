package mongodb

import (
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// number reads a BSON number as a float64 (int32, int64, double, decimal, a bool as 0/1).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	case bool:
		if n {
			return 1, true
		}
		return 0, true
	case bson.Decimal128:
		f, err := strconv.ParseFloat(n.String(), 64)
		return f, err == nil
	}
	return 0, false
}

// sub returns the document at path, or nil.
func sub(doc bson.M, path ...string) bson.M {
	for _, p := range path {
		next, ok := doc[p].(bson.M)
		if !ok {
			if d, isD := doc[p].(bson.D); isD {
				next = toM(d)
			} else {
				return nil
			}
		}
		doc = next
	}
	return doc
}

func toM(d bson.D) bson.M {
	m := bson.M{}
	for _, e := range d {
		m[e.Key] = e.Value
	}
	return m
}

// num reads the number at path.
func num(doc bson.M, path ...string) (float64, bool) {
	if len(path) == 0 {
		return 0, false
	}
	parent := sub(doc, path[:len(path)-1]...)
	if parent == nil {
		return 0, false
	}
	return number(parent[path[len(path)-1]])
}

// str reads the string at path.
func str(doc bson.M, path ...string) string {
	if len(path) == 0 {
		return ""
	}
	parent := sub(doc, path[:len(path)-1]...)
	if parent == nil {
		return ""
	}
	s, _ := parent[path[len(path)-1]].(string)
	return s
}

// when reads a BSON date or timestamp as a time.
func when(v any) (time.Time, bool) {
	switch t := v.(type) {
	case bson.DateTime:
		return t.Time(), true
	case time.Time:
		return t, true
	case bson.Timestamp:
		return time.Unix(int64(t.T), 0), true
	}
	return time.Time{}, false
}
