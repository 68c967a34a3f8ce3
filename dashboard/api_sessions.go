package dashboard

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// sessionsStaleDefault is how old the published state of an older bgp
// process, which does not say its sessions_interval, may be before its
// sessions are reported as stale.
const sessionsStaleDefault = 2 * time.Minute

// sessionsStaleIntervals is how many of its sessions_interval a bgp
// process may miss before its sessions are reported as stale.
const sessionsStaleIntervals = 3

type collectorSessions struct {
	Collector string    `json:"collector"`
	Updated   time.Time `json:"updated"`
	Stale     bool      `json:"stale"`
	// StaleAfter is the age, in seconds, past which the state is stale:
	// three times the process's sessions_interval.
	StaleAfter float64         `json:"stale_after_s"`
	Sessions   json.RawMessage `json:"sessions"`
}

// publishedSessions is the status value `ixpobs bgp` publishes: its
// sessions and how often it publishes them. Older processes published
// the bare array of sessions.
type publishedSessions struct {
	IntervalSeconds float64         `json:"sessions_interval_s"`
	Sessions        json.RawMessage `json:"sessions"`
}

// sessionList is the answer of GET /api/v1/bgp/sessions.
type sessionList struct {
	Data []collectorSessions `json:"data"`
}

// bgpSessions answers GET /api/v1/bgp/sessions: the live sessions of
// every `ixpobs bgp` process, as each last published them.
func (s *Server) bgpSessions(ctx context.Context, _ noQuery) (sessionList, error) {
	sts, err := s.store.Statuses(ctx, "bgp-sessions:")
	if err != nil {
		return sessionList{}, err
	}
	out := []collectorSessions{}
	now := s.Now()
	for _, st := range sts {
		if !json.Valid(st.Value) {
			continue
		}
		sessions, staleAfter := st.Value, sessionsStaleDefault
		var p publishedSessions
		if json.Unmarshal(st.Value, &p) == nil && p.Sessions != nil && p.IntervalSeconds > 0 {
			sessions = p.Sessions
			staleAfter = time.Duration(sessionsStaleIntervals * p.IntervalSeconds * float64(time.Second))
		}
		out = append(out, collectorSessions{Collector: strings.TrimPrefix(st.Key, "bgp-sessions:"), Updated: st.Updated,
			Stale: now.Sub(st.Updated) > staleAfter, StaleAfter: staleAfter.Seconds(), Sessions: sessions})
	}
	return sessionList{Data: out}, nil
}
