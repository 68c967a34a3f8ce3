// Command backfillbench lays out a generated daily PeeringDB history
// (scripts/histgen output: one directory of per-object files per day) as
// CAIDA's archive does (YYYY/MM/peeringdb_2_dump_YYYY_MM_DD.json) and
// serves it over HTTP on loopback, with directory listings, for
// scripts/backfill-bench.sh to run `ixpobs backfill` against. It prints
// the archive's directory template on its first line and serves until
// killed.
//
//	go run ./scripts/backfillbench -days /tmp/hist -archive /tmp/archive
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	pdbarchive "github.com/ixpobs/ixpobs/collector/peeringdb/archivetest"
)

func main() {
	days := flag.String("days", "", "histgen output directory (one YYYY-MM-DD directory per day)")
	archive := flag.String("archive", "", "directory to write the archive layout into")
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	flag.Parse()
	entries, err := os.ReadDir(*days)
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		d := e.Name()
		if !e.IsDir() || len(d) != 10 {
			continue
		}
		dst := filepath.Join(*archive, d[:4], d[5:7], "peeringdb_2_dump_"+strings.ReplaceAll(d, "-", "_")+".json")
		if _, err := os.Stat(dst); err == nil {
			n++
			continue
		}
		objs, err := pdbarchive.ReadDir(filepath.Join(*days, d))
		if err != nil {
			log.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := objs.WriteJSON(dst); err != nil {
			log.Fatal(err)
		}
		n++
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s/{YYYY}/{MM}/\n", ln.Addr())
	fmt.Fprintf(os.Stderr, "backfillbench: %d daily files under %s\n", n, *archive)
	log.Fatal(http.Serve(ln, http.FileServer(http.Dir(*archive))))
}
