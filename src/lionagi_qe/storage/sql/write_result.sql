SELECT result FROM {schema}.write_log WHERE token = %(token)s
