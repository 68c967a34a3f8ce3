package dashboard

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// sessionsStale is how old a collector's published state may be before
// its sessions are reported as stale (the bgp process publishes every
// few seconds).
const sessionsStale = 2 * time.Minute

type collectorSessions struct {
	Collector string          `json:"collector"`
	Updated   time.Time       `json:"updated"`
	Stale     bool            `json:"stale"`
	Sessions  json.RawMessage `json:"sessions"`
}

// handleBGPSessions serves GET /api/v1/bgp/sessions: the live sessions of
// every `ixpobs bgp` process, as each last published them.
func (s *Server) handleBGPSessions(r *http.Request) (any, error) {
	sts, err := s.store.Statuses(r.Context(), "bgp-sessions:")
	if err != nil {
		return nil, err
	}
	out := []collectorSessions{}
	now := s.Now()
	for _, st := range sts {
		if !json.Valid(st.Value) {
			continue
		}
		out = append(out, collectorSessions{Collector: strings.TrimPrefix(st.Key, "bgp-sessions:"), Updated: st.Updated,
			Stale: now.Sub(st.Updated) > sessionsStale, Sessions: st.Value})
	}
	return map[string]any{"data": out}, nil
}
