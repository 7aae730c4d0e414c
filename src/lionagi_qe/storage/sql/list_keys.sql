SELECT key FROM {schema}.memory
WHERE key LIKE %(pattern)s ESCAPE E'\\' AND (expires_at IS NULL OR expires_at > now())
ORDER BY key
