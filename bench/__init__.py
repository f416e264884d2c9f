"""Benchmarks of the platform. Each prints ratios against a baseline measured in the same run
and writes its numbers to bench/results/<name>.json."""
