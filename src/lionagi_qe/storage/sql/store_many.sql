WITH written AS (
    INSERT INTO {schema}.memory AS m (key, value, version, partition, expires_at)
    SELECT k, v, 1, %(partition)s, now() + make_interval(secs => %(ttl)s)
    FROM ROWS FROM (json_array_elements_text(%(keys)s::json), jsonb_array_elements(%(values)s::jsonb)) AS u (k, v)
    ON CONFLICT (key) DO UPDATE SET
        value = EXCLUDED.value,
        version = CASE WHEN m.expires_at <= now() THEN 1 ELSE m.version + 1 END,
        partition = EXCLUDED.partition,
        expires_at = EXCLUDED.expires_at,
        updated_at = now()
    RETURNING 1
), logged AS (
    INSERT INTO {schema}.write_log (token, result)
    SELECT %(token)s, to_jsonb(count(*)) FROM written
    RETURNING result
)
SELECT result FROM logged
