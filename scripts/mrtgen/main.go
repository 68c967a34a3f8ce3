// Command mrtgen writes a synthetic TABLE_DUMP_V2 RIB dump (see package
// bgp/mrt/mrtgen) for benchmarks:
//
//	go run ./scripts/mrtgen -entries 5000000 -gzip -o /tmp/rib.mrt.gz
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/ixpobs/ixpobs/bgp/mrt/mrtgen"
)

func main() {
	var o mrtgen.Options
	out := flag.String("o", "", "output file (default stdout)")
	flag.IntVar(&o.Entries, "entries", 1_000_000, "RIB entries")
	flag.IntVar(&o.Prefixes, "prefixes", 0, "distinct prefixes (default entries/18)")
	flag.IntVar(&o.Peers, "peers", 24, "peers")
	flag.Float64Var(&o.IPv6Share, "ipv6", 0.15, "share of IPv6 prefixes")
	flag.Uint64Var(&o.Seed, "seed", 1, "random seed")
	flag.BoolVar(&o.Gzip, "gzip", false, "gzip the output")
	flag.IntVar(&o.Origins, "origins", 0, "origin ASNs drawn from (default prefixes/10)")
	flag.IntVar(&o.Transits, "transits", 0, "transit ASNs (default 3000): more give more distinct AS links")
	flag.IntVar(&o.Variants, "variants", 0, "other paths a (peer, origin) can take (default 7)")
	flag.Float64Var(&o.VariantShare, "variant-share", 0, "share of the prefixes that take a variant path (default 0.5)")
	measureFiles := flag.Bool("measure", false, "measure the diversity of the RIB dumps named as arguments (JSON lines) instead of writing one")
	flag.Parse()
	if *measureFiles {
		enc := json.NewEncoder(os.Stdout)
		for _, f := range flag.Args() {
			d, err := measure(f, 0)
			if err == nil {
				// Again, with the curve at each tenth of its prefixes.
				d, err = measure(f, d.Prefixes)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "mrtgen:", err)
				os.Exit(1)
			}
			enc.Encode(d)
		}
		return
	}
	if err := run(*out, o); err != nil {
		fmt.Fprintln(os.Stderr, "mrtgen:", err)
		os.Exit(1)
	}
}

func run(out string, o mrtgen.Options) error {
	w := os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := mrtgen.Write(w, o); err != nil {
		return err
	}
	return w.Close()
}
