"""Insight days are UTC dates: one rule for storage, rebuild and display labels."""

from datetime import UTC, date, datetime


def utc_day(at: datetime) -> date:
    return at.astimezone(UTC).date()
