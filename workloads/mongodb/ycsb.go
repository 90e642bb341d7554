package mongodb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// YCSB is MongoDB's binding of the YCSB core operations, in the layout of YCSB's and
// go-ycsb's mongodb bindings: one document per record, the key as _id, each field a binary
// value; scans are _id range queries in _id order. Through a mongos the table is sharded on a
// hashed _id.
type YCSB struct{ errorClasses }

var _ ycsb.DB = YCSB{}

// Supports says MongoDB has every core operation.
func (YCSB) Supports(op string) error { return nil }

// Load drops the table and inserts the records in unordered batches.
func (YCSB) Load(ctx context.Context, t workloads.Target, s ycsb.Spec, n int64, progress func(done, total int64)) error {
	c, err := connect(ctx, t, nil)
	if err != nil {
		return fmt.Errorf("ycsb dataset: %w", err)
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	srv, err := inspect(ctx, c)
	if err != nil {
		return fmt.Errorf("ycsb dataset on %s: %w", t, err)
	}
	coll := c.Database(database(t)).Collection(s.Table)
	if err := coll.Drop(ctx); err != nil {
		return fmt.Errorf("ycsb dataset: drop %s: %w", s.Table, err)
	}
	if srv.router {
		if err := shardCollection(ctx, c, database(t), s.Table, "_id"); err != nil {
			return fmt.Errorf("ycsb dataset: %w", err)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(n), 42)) // the data is the same for the same size
	names := s.FieldNames()
	done := int64(0)
	return insertAll(ctx, coll, int(n), func(i int) bson.D {
		return record(s.Key(int64(i)), ycsb.Values(names, func() int { return s.FieldLength }, rng))
	}, func(k int) {
		done += int64(k)
		if progress != nil {
			progress(done, n)
		}
	})
}

func record(key string, values []ycsb.Field) bson.D {
	doc := make(bson.D, 0, len(values)+1)
	doc = append(doc, bson.E{Key: "_id", Value: key})
	for _, v := range values {
		doc = append(doc, bson.E{Key: v.Name, Value: v.Value})
	}
	return doc
}

// Count returns the number of records.
func (YCSB) Count(ctx context.Context, t workloads.Target, s ycsb.Spec) (int64, error) {
	c, err := connect(ctx, t, nil)
	if err != nil {
		return 0, err
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	n, err := c.Database(database(t)).Collection(s.Table).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", s.Table, err)
	}
	return n, nil
}

// Open opens one worker's client; the worker's operations run one at a time, so its pool
// uses one connection.
func (YCSB) Open(ctx context.Context, t workloads.Target, s ycsb.Spec) (ycsb.Session, error) {
	c, err := connect(ctx, t, nil)
	if err != nil {
		return nil, err
	}
	return &ycsbSession{c: c, coll: c.Database(database(t)).Collection(s.Table)}, nil
}

type ycsbSession struct {
	c    *mongo.Client
	coll *mongo.Collection
}

func projection(fields []string) bson.D {
	if fields == nil {
		return nil
	}
	p := bson.D{{Key: "_id", Value: 0}}
	for _, f := range fields {
		p = append(p, bson.E{Key: f, Value: 1})
	}
	return p
}

func (s *ycsbSession) Read(ctx context.Context, key string, fields []string) error {
	opts := options.FindOne()
	if p := projection(fields); p != nil {
		opts.SetProjection(p)
	}
	var doc bson.Raw
	if err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: key}}, opts).Decode(&doc); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("read %s: %w", key, errMissing)
		}
		return err
	}
	return nil
}

func (s *ycsbSession) Update(ctx context.Context, key string, values []ycsb.Field) error {
	set := make(bson.D, len(values))
	for i, v := range values {
		set[i] = bson.E{Key: v.Name, Value: v.Value}
	}
	res, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return err
	}
	if res.MatchedCount != 1 {
		return fmt.Errorf("update %s: %w", key, errMissing)
	}
	return nil
}

func (s *ycsbSession) Insert(ctx context.Context, key string, values []ycsb.Field) error {
	_, err := s.coll.InsertOne(ctx, record(key, values))
	return err
}

func (s *ycsbSession) Scan(ctx context.Context, startKey string, n int, fields []string) error {
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(n))
	if p := projection(fields); p != nil {
		opts.SetProjection(p)
	}
	cur, err := s.coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: startKey}}}}, opts)
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
	}
	return cur.Err()
}

func (s *ycsbSession) Close(ctx context.Context) error { return s.c.Disconnect(ctx) }
