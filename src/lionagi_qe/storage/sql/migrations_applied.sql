SELECT version FROM {schema}.schema_migrations
