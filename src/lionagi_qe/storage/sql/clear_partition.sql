WITH deleted AS (
    DELETE FROM {schema}.memory
    WHERE partition = %(partition)s
    RETURNING expires_at IS NULL OR expires_at > now() AS live
), logged AS (
    INSERT INTO {schema}.write_log (token, result)
    SELECT %(token)s, to_jsonb(count(*) FILTER (WHERE live)) FROM deleted
    RETURNING result
)
SELECT result FROM logged
