"""Realistic cases in bulk for benchmarks (`manage.py generate_cases`). No models."""
