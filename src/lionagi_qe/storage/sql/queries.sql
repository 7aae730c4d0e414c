-- Every statement of the PostgreSQL backend, each in a section that starts with
-- "-- name: <name>" (the comment lines right under it describe it). Read and composed
-- once per schema by lionagi_qe.storage.pg_sql.Queries:
--   {schema}   the fleet's schema, as a quoted identifier;
--   {<name>}   the section of that name, a fragment written once and used where named.
-- Values are always parameters: %(name)s, or %(name)b for arrays sent in binary.


-- Fragments -------------------------------------------------------------------

-- name: live
-- True for a row whose TTL has not run out.
(expires_at IS NULL OR expires_at > now())

-- name: overwrite
-- The conflict clause of every insert of `memory AS m`: the new value replaces the old one,
-- and the version counts on from the old one, or starts again at 1 if the old one had expired.
ON CONFLICT (key) DO UPDATE SET
    value = EXCLUDED.value,
    version = CASE WHEN m.expires_at <= now() THEN 1 ELSE m.version + 1 END,
    partition = EXCLUDED.partition,
    expires_at = EXCLUDED.expires_at,
    updated_at = now()

-- name: log_outcome
-- The end of every write, after a CTE `outcome` of at most one row (its `result`, as jsonb): the
-- result is recorded under the write's token in the same statement and returned, so a write whose
-- connection broke is looked up (write_result) instead of being applied twice.
logged AS (
    INSERT INTO {schema}.write_log (token, result)
    SELECT %(token)s, result FROM outcome
    RETURNING result
)
SELECT result FROM logged


-- Reads -----------------------------------------------------------------------

-- name: retrieve
SELECT value, version FROM {schema}.memory
WHERE key = %(key)s AND {live}

-- name: retrieve_many
SELECT key, value FROM {schema}.memory
WHERE key = ANY(%(keys)b::text[]) AND {live}

-- name: exists
SELECT EXISTS (SELECT 1 FROM {schema}.memory WHERE key = %(key)s AND {live})

-- name: search
SELECT key, value FROM {schema}.memory
WHERE key LIKE %(pattern)s ESCAPE E'\\' AND {live}
ORDER BY key

-- name: list_keys
SELECT key FROM {schema}.memory
WHERE key LIKE %(pattern)s ESCAPE E'\\' AND {live}
ORDER BY key

-- name: connection_budget
SELECT current_setting('max_connections')::int,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int,
       current_setting('superuser_reserved_connections')::int
       + coalesce(current_setting('reserved_connections', true)::int, 0)

-- name: partition_counts
SELECT partition, count(*) FROM {schema}.memory
WHERE {live}
GROUP BY partition

-- name: entries
-- A page of live entries under a prefix after a key, in key order, with the seconds each has left (export).
SELECT key, value, EXTRACT(EPOCH FROM expires_at - now())::float8, partition FROM {schema}.memory
WHERE key LIKE %(pattern)s ESCAPE E'\\' AND key > %(after)s AND {live}
ORDER BY key
LIMIT %(limit)s

-- name: write_result
-- The logged outcome of the write with this token, if it committed.
SELECT result FROM {schema}.write_log WHERE token = %(token)s


-- Writes (each logs its outcome) ----------------------------------------------

-- name: store
-- One value; the outcome is its new version.
WITH outcome AS (
    INSERT INTO {schema}.memory AS m (key, value, version, partition, expires_at)
    VALUES (%(key)s, %(value)s::json, 1, %(partition)s, now() + make_interval(secs => %(ttl)s))
    {overwrite}
    RETURNING to_jsonb(m.version) AS result
), {log_outcome}

-- name: store_batch
-- Values of different keys, each with its own partition and TTL (group commit);
-- the outcome is {key: new version}.
WITH written AS (
    INSERT INTO {schema}.memory AS m (key, value, version, partition, expires_at)
    SELECT k, v, 1, p, now() + make_interval(secs => t::float8)
    FROM ROWS FROM (
        json_array_elements_text(%(keys)s::json),
        json_array_elements(%(values)s::json),
        json_array_elements_text(%(partitions)s::json),
        json_array_elements_text(%(ttls)s::json)
    ) AS u (k, v, p, t)
    {overwrite}
    RETURNING m.key, m.version
), outcome AS (
    SELECT jsonb_object_agg(key, version) AS result FROM written
), {log_outcome}

-- name: store_many
-- Values sharing one partition and TTL; the outcome is how many were written.
WITH written AS (
    INSERT INTO {schema}.memory AS m (key, value, version, partition, expires_at)
    SELECT k, v, 1, %(partition)s, now() + make_interval(secs => %(ttl)s)
    FROM ROWS FROM (json_array_elements_text(%(keys)s::json), json_array_elements(%(values)s::json)) AS u (k, v)
    {overwrite}
    RETURNING 1
), outcome AS (
    SELECT to_jsonb(count(*)) AS result FROM written
), {log_outcome}

-- name: compare_and_insert
-- Only if the key is absent or expired; the outcome is version 1, or no row if the key is live.
WITH outcome AS (
    INSERT INTO {schema}.memory AS m (key, value, version, partition, expires_at)
    VALUES (%(key)s, %(value)s::json, 1, %(partition)s, now() + make_interval(secs => %(ttl)s))
    {overwrite}
    WHERE m.expires_at <= now()
    RETURNING to_jsonb(m.version) AS result
), {log_outcome}

-- name: compare_and_update
-- Only if the live key is at the expected version; the outcome is the new version, or no row.
WITH outcome AS (
    UPDATE {schema}.memory AS m SET
        value = %(value)s::json,
        version = m.version + 1,
        partition = %(partition)s,
        expires_at = now() + make_interval(secs => %(ttl)s),
        updated_at = now()
    WHERE m.key = %(key)s AND m.version = %(expected)s AND {live}
    RETURNING to_jsonb(m.version) AS result
), {log_outcome}

-- name: delete
-- The outcome is 1 if a live key was deleted, else 0.
WITH deleted AS (
    DELETE FROM {schema}.memory
    WHERE key = %(key)s
    RETURNING {live} AS was_live
), outcome AS (
    SELECT to_jsonb(count(*) FILTER (WHERE was_live)) AS result FROM deleted
), {log_outcome}

-- name: clear_partition
-- The outcome is how many live keys were deleted.
WITH deleted AS (
    DELETE FROM {schema}.memory
    WHERE partition = %(partition)s
    RETURNING {live} AS was_live
), outcome AS (
    SELECT to_jsonb(count(*) FILTER (WHERE was_live)) AS result FROM deleted
), {log_outcome}


-- Maintenance -----------------------------------------------------------------

-- name: cleanup_expired
DELETE FROM {schema}.memory WHERE expires_at <= now()

-- name: prune_write_log
DELETE FROM {schema}.write_log WHERE written_at < now() - make_interval(secs => %(keep)s)


-- Migrations (see storage/migrations/) -----------------------------------------

-- name: migration_lock
-- For this transaction only: no statement_timeout (a migration may rewrite a large table), and the
-- given lock_timeout for the lock below and the table locks of the migration.
SELECT set_config('statement_timeout', '0', true), set_config('lock_timeout', %(lock_timeout)s, true),
    pg_advisory_xact_lock(%(lock)s)

-- name: create_schema
CREATE SCHEMA IF NOT EXISTS {schema}

-- name: migrations_table
CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)

-- name: migrations_table_exists
SELECT to_regclass(%(table)s) IS NOT NULL

-- name: migrations_applied
SELECT version FROM {schema}.schema_migrations

-- name: schema_version
SELECT max(version) FROM {schema}.schema_migrations

-- name: record_migration
INSERT INTO {schema}.schema_migrations (version, name) VALUES (%(version)s, %(name)s)
