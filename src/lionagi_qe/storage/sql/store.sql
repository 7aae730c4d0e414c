WITH written AS (
    INSERT INTO {schema}.memory AS m (key, value, version, partition, expires_at)
    VALUES (%(key)s, %(value)s::jsonb, 1, %(partition)s, now() + make_interval(secs => %(ttl)s))
    ON CONFLICT (key) DO UPDATE SET
        value = EXCLUDED.value,
        version = CASE WHEN m.expires_at <= now() THEN 1 ELSE m.version + 1 END,
        partition = EXCLUDED.partition,
        expires_at = EXCLUDED.expires_at,
        updated_at = now()
    RETURNING m.version
), logged AS (
    INSERT INTO {schema}.write_log (token, result)
    SELECT %(token)s, to_jsonb(version) FROM written
    RETURNING result
)
SELECT result FROM logged
