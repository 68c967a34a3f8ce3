-- Latest state published by a process, not history (live BGP sessions).
CREATE TABLE status (
	key     TEXT PRIMARY KEY,
	value   TEXT NOT NULL,
	updated BIGINT NOT NULL
);
