SELECT EXISTS (
    SELECT 1 FROM {schema}.memory
    WHERE key = %(key)s AND (expires_at IS NULL OR expires_at > now())
)
