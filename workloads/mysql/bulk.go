package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/dbharness/dbharness/workloads"
)

// The batch sizes of the bulk workloads: rows per operation.
const (
	bulkInsertRows = 100
	loadDataRows   = 1000
)

const bulkSchema = `CREATE TABLE bulk_rows (
  run CHAR(8) NOT NULL,
  worker INT NOT NULL,
  batch BIGINT NOT NULL,
  n INT NOT NULL,
  k INT NOT NULL,
  payload VARCHAR(100) NOT NULL,
  PRIMARY KEY (run, worker, batch, n),
  KEY bulk_rows_by_k (k)
) ENGINE = InnoDB`

// BulkDataset is the empty table the bulk workloads fill.
type BulkDataset struct{}

func (BulkDataset) Name() string     { return "bulk" }
func (BulkDataset) Database() string { return Database }
func (BulkDataset) Description() string {
	return "the empty table bulk_rows (a primary key and a secondary index) the bulk workloads fill; scale does not matter"
}

// Load drops and recreates the table.
func (BulkDataset) Load(ctx context.Context, t workloads.Target, _ int, _ func(done, total int64)) error {
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return fmt.Errorf("bulk dataset: %w", err)
	}
	defer db.Close()
	for _, q := range []string{"DROP TABLE IF EXISTS bulk_rows", bulkSchema} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk dataset: %w", err)
		}
	}
	return nil
}

// Bulk inserts batches of rows, one operation "batch": a multi-row INSERT of 100 rows
// (bulk-insert), or LOAD DATA LOCAL INFILE of 1000 rows streamed from the client
// (load-data). Every batch the server acknowledged is recorded, and Verify counts each one's
// rows on the primary: a batch with fewer rows than sent is lost.
type Bulk struct {
	LoadData bool
	errorClasses
}

var (
	_ workloads.Workload        = Bulk{}
	_ workloads.Preparer        = Bulk{}
	_ workloads.ErrorClassifier = Bulk{}
)

func (b Bulk) Name() string {
	if b.LoadData {
		return "load-data"
	}
	return "bulk-insert"
}
func (Bulk) Database() string { return Database }
func (Bulk) Dataset() string  { return BulkDataset{}.Name() }
func (b Bulk) Description() string {
	if b.LoadData {
		return fmt.Sprintf("LOAD DATA LOCAL INFILE of %d rows per operation, streamed from the client (local_infile must be on: the engine sets it)", loadDataRows)
	}
	return fmt.Sprintf("multi-row INSERT of %d rows per operation", bulkInsertRows)
}
func (Bulk) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "batch", Weight: 1}}
}

func (b Bulk) rows() int {
	if b.LoadData {
		return loadDataRows
	}
	return bulkInsertRows
}

// Prepare checks the table is there and picks the run's id.
func (b Bulk) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bulk_rows'").Scan(&n); err != nil || n == 0 {
		return nil, fmt.Errorf("%s: the table bulk_rows is missing (%v): load it first: Given the \"bulk\" dataset at scale 1", b.Name(), err)
	}
	return &bulkRun{Bulk: b, id: fmt.Sprintf("%08x", rand.Uint32())}, nil
}

func (b Bulk) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := b.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type bulkRun struct {
	Bulk
	id string

	mu      sync.Mutex
	ledgers []*ledger
}

var (
	_ workloads.Verifier = (*bulkRun)(nil)
	_ workloads.Counter  = (*bulkRun)(nil)
)

func (r *bulkRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	s, err := newSession(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	l := &ledger{worker: id}
	r.mu.Lock()
	r.ledgers = append(r.ledgers, l)
	r.mu.Unlock()
	w := &bulkWorker{run: r, session: s, l: l}
	if r.LoadData {
		// Note: the driver asks for the file by name when the server wants it; a name of
		// the worker's own hands it the batch being sent.
		w.reader = "dbh-" + r.id + "-" + strconv.Itoa(id)
		gomysql.RegisterReaderHandler(w.reader, func() io.Reader { return bytes.NewReader(w.data) })
	}
	return w, nil
}

type bulkWorker struct {
	run *bulkRun
	*session
	l      *ledger
	reader string // the LOAD DATA reader's name
	data   []byte // the batch LOAD DATA sends
	sql    strings.Builder
	args   []any
}

func (w *bulkWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	seq := w.l.take()
	c, err := w.get(ctx)
	if err == nil {
		if w.run.LoadData {
			err = w.loadData(ctx, c, seq, rng)
		} else {
			err = w.insert(ctx, c, seq, rng)
		}
		err = w.done(err)
	}
	if err != nil {
		w.l.fail()
		return fmt.Errorf("batch %d: %w", seq, err)
	}
	w.l.ack(seq)
	return nil
}

func (w *bulkWorker) insert(ctx context.Context, c *sql.Conn, seq int64, rng *rand.Rand) error {
	w.sql.Reset()
	w.args = w.args[:0]
	w.sql.WriteString("INSERT INTO bulk_rows (run, worker, batch, n, k, payload) VALUES ")
	for n := range bulkInsertRows {
		if n > 0 {
			w.sql.WriteByte(',')
		}
		w.sql.WriteString("(?,?,?,?,?,?)")
		w.args = append(w.args, w.run.id, w.l.worker, seq, n, rng.IntN(1_000_000), digits(rng, padTemplate))
	}
	_, err := c.ExecContext(ctx, w.sql.String(), w.args...)
	return err
}

func (w *bulkWorker) loadData(ctx context.Context, c *sql.Conn, seq int64, rng *rand.Rand) error {
	var b bytes.Buffer
	for n := range loadDataRows {
		fmt.Fprintf(&b, "%s\t%d\t%d\t%d\t%d\t%s\n", w.run.id, w.l.worker, seq, n, rng.IntN(1_000_000), digits(rng, padTemplate))
	}
	w.data = b.Bytes()
	_, err := c.ExecContext(ctx, "LOAD DATA LOCAL INFILE 'Reader::"+w.reader+"' INTO TABLE bulk_rows (run, worker, batch, n, k, payload)")
	return err
}

func (w *bulkWorker) Close(ctx context.Context) error {
	if w.reader != "" {
		gomysql.DeregisterReaderHandler(w.reader)
	}
	return w.session.Close(ctx)
}

// Counts reports the rows the acknowledged batches inserted.
func (r *bulkRun) Counts() map[string]int64 {
	var batches int64
	for _, l := range r.snapshotLedgers() {
		_, n, _ := l.snapshot()
		batches += n
	}
	return map[string]int64{"rows_inserted": batches * int64(r.rows())}
}

func (r *bulkRun) snapshotLedgers() []*ledger {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]*ledger(nil), r.ledgers...)
	sort.Slice(out, func(i, j int) bool { return out[i].worker < out[j].worker })
	return out
}

// Verify counts the rows of every acknowledged batch on the primary.
func (r *bulkRun) Verify(ctx context.Context, t workloads.Target) (workloads.Verification, error) {
	v := workloads.Verification{Method: fmt.Sprintf("the rows of every acknowledged batch counted on the primary (%d per batch)", r.rows())}
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return v, fmt.Errorf("%s: verify: %w", r.Name(), err)
	}
	defer db.Close()
	for _, l := range r.snapshotLedgers() {
		acked, n, failed := l.snapshot()
		v.Acknowledged += n
		v.Unacknowledged += failed
		have, err := readIDs(ctx, db, "SELECT batch, count(*), 0 FROM bulk_rows WHERE run = ? AND worker = ? GROUP BY batch", r.id, l.worker)
		if err != nil {
			return v, fmt.Errorf("%s: verify worker %d: %w", r.Name(), l.worker, err)
		}
		for _, sr := range acked {
			for seq := sr.from; seq < sr.to; seq++ {
				if got := have[seq].rows; got != int64(r.rows()) {
					v.Lost++
					if len(v.Examples) < 5 {
						v.Examples = append(v.Examples, fmt.Sprintf("batch %d of worker %d: %d of %d rows", seq, l.worker, got, r.rows()))
					}
				}
			}
		}
	}
	return v, nil
}
