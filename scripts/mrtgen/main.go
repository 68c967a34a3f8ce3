// Command mrtgen writes a synthetic TABLE_DUMP_V2 RIB dump (see package
// bgp/mrt/mrtgen) for benchmarks:
//
//	go run ./scripts/mrtgen -entries 5000000 -gzip -o /tmp/rib.mrt.gz
package main

import (
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
	flag.Parse()
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
