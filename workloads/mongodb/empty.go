package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/workloads"
)

// EmptyDatasetName is the dataset of the workloads that make their own documents.
const EmptyDatasetName = "empty"

// EmptyDataset drops what the workloads that make their own documents wrote (the
// acked_writes collection) and creates its index, so a read-back finds a worker's
// documents by index. The scale is ignored.
type EmptyDataset struct{}

var _ workloads.Dataset = EmptyDataset{}

func (EmptyDataset) Name() string     { return EmptyDatasetName }
func (EmptyDataset) Database() string { return Database }
func (EmptyDataset) Description() string {
	return "no documents: drops " + AckedCollection + " for the workloads that write their own (the scale is ignored)"
}

// Load drops the collection and creates its index.
func (EmptyDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	c, err := connect(ctx, t, nil)
	if err != nil {
		return fmt.Errorf("empty dataset: %w", err)
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	coll := c.Database(database(t)).Collection(AckedCollection)
	if err := coll.Drop(ctx); err != nil {
		return fmt.Errorf("empty dataset: drop %s: %w", AckedCollection, err)
	}
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "run", Value: 1}, {Key: "worker", Value: 1}}}); err != nil {
		return fmt.Errorf("empty dataset: index of %s: %w", AckedCollection, err)
	}
	if progress != nil {
		progress(1, 1)
	}
	return nil
}
