"""``python -m bench``: run every benchmark and write BENCHMARKS.md."""

from bench.run_all import main

if __name__ == "__main__":
    main()
