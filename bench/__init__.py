"""Benchmarks: each ``bench/<area>.py`` exposes ``main() -> int`` and reports ratios to a
baseline measured in the same run (run one with ``python -m bench.<name>``, all with
``python -m bench``). Not part of the test suite: speed is never asserted in tests."""
