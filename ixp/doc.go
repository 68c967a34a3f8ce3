// Package ixp is the domain model of ixpobs: exchanges, their LANs and
// prefixes, networks, organisations, facilities, connections (a network's
// port at an exchange), source ids (source.go) and snapshots, the text rule
// every store applies (text.go), and the errors shared by every parser and
// store. It imports no other ixpobs package.
package ixp
