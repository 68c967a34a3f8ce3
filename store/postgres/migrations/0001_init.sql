CREATE TABLE sources (
	id   BIGSERIAL PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);

CREATE TABLE snapshots (
	id        BIGSERIAL PRIMARY KEY,
	source_id BIGINT NOT NULL REFERENCES sources (id),
	at        BIGINT NOT NULL,
	kinds     TEXT NOT NULL,
	delta     BOOLEAN NOT NULL,
	counts    TEXT NOT NULL,
	digest    TEXT NOT NULL,
	origin    TEXT NOT NULL,
	notes     TEXT NOT NULL,
	created   BIGINT NOT NULL,
	UNIQUE (source_id, at)
);

-- One row per version of an object: valid on [valid_from, valid_to).
CREATE TABLE versions (
	source_id  BIGINT NOT NULL,
	kind       INTEGER NOT NULL,
	obj_id     BIGINT NOT NULL,
	valid_from BIGINT NOT NULL,
	valid_to   BIGINT NOT NULL,
	hash       BIGINT NOT NULL,
	ix_id      BIGINT NOT NULL,
	asn        BIGINT NOT NULL,
	data       JSONB NOT NULL,
	PRIMARY KEY (source_id, kind, obj_id, valid_from)
);

CREATE INDEX versions_by_ix ON versions (source_id, kind, ix_id, valid_from);
CREATE INDEX versions_by_asn ON versions (source_id, kind, asn, valid_from);

CREATE TABLE exchange_stats (
	snapshot_id  BIGINT NOT NULL REFERENCES snapshots (id),
	ix_id        BIGINT NOT NULL,
	members      INTEGER NOT NULL,
	connections  INTEGER NOT NULL,
	capacity     BIGINT NOT NULL,
	ipv6_members INTEGER NOT NULL,
	rs_members   INTEGER NOT NULL,
	PRIMARY KEY (snapshot_id, ix_id)
);

CREATE INDEX exchange_stats_by_ix ON exchange_stats (ix_id, snapshot_id);

CREATE TABLE runs (
	id          BIGSERIAL PRIMARY KEY,
	source      TEXT NOT NULL,
	started     BIGINT NOT NULL,
	finished    BIGINT NOT NULL,
	ok          BOOLEAN NOT NULL,
	error_kind  TEXT NOT NULL,
	error       TEXT NOT NULL,
	snapshot_id BIGINT,
	detail      TEXT NOT NULL
);

CREATE INDEX runs_by_source ON runs (source, started);
