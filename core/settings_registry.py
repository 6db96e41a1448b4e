"""Settings of the platform itself, in the settings registry."""

from .registry import register

register(
    "health.beat_max_age",
    "duration",
    900,
    "The health check reports beat as stale when no periodic job ran for this long.",
    min_value=60,
)
