// Package alicelg reads the route servers of exchanges through their
// public Alice-LG looking glasses (alice-lg/alice-lg's JSON API:
// /api/v1/routeservers, /routeservers/{id}/neighbors and
// /routeservers/{id}/neighbors/{nid}/routes/received, paged from 0) and
// stores one BGP snapshot per route server, source
// "bgp:alicelg-<glass>-<route server>", of collector type "alicelg":
// its neighbours (ASN, address, state, routes received / accepted /
// filtered, uptime) every run, and, when enabled, the received routes
// (prefix, AS path, origin) read page by page within a per-run request
// budget. A table that is not read whole is stored as "partial" and
// continued by the next run; it never counts as a table (ARDA, coverage)
// until a run completes it.
package alicelg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/ixpobs/ixpobs/internal/safehttp"
)

// ErrBudget is returned when a run has used its request budget.
var ErrBudget = errors.New("alicelg: request budget of the run used up")

// Client reads one looking glass, pacing its requests.
type Client struct {
	http    *safehttp.Client
	base    string
	pace    time.Duration
	timeout time.Duration
	sleep   func(context.Context, time.Duration) error
	last    time.Time
	budget  int // requests left; < 0: unlimited
	used    int
	// metrics (nil: none) and the glass name they are labelled with.
	metrics *Metrics
	glass   string
}

// NewClient returns a client of the looking glass at base (scheme and
// host, e.g. https://lg.ix.br) that waits pace between requests, gives
// each request timeout and makes at most budget requests (< 0: no limit).
func NewClient(h *safehttp.Client, base string, pace, timeout time.Duration, budget int) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("alicelg: base URL %q: want http(s)://host", base)
	}
	return &Client{http: h, base: u.Scheme + "://" + u.Host + u.Path, pace: pace, timeout: timeout, budget: budget, sleep: sleepCtx}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Used returns the number of requests made.
func (c *Client) Used() int { return c.used }

// get fetches path (below /api/v1), an endpoint of Endpoints, into v,
// and counts it in c.metrics.
func (c *Client) get(ctx context.Context, endpoint, path string, v any) error {
	err := c.fetch(ctx, endpoint, path, v)
	if err != nil {
		c.metrics.failed(c.glass, errorKind(err))
	}
	return err
}

func (c *Client) fetch(ctx context.Context, endpoint, path string, v any) error {
	if c.budget >= 0 && c.used >= c.budget {
		return ErrBudget
	}
	if wait := c.pace - time.Since(c.last); !c.last.IsZero() && wait > 0 {
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
	c.used++
	u := c.base + "/api/v1" + path
	start := time.Now()
	resp, err := c.http.Get(ctx, u, safehttp.WithTimeout(c.timeout), safehttp.WithHeader("Accept", "application/json"))
	c.last = time.Now()
	c.metrics.request(c.glass, endpoint, c.last.Sub(start))
	if err != nil {
		var se *safehttp.StatusError
		if errors.As(err, &se) {
			var e ErrorResponse
			if json.Unmarshal([]byte(se.Body), &e) == nil && e.Message != "" {
				return fmt.Errorf("alicelg %s: %s (tag %s, code %d): %w", u, e.Message, e.Tag, e.Code, err)
			}
		}
		return fmt.Errorf("alicelg %s: %w", u, err)
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return fmt.Errorf("alicelg %s: %w", u, &decodeError{err})
	}
	return nil
}

// RouteServers lists the route servers of the looking glass.
func (c *Client) RouteServers(ctx context.Context) ([]RouteServer, error) {
	var r RouteServersResponse
	if err := c.get(ctx, "routeservers", "/routeservers", &r); err != nil {
		return nil, err
	}
	for i, rs := range r.RouteServers {
		if rs.ID == "" {
			c.metrics.failed(c.glass, "invalid")
			return nil, fmt.Errorf("alicelg %s: route server %d of %d has no id", c.base, i, len(r.RouteServers))
		}
	}
	return r.RouteServers, nil
}

// Neighbors lists the neighbours of a route server.
func (c *Client) Neighbors(ctx context.Context, rs string) (NeighborsResponse, error) {
	var r NeighborsResponse
	err := c.get(ctx, "neighbors", "/routeservers/"+url.PathEscape(rs)+"/neighbors", &r)
	for i, n := range r.Neighbors {
		if n == nil || n.ID == "" {
			c.metrics.failed(c.glass, "invalid")
			return r, fmt.Errorf("alicelg %s: route server %s: neighbour %d has no id", c.base, rs, i)
		}
	}
	return r, err
}

// ReceivedPage reads page (from 0) of the routes a neighbour sent.
func (c *Client) ReceivedPage(ctx context.Context, rs, neighbor string, page int) (RoutesResponse, error) {
	var r RoutesResponse
	err := c.get(ctx, "routes_received", "/routeservers/"+url.PathEscape(rs)+"/neighbors/"+url.PathEscape(neighbor)+
		"/routes/received?page="+strconv.Itoa(page), &r)
	return r, err
}
