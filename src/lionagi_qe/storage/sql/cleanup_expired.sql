DELETE FROM {schema}.memory WHERE expires_at <= now()
