"""Benchmarks on real data from ../shared (never copied into the repository)."""
