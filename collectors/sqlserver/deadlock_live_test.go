package sqlserver

import (
	"context"
	"errors"
	"fmt"
	"sync"

	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// makeDeadlock makes two sessions update two rows in opposite orders, so one of them is
// chosen as the victim (error 1205).
func makeDeadlock(ctx context.Context, dsn string) error {
	db, err := engine.Open(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS dbo.dl; CREATE TABLE dbo.dl (id int PRIMARY KEY, v int); INSERT INTO dbo.dl VALUES (1, 0), (2, 0)"); err != nil {
		return err
	}
	var wg, held sync.WaitGroup
	held.Add(2)
	errs := make([]error, 2)
	for i, order := range [][2]int{{1, 2}, {2, 1}} {
		wg.Go(func() {
			tx, err := db.BeginTx(ctx, nil)
			if err == nil {
				defer tx.Rollback()
				_, err = tx.ExecContext(ctx, "UPDATE dbo.dl SET v = v + 1 WHERE id = @p1", order[0])
			}
			// Note: both hold their first row before either asks for its second.
			held.Done()
			if err != nil {
				errs[i] = err
				return
			}
			held.Wait()
			if _, err := tx.ExecContext(ctx, "UPDATE dbo.dl SET v = v + 1 WHERE id = @p1", order[1]); err != nil {
				errs[i] = err
				return
			}
			errs[i] = tx.Commit()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if engine.ErrorNumber(err) == 1205 {
			return nil
		}
	}
	return fmt.Errorf("no session was chosen as a deadlock victim: %w", errors.Join(errs...))
}
