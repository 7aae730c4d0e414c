WITH written AS (
    UPDATE {schema}.memory AS m SET
        value = %(value)s::jsonb,
        version = m.version + 1,
        partition = %(partition)s,
        expires_at = now() + make_interval(secs => %(ttl)s),
        updated_at = now()
    WHERE m.key = %(key)s
      AND m.version = %(expected)s
      AND (m.expires_at IS NULL OR m.expires_at > now())
    RETURNING m.version
), logged AS (
    INSERT INTO {schema}.write_log (token, result)
    SELECT %(token)s, to_jsonb(version) FROM written
    RETURNING result
)
SELECT result FROM logged
