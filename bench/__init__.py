"""Benchmarks of Volunteer Star: `make bench` (or `python -m bench`)."""
