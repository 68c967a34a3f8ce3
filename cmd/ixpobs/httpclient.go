package main

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// newHTTPGetter returns the hardened HTTP client used by the collectors.
func newHTTPGetter(timeout time.Duration) (getterFunc, error) {
	return nil, errors.New("TODO: wire internal/safehttp")
}

type getterFunc func(ctx context.Context, url string, header http.Header) ([]byte, error)

func (f getterFunc) Get(ctx context.Context, url string, header http.Header) ([]byte, error) {
	return f(ctx, url, header)
}
