package load

import (
	"context"
	"errors"
)

// StopWhen returns a context that is cancelled when ctx is, or when done is closed; in the
// latter case its cause is cause() (or "stopped" if cause is nil or returns nil). Pass an
// engines.Instance's Done and Err so a database that dies mid-run ends the run at once with
// the reason, instead of every operation failing until the duration is up:
//
//	ctx, stop := load.StopWhen(ctx, inst.Done(), inst.Err)
//	defer stop()
func StopWhen(ctx context.Context, done <-chan struct{}, cause func() error) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	quit := make(chan struct{})
	go func() {
		select {
		case <-done:
			var err error
			if cause != nil {
				err = cause()
			}
			if err == nil {
				err = errors.New("the database stopped")
			}
			cancel(err)
		case <-ctx.Done():
		case <-quit:
		}
	}()
	return ctx, func() {
		close(quit)
		cancel(nil)
	}
}
