package load

import (
	"context"
	"errors"
)

// An interruption is the cause the engine cancels iterations with when it ends them itself:
// the graceful stop or ramp-down ran out, or Watch aborted the run. Iterations it cancels are
// counted as interrupted (k6's interrupted iterations), not as failed operations.
type interruption struct{ reason error }

func (e *interruption) Error() string { return e.reason.Error() }
func (e *interruption) Unwrap() error { return e.reason }

// interrupt wraps reason as an interruption cause.
func interrupt(reason string) error { return &interruption{errors.New(reason)} }

// isInterrupted says whether ctx was cancelled by the engine as an interruption.
func isInterrupted(ctx context.Context) bool {
	if ctx.Err() == nil {
		return false
	}
	var in *interruption
	return errors.As(context.Cause(ctx), &in)
}
