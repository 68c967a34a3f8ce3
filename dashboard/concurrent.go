package dashboard

import (
	"context"
	"sync"
)

// concurrently runs fns at the same time and waits for all of them. The
// first to fail cancels the context of the others, and its error is the
// one returned (the others' are then most often that cancellation).
func concurrently(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, fn := range fns {
		wg.Go(func() {
			if err := fn(ctx); err != nil {
				once.Do(func() {
					first = err
					cancel()
				})
			}
		})
	}
	wg.Wait()
	return first
}
