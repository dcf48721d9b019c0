"""Benchmarks: `make bench` runs tests.perf.bench; nothing here is part of `make test`."""
