package dashboard

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestConcurrently(t *testing.T) {
	t.Run("all run at once", func(t *testing.T) {
		// Each waits for the other: run one after the other they
		// would never end.
		a, b := make(chan struct{}), make(chan struct{})
		err := concurrently(context.Background(),
			func(context.Context) error { close(a); <-b; return nil },
			func(context.Context) error { close(b); <-a; return nil })
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the first failure is returned and cancels the others", func(t *testing.T) {
		cause := errors.New("store: broken")
		var canceled atomic.Bool
		err := concurrently(context.Background(),
			func(ctx context.Context) error {
				select {
				case <-ctx.Done():
					canceled.Store(true)
					return ctx.Err()
				case <-time.After(10 * time.Second):
					return nil
				}
			},
			func(context.Context) error { return cause })
		if !errors.Is(err, cause) {
			t.Fatalf("error %v, want %v", err, cause)
		}
		if !canceled.Load() {
			t.Fatal("the other function was not canceled")
		}
	})
	t.Run("the caller's cancellation reaches every function", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := concurrently(ctx, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})
}
