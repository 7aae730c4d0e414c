WITH written AS (
    INSERT INTO {schema}.memory AS m (key, value, version, partition, expires_at)
    SELECT k, v, 1, p, now() + make_interval(secs => t::float8)
    FROM ROWS FROM (
        json_array_elements_text(%(keys)s::json),
        jsonb_array_elements(%(values)s::jsonb),
        json_array_elements_text(%(partitions)s::json),
        json_array_elements_text(%(ttls)s::json)
    ) AS u (k, v, p, t)
    ON CONFLICT (key) DO UPDATE SET
        value = EXCLUDED.value,
        version = CASE WHEN m.expires_at <= now() THEN 1 ELSE m.version + 1 END,
        partition = EXCLUDED.partition,
        expires_at = EXCLUDED.expires_at,
        updated_at = now()
    RETURNING m.key, m.version
), logged AS (
    INSERT INTO {schema}.write_log (token, result)
    SELECT %(token)s, jsonb_object_agg(key, version) FROM written
    RETURNING result
)
SELECT result FROM logged
