// Package mrt reads MRT routing archives (RFC 6396, RFC 6793, RFC 8050):
// RIB dumps (TABLE_DUMP, TABLE_DUMP_V2) and update files (BGP4MP,
// BGP4MP_ET and the deprecated BGP type 5), plain, gzip or bzip2, as a
// stream of elements: RIB entries, announced and withdrawn prefixes, and
// BGP state changes.
//
// The decoder is hand-written: GoBGP's MRT package lacks TABLE_DUMP v1,
// BGP4MP_ET and ADD-PATH in BGP4MP, and allocates per entry. Memory does
// not grow with the file: the record buffer and the element passed to the
// callback are reused (records larger than 64 KiB are fine).
//
// Counting follows bgpdump -m: Stats.Entries is the number of RIB entries
// plus announced and withdrawn prefixes, i.e. the A, W and B lines bgpdump
// prints; Stats.States its STATE lines.
//
// Bad input never passes silently. A file that ends inside a record, or a
// compressed stream that ends early, makes Read return an *ixp.ParseError
// wrapping ixp.ErrTruncated. A record whose framing is intact but whose
// content is malformed is skipped and counted (or stops Read when
// Reader.Strict is set). Two historical quirks are repaired: RIS rrc00
// TABLE_DUMP records of 2000 that batch entries and declare a length 4 bytes
// short, and Zebra's shortened BGP4MP state-change and message records.
package mrt
