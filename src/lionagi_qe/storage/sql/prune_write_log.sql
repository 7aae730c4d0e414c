DELETE FROM {schema}.write_log WHERE written_at < now() - make_interval(secs => %(keep)s)
