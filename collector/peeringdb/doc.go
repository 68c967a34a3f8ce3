// Package peeringdb collects PeeringDB: dumps (a directory of per-object
// API responses, or the single-file layout) and the public API, with a full
// sync followed by incremental ?since= syncs. It turns objects into ixp
// records and snapshots; references are checked and dangling ones counted,
// never fatal.
package peeringdb
