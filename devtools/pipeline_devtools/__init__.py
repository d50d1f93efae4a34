"""Development helpers for tests, demo and benchmarks."""
