"""Singer target for PostgreSQL with upsert and force-overwrite."""
