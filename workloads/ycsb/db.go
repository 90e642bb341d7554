package ycsb

import (
	"context"

	"github.com/dbharness/dbharness/workloads"
)

// A DB implements the YCSB core operations for one database, as go-ycsb's and YCSB's
// database bindings do. Values are fields named field0..field<n-1>.
type DB interface {
	// Load drops and recreates the table of s and inserts records 0..n-1 with Key and
	// Values, calling progress as it goes.
	Load(ctx context.Context, t workloads.Target, s Spec, n int64, progress func(done, total int64)) error
	// Count returns how many records the table of s holds: the run phase's key space.
	Count(ctx context.Context, t workloads.Target, s Spec) (int64, error)
	// Open opens the connection one worker uses.
	Open(ctx context.Context, t workloads.Target, s Spec) (Session, error)
	// Supports says whether the database implements an operation (OpScan, ...); the error
	// says why not. A workload that needs an unsupported operation fails before it starts.
	Supports(op string) error
}

// A Session is one worker's connection. Operations do not time themselves.
type Session interface {
	// Read reads one record, all fields when fields is nil.
	Read(ctx context.Context, key string, fields []string) error
	// Update writes the given fields of one record.
	Update(ctx context.Context, key string, values []Field) error
	// Insert adds one record.
	Insert(ctx context.Context, key string, values []Field) error
	// Scan reads up to n records in key order from startKey, all fields when fields is nil.
	Scan(ctx context.Context, startKey string, n int, fields []string) error
	Close(ctx context.Context) error
}

// A Field is one named value of a record.
type Field struct {
	Name  string
	Value []byte
}
