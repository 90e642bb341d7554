package shape

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func raw(t *testing.T, ext string) bson.Raw {
	t.Helper()
	var r bson.Raw
	if err := bson.UnmarshalExtJSON([]byte(ext), false, &r); err != nil {
		t.Fatalf("%s: %v", ext, err)
	}
	return r
}

func rawArray(t *testing.T, ext string) bson.Raw {
	t.Helper()
	doc := raw(t, `{"a": `+ext+`}`)
	return bson.Raw(doc.Lookup("a").Array())
}

func TestFilterKeepsFieldsAndOperatorsAndDropsValues(t *testing.T) {
	for in, want := range map[string]string{
		`{"status": "A", "amount": {"$gt": 100}}`:                                 `{amount: {$gt: ?}, status: ?}`,
		`{"amount": {"$gt": 5}, "status": "B"}`:                                   `{amount: {$gt: ?}, status: ?}`,
		`{"tags": {"$in": ["x", "y", "z"]}}`:                                      `{tags: {$in: [?]}}`,
		`{"$or": [{"a": 1}, {"b": {"$exists": true}}, {"a": 2}]}`:                 `{$or: [{a: ?}, {b: {$exists: ?}}]}`,
		`{"address.city": "Paris", "created": {"$date": "2024-01-01T00:00:00Z"}}`: `{address.city: ?, created: ?}`,
		`{}`: `{}`,
	} {
		if got := Filter(raw(t, in)); got != want {
			t.Errorf("Filter(%s) = %s, want %s", in, got, want)
		}
	}
}

// A secret in a filter never reaches a shape, not even as a key's value.
func TestFilterMasksSecrets(t *testing.T) {
	got := Filter(raw(t, `{"user": "bob", "pwd": "hunter2"}`))
	if strings.Contains(got, "hunter2") || strings.Contains(got, "bob") {
		t.Errorf("Filter leaked a value: %s", got)
	}
}

func TestPipelineShapes(t *testing.T) {
	for in, want := range map[string]string{
		`[{"$match": {"status": "A"}}, {"$group": {"_id": "$customer", "total": {"$sum": "$amount"}}}, {"$sort": {"total": -1}}]`: "$match{status} -> $group{_id:customer} -> $sort{-total}",
		`[{"$match": {"$or": [{"b": 1}, {"a": 2}], "c": 3}}, {"$limit": 10}]`:                                                     "$match{$or(a,b),c} -> $limit",
		`[{"$unwind": "$tags"}, {"$group": {"_id": null, "n": {"$count": {}}}}]`:                                                  "$unwind{tags} -> $group{_id:null}",
		`[{"$group": {"_id": {"y": "$year", "c": "$city"}}}, {"$project": {"b": 1, "a": 1}}]`:                                     "$group{_id:{c,y}} -> $project{a,b}",
		`[{"$lookup": {"from": "customers", "localField": "c", "foreignField": "_id", "as": "who"}}, {"$count": "n"}]`:            "$lookup{from:customers} -> $count",
	} {
		if got := Pipeline(rawArray(t, in)); got != want {
			t.Errorf("Pipeline(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestQueryShapes(t *testing.T) {
	find := raw(t, `{"find": "orders", "filter": {"status": "A"}, "limit": 5, "$db": "shop", "lsid": {"id": 1}}`)
	if got := Query("find", "orders", find, nil); got != `find orders {status: ?}` {
		t.Errorf("find: %s", got)
	}
	agg := raw(t, `{"aggregate": "orders", "pipeline": [{"$match": {"status": "A"}}, {"$count": "n"}], "cursor": {}}`)
	if got := Query("aggregate", "orders", agg, nil); got != "aggregate orders $match{status} -> $count" {
		t.Errorf("aggregate: %s", got)
	}
	// The recorder sees an update's statements in a document sequence, the profiler in
	// the command: both give the same shape.
	upd := raw(t, `{"q": {"_id": 7}, "u": {"$set": {"x": 1}}}`)
	if got := Query("update", "orders", raw(t, `{"update": "orders", "ordered": true}`), upd); got != `update orders {_id: ?}` {
		t.Errorf("update from the wire: %s", got)
	}
	if got := Query("update", "orders", upd, nil); got != `update orders {_id: ?}` {
		t.Errorf("update from the profiler: %s", got)
	}
	if got := Query("insert", "orders", raw(t, `{"insert": "orders"}`), nil); got != "insert orders" {
		t.Errorf("insert: %s", got)
	}
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{`{"a": 1}`, `{"$or": [{"a": {"$in": [1, 2]}}]}`, `{"pwd": "x"}`} {
		var r bson.Raw
		_ = bson.UnmarshalExtJSON([]byte(s), false, &r)
		f.Add([]byte(r))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := Filter(bson.Raw(b))
		if len(s) > maxLen+len("…") {
			t.Errorf("shape of %d bytes, longer than the bound", len(s))
		}
		_ = Pipeline(bson.Raw(b))
	})
}
