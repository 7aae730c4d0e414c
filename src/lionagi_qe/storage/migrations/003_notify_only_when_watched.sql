-- Changes are announced only while some process watches. A listener holds a shared advisory lock
-- on {watch_lock} for as long as its connection lives (released by the server when it dies); a
-- writing statement that can take that lock exclusively (held to its commit) knows nobody is
-- listening and sends nothing. NOTIFY costs every committing transaction a cluster-wide lock held
-- through the commit's disk flush; a fleet that never watches no longer pays it. A listener that
-- arrives meanwhile waits for that transaction to commit, and reads the state after subscribing.
CREATE OR REPLACE FUNCTION {schema}.notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_try_advisory_xact_lock({watch_lock}::bigint) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify(TG_ARGV[0], json_agg(key)::text)
    FROM (
        SELECT key, sum(octet_length(key) * 6 + 4) OVER (ROWS UNBOUNDED PRECEDING) / 4000 AS chunk
        FROM changed
    ) AS keys
    GROUP BY chunk;
    RETURN NULL;
END
$$;
