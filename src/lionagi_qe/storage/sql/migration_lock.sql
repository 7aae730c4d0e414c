SELECT set_config('lock_timeout', %(lock_timeout)s, true), pg_advisory_xact_lock(%(lock)s)
