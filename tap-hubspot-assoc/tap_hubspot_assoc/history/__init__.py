"""Property history: which properties keep history, the `{type}_property_history` streams and
the page consumer that batch-reads every emitted record's versions."""
