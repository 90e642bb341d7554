package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/dbharness/dbharness/workloads"
)

// sysbench's proportions: --table-size is 10000 rows by default.
const (
	sysbenchTableSize = 10000
	sysbenchBatch     = 1000 // rows per INSERT, as sysbench's bulk insert sends them
)

// The templates of sysbench's c and pad columns: each # a random digit.
const (
	cTemplate   = "###########-###########-###########-###########-###########-###########-###########-###########-###########-###########"
	padTemplate = "###########-###########-###########-###########-###########"
)

// SysbenchDataset creates the tables sysbench's OLTP scripts run on, as `sysbench
// oltp_common prepare` makes them: at scale N, tables sbtest1 to sbtestN of 10000 rows each
// (id 1..10000, k a random number in the same range, c and pad strings of random digits in
// sysbench's templates), then the secondary index k_<n> on k. sysbench runs on the tables
// unchanged, and the OLTP workloads here run on tables sysbench prepared.
type SysbenchDataset struct{}

var _ workloads.Dataset = SysbenchDataset{}

func (SysbenchDataset) Name() string     { return "sysbench" }
func (SysbenchDataset) Database() string { return Database }
func (SysbenchDataset) Description() string {
	return "sysbench's OLTP tables as `sysbench oltp_read_write prepare` makes them: scale N = tables sbtest1..sbtestN of 10000 rows"
}

// Load drops and recreates the tables, filling them on one connection per table.
func (SysbenchDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 || scale > 1000 {
		return fmt.Errorf("sysbench dataset: scale (tables) must be between 1 and 1000, got %d", scale)
	}
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return fmt.Errorf("sysbench dataset: %w", err)
	}
	defer db.Close()
	if err := dropSysbench(ctx, db); err != nil {
		return fmt.Errorf("sysbench dataset: drop the earlier tables: %w", err)
	}
	total := int64(scale) * sysbenchTableSize
	var done atomic.Int64
	errs := make([]error, scale)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for n := 1; n <= scale; n++ {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[n-1] = loadSysbenchTable(ctx, db, n, func(rows int64) {
				d := done.Add(rows)
				if progress != nil {
					mu.Lock()
					progress(d, total)
					mu.Unlock()
				}
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sysbench dataset: %w", err)
	}
	return nil
}

// dropSysbench drops every sbtest table, so a smaller scale does not leave a larger one's
// tables behind (the workloads count the tables).
func dropSysbench(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME REGEXP '^sbtest[0-9]+$'")
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		if _, err := db.ExecContext(ctx, "DROP TABLE "+n); err != nil {
			return err
		}
	}
	return nil
}

func loadSysbenchTable(ctx context.Context, db *sql.DB, n int, progress func(int64)) error {
	table := "sbtest" + strconv.Itoa(n)
	create := fmt.Sprintf(`CREATE TABLE %s (
  id INTEGER NOT NULL AUTO_INCREMENT,
  k INTEGER DEFAULT '0' NOT NULL,
  c CHAR(120) DEFAULT '' NOT NULL,
  pad CHAR(60) DEFAULT '' NOT NULL,
  PRIMARY KEY (id)
) ENGINE = InnoDB`, table)
	if _, err := db.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create %s: %w", table, err)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 1)) // the same data at the same scale
	var b strings.Builder
	for first := 1; first <= sysbenchTableSize; first += sysbenchBatch {
		b.Reset()
		b.WriteString("INSERT INTO " + table + " (id, k, c, pad) VALUES ")
		last := min(first+sysbenchBatch-1, sysbenchTableSize)
		for id := first; id <= last; id++ {
			if id > first {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,%d,'%s','%s')", id, rng.IntN(sysbenchTableSize)+1, digits(rng, cTemplate), digits(rng, padTemplate))
		}
		if _, err := db.ExecContext(ctx, b.String()); err != nil {
			return fmt.Errorf("fill %s: %w", table, err)
		}
		progress(int64(last - first + 1))
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE INDEX k_%d ON %s(k)", n, table)); err != nil {
		return fmt.Errorf("index %s: %w", table, err)
	}
	return nil
}

// digits fills a sysbench template: each # becomes a random digit.
func digits(rng *rand.Rand, template string) string {
	b := []byte(template)
	for i, c := range b {
		if c == '#' {
			b[i] = byte('0' + rng.IntN(10))
		}
	}
	return string(b)
}

// sysbenchShape is what the OLTP workloads read of the tables before they run: how many
// there are and their size.
type sysbenchShape struct {
	tables int
	size   int // ids are 1..size, as sysbench draws them
}

// readSysbenchShape counts the sbtest tables and reads the size of sbtest1, and says how to
// load them when they are missing.
func readSysbenchShape(ctx context.Context, t workloads.Target, workload string) (sysbenchShape, error) {
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return sysbenchShape{}, fmt.Errorf("%s: %w", workload, err)
	}
	defer db.Close()
	var s sysbenchShape
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME REGEXP '^sbtest[0-9]+$'").Scan(&s.tables)
	if err != nil {
		return s, fmt.Errorf("%s: count the sbtest tables: %w", workload, err)
	}
	if s.tables == 0 {
		return s, fmt.Errorf("%s: the sbtest tables do not exist: load them first: Given the \"sysbench\" dataset at scale N (N tables), or run sysbench's prepare", workload)
	}
	var size sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max(id) FROM sbtest1").Scan(&size); err != nil {
		var me *gomysql.MySQLError
		if errors.As(err, &me) && me.Number == 1146 {
			return s, fmt.Errorf("%s: sbtest1 is missing: load the \"sysbench\" dataset again", workload)
		}
		return s, fmt.Errorf("%s: read the size of sbtest1: %w", workload, err)
	}
	if !size.Valid || size.Int64 < 1 {
		return s, fmt.Errorf("%s: sbtest1 is empty: load the \"sysbench\" dataset again", workload)
	}
	s.size = int(size.Int64)
	return s, nil
}
