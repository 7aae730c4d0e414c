-- Shared memory of the QE fleet: one row per key, live or expired but not yet swept.
-- `key` sorts by code point (COLLATE "C"), as Python sorts str, and serves LIKE prefixes.
CREATE TABLE {schema}.memory (
    key        text COLLATE "C" PRIMARY KEY,
    value      jsonb NOT NULL,
    version    bigint NOT NULL CHECK (version > 0),
    partition  text NOT NULL,
    expires_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 90);

-- No index on partition: clear_partition and per-partition counts are rare and scan,
-- while every write would pay for one more index entry.
CREATE INDEX memory_expires_at_idx ON {schema}.memory (expires_at) WHERE expires_at IS NOT NULL;

-- The outcome of every write, keyed by a token the client picks, so a write whose
-- connection broke is looked up instead of guessed: applied exactly once.
CREATE TABLE {schema}.write_log (
    token      uuid PRIMARY KEY,
    result     jsonb NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX write_log_written_at_idx ON {schema}.write_log (written_at);

-- One notification per statement and chunk of changed keys (a JSON array under
-- 8000 bytes: each key counts 6 bytes per byte, the worst case of JSON escaping).
CREATE FUNCTION {schema}.notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], json_agg(key)::text)
    FROM (
        SELECT key, sum(octet_length(key) * 6 + 4) OVER (ROWS UNBOUNDED PRECEDING) / 4000 AS chunk
        FROM changed
    ) AS keys
    GROUP BY chunk;
    RETURN NULL;
END
$$;

CREATE TRIGGER memory_inserted AFTER INSERT ON {schema}.memory
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.notify_changes({channel});

CREATE TRIGGER memory_updated AFTER UPDATE ON {schema}.memory
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.notify_changes({channel});

CREATE TRIGGER memory_deleted AFTER DELETE ON {schema}.memory
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.notify_changes({channel});
