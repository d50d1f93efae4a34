"""Property history: which properties keep history, the `{type}_property_history` streams and
the read hook that batch-reads every emitted record's versions."""
