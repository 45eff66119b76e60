"""Benchmarks, one module each, run as `python -m bench.perf.<name>`; they print their
figures as a table and never assert timing."""
