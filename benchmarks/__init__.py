"""Benchmarks (not collected by pytest): ``python -m benchmarks`` runs every ``bench_*`` module."""
