package dashboard

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The PDF text of a test: enough of PDF to read back what Chromium
// printed (Skia's output: Flate streams, Identity-H fonts with ToUnicode
// CMaps, text shown by Tj and TJ with hex strings). Glyph codes of all the
// fonts are looked up in the union of their CMaps, which holds for the
// subsets of one font family that a page uses; a code no CMap knows reads
// as U+FFFD, so a wrong map makes the check fail, never pass.
var (
	pdfStream  = regexp.MustCompile(`stream\r?\n`)
	pdfBfChar  = regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`)
	pdfBfRange = regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`)
	pdfPair    = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	pdfTriple  = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	pdfShow    = regexp.MustCompile(`(?s)\[(.*?)\]\s*TJ|<([0-9A-Fa-f]+)>\s*Tj`)
	pdfHex     = regexp.MustCompile(`<([0-9A-Fa-f]+)>`)
	pdfTitle   = regexp.MustCompile(`/Title\s*<([0-9A-Fa-f]+)>`)
)

// pdfText returns the text a PDF shows, without white space (glyphs are
// often placed one by one, so spaces between words are not reliable).
func pdfText(pdf []byte) string {
	cmap := map[uint16]string{}
	var contents [][]byte
	for _, loc := range pdfStream.FindAllIndex(pdf, -1) {
		end := bytes.Index(pdf[loc[1]:], []byte("endstream"))
		if end < 0 {
			continue
		}
		zr, err := zlib.NewReader(bytes.NewReader(pdf[loc[1] : loc[1]+end]))
		if err != nil {
			continue
		}
		data, err := io.ReadAll(zr)
		if err != nil && len(data) == 0 {
			continue
		}
		if !bytes.Contains(data, []byte("begincmap")) {
			contents = append(contents, data)
			continue
		}
		for _, blk := range pdfBfChar.FindAllSubmatch(data, -1) {
			for _, m := range pdfPair.FindAllSubmatch(blk[1], -1) {
				code, _ := strconv.ParseUint(string(m[1]), 16, 16)
				cmap[uint16(code)] = utf16Hex(string(m[2]))
			}
		}
		for _, blk := range pdfBfRange.FindAllSubmatch(data, -1) {
			for _, m := range pdfTriple.FindAllSubmatch(blk[1], -1) {
				lo, _ := strconv.ParseUint(string(m[1]), 16, 16)
				hi, _ := strconv.ParseUint(string(m[2]), 16, 16)
				u, _ := strconv.ParseUint(string(m[3]), 16, 32)
				for c := lo; c <= hi && c-lo < 1<<16; c++ {
					cmap[uint16(c)] = string(rune(u + c - lo))
				}
			}
		}
	}
	var b strings.Builder
	for _, data := range contents {
		for _, show := range pdfShow.FindAll(data, -1) {
			for _, h := range pdfHex.FindAllSubmatch(show, -1) {
				s := string(h[1])
				for i := 0; i+4 <= len(s); i += 4 {
					code, _ := strconv.ParseUint(s[i:i+4], 16, 16)
					t, ok := cmap[uint16(code)]
					if !ok {
						t = "\uFFFD"
					}
					b.WriteString(t)
				}
			}
		}
	}
	return noSpace(b.String())
}

// pdfDocTitle returns the /Title of the PDF's information dictionary.
func pdfDocTitle(pdf []byte) string {
	m := pdfTitle.FindSubmatch(pdf)
	if m == nil {
		return ""
	}
	return strings.TrimPrefix(utf16Hex(string(m[1])), "\uFEFF")
}

// utf16Hex decodes hex UTF-16BE.
func utf16Hex(s string) string {
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw)%2 != 0 {
		return "\uFFFD"
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
	}
	return string(utf16.Decode(u))
}

func noSpace(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), "")
}
