package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Compression levels of answers kept in the answer cache. Each cached
// answer is compressed at most once per encoding (then served from
// memory), so a fairly high level costs one build, not every request.
// Answers built per request (the middleware) use gzipDynamicLevel.
const (
	gzipCachedLevel   = gzip.BestCompression
	brotliCachedLevel = 6
	gzipDynamicLevel  = 5
	// minCompress is the smallest body worth compressing.
	minCompress = 1024
)

// cacheControl is what cached answers say to browsers and proxies: they
// may keep an answer a minute, then revalidate it with its ETag (which
// changes with the store's generation).
const cacheControl = "public, max-age=60"

// servedAnswer is an encoded answer (API, page or static file) with its
// validator and compressed forms, each built once, on first demand.
type servedAnswer struct {
	cachedAnswer
	etag string
	cc   string // Cache-Control when not the default cacheControl

	gzOnce, brOnce sync.Once
	gz, br         []byte
}

// newAnswer returns an answer whose ETag is derived from tag (the store
// generation, or "" for static files) and the body.
func newAnswer(a cachedAnswer, tag string) *servedAnswer {
	sum := sha256.Sum256(a.body)
	etag := `W/"` + tag + hex.EncodeToString(sum[:10]) + `"`
	return &servedAnswer{cachedAnswer: a, etag: etag}
}

// encoded returns the body in the content coding enc ("br", "gzip" or
// ""), compressing it the first time.
func (a *servedAnswer) encoded(enc string) []byte {
	switch enc {
	case "gzip":
		a.gzOnce.Do(func() {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzipCachedLevel)
			zw.Write(a.body)
			zw.Close()
			a.gz = buf.Bytes()
		})
		return a.gz
	case "br":
		a.brOnce.Do(func() {
			var buf bytes.Buffer
			bw := brotli.NewWriterLevel(&buf, brotliCachedLevel)
			bw.Write(a.body)
			bw.Close()
			a.br = buf.Bytes()
		})
		return a.br
	}
	return a.body
}

// serve writes a cached answer: 304 when the client's copy is current,
// else the body in the best encoding the client accepts (HEAD: headers
// only, with the length of that body).
func (a *servedAnswer) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	status := a.status
	if status == 0 {
		status = http.StatusOK
	}
	h.Set("Content-Type", a.ctype)
	if strings.HasPrefix(a.ctype, "text/csv") {
		h.Set("Content-Disposition", `attachment; filename="`+csvFilename(r.URL.Path)+`"`)
	}
	if a.lang != "" {
		h.Set("Content-Language", a.lang)
	}
	h.Add("Vary", "Accept-Encoding")
	if status == http.StatusOK {
		h.Set("ETag", a.etag)
		if a.cc != "" {
			h.Set("Cache-Control", a.cc)
		} else {
			h.Set("Cache-Control", cacheControl)
		}
		if etagMatch(r.Header.Get("If-None-Match"), a.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		h.Set("Cache-Control", "no-store")
	}
	enc := ""
	if len(a.body) >= minCompress && compressible(a.ctype) {
		enc = pickEncoding(r.Header.Get("Accept-Encoding"))
	}
	body := a.encoded(enc)
	if enc != "" {
		h.Set("Content-Encoding", enc)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// etagMatch reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// compressible reports whether a content type gains from compression.
func compressible(ctype string) bool {
	ct, _, _ := strings.Cut(ctype, ";")
	ct = strings.TrimSpace(ct)
	switch {
	case strings.HasPrefix(ct, "text/"),
		ct == "application/json", ct == "application/javascript",
		ct == "application/atom+xml", ct == "application/xml",
		ct == "image/svg+xml", ct == "application/openmetrics-text":
		return true
	}
	return false
}

// pickEncoding returns the content coding to use for an Accept-Encoding
// header: "br" or "gzip" (the one with the higher q, brotli on a tie), or
// "" for none.
func pickEncoding(accept string) string {
	var br, gz float64 = -1, -1
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			br = q
		case "gzip", "x-gzip":
			gz = q
		case "*":
			if br < 0 {
				br = q
			}
			if gz < 0 {
				gz = q
			}
		}
	}
	switch {
	case br > 0 && br >= gz:
		return "br"
	case gz > 0:
		return "gzip"
	}
	return ""
}

// compress gzips, on the fly, what handlers write without a known length
// (uncached answers, feeds, error pages). An answer that sets its own
// Content-Encoding or Content-Length (cached answers, which carry
// precompressed forms; /metrics) passes through untouched, as do HEAD and
// range requests.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if r.Method == http.MethodHead || r.Header.Get("Range") != "" || pickEncoding(r.Header.Get("Accept-Encoding")) == "" {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzipDynamicLevel)
	return zw
}}

// compressWriter decides at the first write whether to gzip.
type compressWriter struct {
	http.ResponseWriter
	decided bool
	zw      *gzip.Writer
}

func (c *compressWriter) decide(status int) {
	if c.decided {
		return
	}
	c.decided = true
	h := c.Header()
	if h.Get("Content-Encoding") != "" || h.Get("Content-Length") != "" ||
		status < 200 || status == http.StatusNoContent || status == http.StatusNotModified ||
		!compressible(h.Get("Content-Type")) {
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	c.zw = gzipPool.Get().(*gzip.Writer)
	c.zw.Reset(c.ResponseWriter)
}

func (c *compressWriter) WriteHeader(status int) {
	c.decide(status)
	c.ResponseWriter.WriteHeader(status)
}

func (c *compressWriter) Write(b []byte) (int, error) {
	if !c.decided {
		if c.Header().Get("Content-Type") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(b))
		}
		c.WriteHeader(http.StatusOK)
	}
	if c.zw != nil {
		return c.zw.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

// Flush sends what is compressed so far.
func (c *compressWriter) Flush() {
	if c.zw != nil {
		c.zw.Flush()
	}
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *compressWriter) close() {
	if c.zw != nil {
		c.zw.Close()
		c.zw.Reset(io.Discard)
		gzipPool.Put(c.zw)
		c.zw = nil
	}
}
