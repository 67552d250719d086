"""The error the client raises for a refused request, with the Studio's own message."""

from __future__ import annotations


class StudioError(Exception):
    """The Studio answered `status` (code and message from its error body)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
