SELECT partition, count(*) FROM {schema}.memory
WHERE expires_at IS NULL OR expires_at > now()
GROUP BY partition
