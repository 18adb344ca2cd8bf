"""The soak benchmark's RSS slope: least squares over the samples, in bytes per hour."""

from __future__ import annotations

from bench.soak import slope_per_hour


def test_a_steady_growth_gives_its_rate_per_hour_and_flat_memory_zero() -> None:
    growing = [(t * 5.0, 100_000_000 + 1000 * t) for t in range(100)]  # 1000 B per 5 s
    assert round(slope_per_hour(growing)) == 720_000
    assert slope_per_hour([(t * 5.0, 7) for t in range(100)]) == 0
    assert slope_per_hour([(0.0, 7)]) == 0  # too few samples to tell


def test_a_sawtooth_around_a_level_has_a_slope_near_zero() -> None:
    saw = [(t * 5.0, 500_000_000 + (t % 12) * 1_000_000) for t in range(120)]
    assert abs(slope_per_hour(saw)) < 0.02 * 500_000_000
