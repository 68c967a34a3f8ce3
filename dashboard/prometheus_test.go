package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ixpobs/ixpobs/internal/testenv"
)

// TestPrometheusScrape has a real Prometheus server scrape /metrics and
// checks that the values it stored equal the API's figures.
func TestPrometheusScrape(t *testing.T) {
	bin := testenv.LookPath(t, "prometheus")
	srv, _, _ := metricsServer(t)
	target, _ := url.Parse(srv.URL)
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	promAddr := ln.Addr().String()
	ln.Close()
	conf := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(conf, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: ixpobs
    static_configs:
      - targets: [%q]
`, target.Host)), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--config.file="+conf, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	logf, _ := os.Create(filepath.Join(dir, "prometheus.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Logf("prometheus log:\n%s", b)
		}
	}()
	query := func(q string) (float64, bool) {
		resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return 0, false
		}
		defer resp.Body.Close()
		var r struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if json.NewDecoder(resp.Body).Decode(&r) != nil || len(r.Data.Result) != 1 {
			return 0, false
		}
		s, _ := r.Data.Result[0].Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if v, ok := query(`up{job="ixpobs"}`); ok && v == 1 {
			if _, ok := query(`ixpobs_ixp_members{ixp_id="7"}`); ok {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("prometheus did not scrape ixpobs within 60s")
		}
		time.Sleep(500 * time.Millisecond)
	}
	_, body := get(t, srv, "/api/v1/ixps/7")
	var ix struct {
		Members, Connections int
		Capacity             int64 `json:"capacity_mbps"`
		IPv6                 int   `json:"ipv6_members"`
	}
	json.Unmarshal([]byte(body), &ix)
	_, body = get(t, srv, "/api/v1/countries/BR")
	var br struct {
		Registered    int     `json:"registered_asns"`
		Participation float64 `json:"local_participation"`
	}
	json.Unmarshal([]byte(body), &br)
	for q, want := range map[string]float64{
		`ixpobs_ixp_members{ixp_id="7"}`:                         float64(ix.Members),
		`ixpobs_ixp_connections{ixp_id="7"}`:                     float64(ix.Connections),
		`ixpobs_ixp_capacity_bytes_per_second{ixp_id="7"} * 8`:   float64(ix.Capacity) * 1e6,
		`ixpobs_ixp_ipv6_members{ixp_id="7"}`:                    float64(ix.IPv6),
		`ixpobs_country_registered_asns{country="BR"}`:           float64(br.Registered),
		`ixpobs_country_local_participation_ratio{country="BR"}`: br.Participation,
		`ixpobs_source_up{source="peeringdb"}`:                   0,
	} {
		if got, ok := query(q); !ok || got != want {
			t.Errorf("prometheus %s = %v (found %v), API says %v", q, got, ok, want)
		}
	}
}
