package metrics

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
)

// RegisterBuildInfo registers ixpobs_build_info{version,revision,goversion}
// = 1 on reg: which build a process runs, to join on instance.
func RegisterBuildInfo(reg prometheus.Registerer, version, revision string) error {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "ixpobs_build_info",
		Help:        "Always 1: the version, VCS revision and Go version of the running ixpobs build.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": runtime.Version()},
	})
	g.Set(1)
	return reg.Register(g)
}
