CREATE TABLE sources (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);

CREATE TABLE snapshots (
	id        INTEGER PRIMARY KEY,
	source_id INTEGER NOT NULL REFERENCES sources (id),
	at        INTEGER NOT NULL,
	kinds     TEXT NOT NULL,
	delta     BOOLEAN NOT NULL,
	counts    TEXT NOT NULL,
	digest    TEXT NOT NULL,
	origin    TEXT NOT NULL,
	notes     TEXT NOT NULL,
	created   INTEGER NOT NULL,
	UNIQUE (source_id, at)
);

-- One row per version of an object: valid on [valid_from, valid_to).
CREATE TABLE versions (
	source_id  INTEGER NOT NULL,
	kind       INTEGER NOT NULL,
	obj_id     INTEGER NOT NULL,
	valid_from INTEGER NOT NULL,
	valid_to   INTEGER NOT NULL,
	hash       INTEGER NOT NULL,
	ix_id      INTEGER NOT NULL,
	asn        INTEGER NOT NULL,
	data       BLOB NOT NULL,
	PRIMARY KEY (source_id, kind, obj_id, valid_from)
) WITHOUT ROWID;

CREATE INDEX versions_by_ix ON versions (source_id, kind, ix_id, valid_from);
CREATE INDEX versions_by_asn ON versions (source_id, kind, asn, valid_from);

CREATE TABLE exchange_stats (
	snapshot_id  INTEGER NOT NULL REFERENCES snapshots (id),
	ix_id        INTEGER NOT NULL,
	members      INTEGER NOT NULL,
	connections  INTEGER NOT NULL,
	capacity     INTEGER NOT NULL,
	ipv6_members INTEGER NOT NULL,
	rs_members   INTEGER NOT NULL,
	PRIMARY KEY (snapshot_id, ix_id)
) WITHOUT ROWID;

CREATE INDEX exchange_stats_by_ix ON exchange_stats (ix_id, snapshot_id);

CREATE TABLE runs (
	id          INTEGER PRIMARY KEY,
	source      TEXT NOT NULL,
	started     INTEGER NOT NULL,
	finished    INTEGER NOT NULL,
	ok          BOOLEAN NOT NULL,
	error_kind  TEXT NOT NULL,
	error       TEXT NOT NULL,
	snapshot_id INTEGER,
	detail      TEXT NOT NULL
);

CREATE INDEX runs_by_source ON runs (source, started);
