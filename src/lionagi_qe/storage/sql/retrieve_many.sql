SELECT key, value FROM {schema}.memory
WHERE key = ANY(%(keys)b::text[]) AND (expires_at IS NULL OR expires_at > now())
