package ribs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ixpobs/ixpobs/internal/safehttp"
	"github.com/ixpobs/ixpobs/ixp"
)

// DefaultBrokerURL is BGPKIT's public broker (API v3), which indexes the
// RIB and update files of RIPE RIS and RouteViews (not PCH's).
const DefaultBrokerURL = "https://api.bgpkit.com/v3/broker"

// Broker finds RIB dumps through a BGPKIT broker's search endpoint
// (GET {base}/search?collector_id=&data_type=rib&ts_start=&ts_end=&page=
// &page_size=), whose answer is {"count", "page", "page_size", "error",
// "data": [{"ts_start", "ts_end", "collector_id", "data_type", "url",
// "rough_size", "exact_size"}]} with times as "2006-01-02T15:04:05" in
// UTC (bgpkit-broker's BrokerItem). A collector the broker does not index
// gets no item, and the caller falls back to its URL template.
type Broker struct {
	client *safehttp.Client
	base   string
}

// NewBroker returns a broker client of base (DefaultBrokerURL, or a
// self-hosted instance or mirror).
func NewBroker(client *safehttp.Client, base string) (*Broker, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("bgpkit broker: base URL %q: want http(s)://host/path: %w", base, ixp.ErrInvalid)
	}
	return &Broker{client: client, base: strings.TrimRight(base, "/")}, nil
}

// BrokerItem is one archive file the broker lists.
type BrokerItem struct {
	Start       time.Time
	CollectorID string
	DataType    string
	URL         string
	Size        int64 // exact size when the broker crawled it, else rough
}

type brokerAnswer struct {
	Count    *int64  `json:"count"`
	Page     *int64  `json:"page"`
	PageSize *int64  `json:"page_size"`
	Error    *string `json:"error"`
	Data     []struct {
		TsStart     string `json:"ts_start"`
		TsEnd       string `json:"ts_end"`
		CollectorID string `json:"collector_id"`
		DataType    string `json:"data_type"`
		URL         string `json:"url"`
		RoughSize   int64  `json:"rough_size"`
		ExactSize   int64  `json:"exact_size"`
	} `json:"data"`
}

// brokerPageSize is the page size asked; a window of a day or a few
// dump periods holds far fewer RIB files.
const brokerPageSize = 100

// RIBs returns the RIB dumps of collector whose time lies in [from, to],
// oldest first, reading every page of the answer.
func (b *Broker) RIBs(ctx context.Context, collector string, from, to time.Time) ([]BrokerItem, error) {
	var out []BrokerItem
	for page := 1; ; page++ {
		q := url.Values{"collector_id": {collector}, "data_type": {"rib"},
			"ts_start": {strconv.FormatInt(from.Unix(), 10)}, "ts_end": {strconv.FormatInt(to.Unix(), 10)},
			"page": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(brokerPageSize)}}
		u := b.base + "/search?" + q.Encode()
		resp, err := b.client.Get(ctx, u, safehttp.WithHeader("Accept", "application/json"), safehttp.WithTimeout(time.Minute))
		if err != nil {
			return nil, fmt.Errorf("bgpkit broker %s: %w", u, err)
		}
		var a brokerAnswer
		if err := json.Unmarshal(resp.Body, &a); err != nil {
			return nil, fmt.Errorf("bgpkit broker %s: decode answer: %v: %w", u, err, ixp.ErrInvalid)
		}
		if a.Error != nil && *a.Error != "" {
			return nil, fmt.Errorf("bgpkit broker %s: %s: %w", u, *a.Error, ixp.ErrUnavailable)
		}
		for _, d := range a.Data {
			if d.DataType != "rib" || d.CollectorID != collector {
				continue // not what was asked: never trusted
			}
			t, err := parseBrokerTime(d.TsStart)
			if err != nil {
				return nil, fmt.Errorf("bgpkit broker %s: item %s: ts_start %q: %v: %w", u, d.URL, d.TsStart, err, ixp.ErrInvalid)
			}
			if t.Before(from) || t.After(to) {
				continue
			}
			size := d.ExactSize
			if size <= 0 {
				size = d.RoughSize
			}
			out = append(out, BrokerItem{Start: t, CollectorID: d.CollectorID, DataType: d.DataType, URL: d.URL, Size: size})
		}
		if len(a.Data) < brokerPageSize {
			break
		}
		if page >= 100 {
			return nil, fmt.Errorf("bgpkit broker %s: more than 100 pages for one window: %w", u, ixp.ErrInvalid)
		}
	}
	slices.SortStableFunc(out, func(x, y BrokerItem) int { return x.Start.Compare(y.Start) })
	return out, nil
}

// parseBrokerTime reads a broker time: a naive UTC date-time, or RFC 3339
// (older answers carried the offset).
func parseBrokerTime(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	return t.UTC(), err
}
