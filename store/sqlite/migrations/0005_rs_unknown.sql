-- The route-server figure of an exchange is unknown when a connection
-- counted for it comes from a source without the route-server flag
-- (PeeringDB v1 archives, 2010-2016): rs_members is then 0 and means
-- nothing, and readers show null.
ALTER TABLE exchange_stats ADD COLUMN rs_unknown INTEGER NOT NULL DEFAULT 0;
