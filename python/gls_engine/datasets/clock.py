"""Times stored for datasets: UTC to the millisecond, so what is answered is what is
read back later on either backend."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat(timespec="milliseconds")
