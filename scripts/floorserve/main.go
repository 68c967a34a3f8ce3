// Command floorserve answers every GET with the bytes of one file, as
// fast as net/http can: no routing, no cache lookup, no headers but
// Content-Type and Content-Length. scripts/scaling/history-floor.sh runs
// it beside `ixpobs serve` on the same answer to measure the transport's
// floor on the machine: what any Go server pays to hand a body of that
// size to wrk's connections.
//
//	go run ./scripts/floorserve -listen 127.0.0.1:18182 -type application/json FILE
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18182", "address to listen on")
	ctype := flag.String("type", "application/json; charset=utf-8", "Content-Type of the answer")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: floorserve [-listen ADDR] [-type CTYPE] FILE")
		os.Exit(2)
	}
	body, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "floorserve:", err)
		os.Exit(1)
	}
	length := strconv.Itoa(len(body))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", *ctype)
		w.Header().Set("Content-Length", length)
		w.Write(body)
	})
	if err := http.ListenAndServe(*listen, handler); err != nil {
		fmt.Fprintln(os.Stderr, "floorserve:", err)
		os.Exit(1)
	}
}
