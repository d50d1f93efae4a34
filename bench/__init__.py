"""One-command benchmarks of the whole pipeline: ``python -m bench`` (see BENCHMARKS.md)."""
