package sqlserver

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math/rand/v2"

	"github.com/dbharness/dbharness/workloads"
)

//go:embed sql/sessions.sql
var sessionsScript string

// sessionsPerScale is the sessions dataset's size per unit of scale.
const sessionsPerScale = 10000

// SessionsDataset is the same sessions twice: in a memory-optimized table (a hash primary
// key with twice as many buckets as rows) with a natively compiled procedure that touches a
// session, and in a disk-based table with an interpreted procedure that does the same. It
// adds the database's MEMORY_OPTIMIZED_DATA filegroup if it has none. Scale N = N×10000
// sessions in each.
type SessionsDataset struct{}

var _ workloads.Dataset = SessionsDataset{}

func (SessionsDataset) Name() string     { return "sessions" }
func (SessionsDataset) Database() string { return Database }
func (SessionsDataset) Description() string {
	return "sessions in a memory-optimized table with a natively compiled procedure and in a disk-based twin: scale N = N×10000 sessions each"
}

// Load makes the filegroup if needed, and drops and makes both tables and procedures.
func (SessionsDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("sessions dataset: scale must be at least 1, got %d", scale)
	}
	n := int64(scale) * sessionsPerScale
	if err := loadScript(ctx, t, "sessions", sessionsScript, sessionsValues(scale)); err != nil {
		return err
	}
	if progress != nil {
		progress(2*n, 2*n)
	}
	return nil
}

// sessionsValues are the numbers the sessions script takes at a scale: twice as many hash
// buckets as rows (the server rounds up to a power of two).
func sessionsValues(scale int) map[string]int64 {
	n := int64(scale) * sessionsPerScale
	return map[string]int64{"rows": n, "buckets": 2 * n}
}

// Sessions touches sessions through a procedure ("touch": count a hit, note the time) and
// reads them ("read"): the memory-optimized table and its natively compiled procedure
// (sessions-inmemory), or the disk-based twin and its interpreted procedure
// (sessions-disk). The operations have the same names, so one feature compares them.
type Sessions struct {
	errorClasses
	InMemory bool
}

var _ workloads.Workload = Sessions{}

func (s Sessions) Name() string {
	if s.InMemory {
		return "sessions-inmemory"
	}
	return "sessions-disk"
}
func (Sessions) Database() string { return Database }
func (Sessions) Dataset() string  { return "sessions" }
func (s Sessions) Description() string {
	if s.InMemory {
		return "touch (a natively compiled procedure) and read sessions in a memory-optimized table"
	}
	return "touch (an interpreted procedure) and read sessions in the disk-based twin"
}
func (Sessions) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "touch", Weight: 7}, {Name: "read", Weight: 3}}
}

// statements of each table: the procedure and the read.
func (s Sessions) statements() (proc, read string) {
	if s.InMemory {
		return "dbo.touch_session_native", "SELECT user_id, hits, last_seen FROM dbo.sessions_mem WHERE id = @p1"
	}
	return "dbo.touch_session_disk", "SELECT user_id, hits, last_seen FROM dbo.sessions_disk WHERE id = @p1"
}

// NewWorker opens the worker's connection and reads how many sessions there are.
func (s Sessions) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	db, err := open(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	table := "dbo.sessions_disk"
	if s.InMemory {
		table = "dbo.sessions_mem"
	}
	n, err := count(ctx, db, table, "sessions")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	proc, read := s.statements()
	return &sessionsWorker{db: db, sessions: n, proc: proc, read: read}, nil
}

type sessionsWorker struct {
	db         *sql.DB
	sessions   int64
	proc, read string
}

func (w *sessionsWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	id := rng.Int64N(w.sessions) + 1
	if op == 0 {
		// Note: a bare procedure name runs as an RPC call, which a natively compiled
		// procedure is fastest through.
		_, err := w.db.ExecContext(ctx, w.proc, sql.Named("id", id))
		return err
	}
	return drain(w.db.QueryContext(ctx, w.read, id))
}

func (w *sessionsWorker) Close(ctx context.Context) error { return w.db.Close() }
