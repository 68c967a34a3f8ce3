// Package ixf decodes IX-F member exports (the Euro-IX "IXP member list"
// JSON, schema versions 0.4 to 1.0), matches the exchanges they describe to
// PeeringDB exchanges, discovers export URLs (IXPDB provider list, PeeringDB
// ixlans, user-given URLs and files) and runs the collection: fetch with
// internal/safehttp, decode, match and publish one snapshot per export.
//
// The decoder is lenient with what real feeds send (objects where lists are
// expected, strings for numbers and booleans, odd timestamps and version
// strings, duplicate members) and counts every tolerated oddity and every
// dropped item in a Report. It is strict about what would corrupt data: a
// member with an invalid ASN is dropped, a connection with an invalid IP
// address is dropped, and a body that is not an export at all (HTML, empty,
// no member_list) is an error naming the file.
package ixf
