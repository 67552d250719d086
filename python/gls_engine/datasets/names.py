"""What datasets, items, splits and tags may be named: parsed into 400s naming the
parameter. Names go into URLs, so no '/' and no control characters."""

from __future__ import annotations

import re

from gls_engine.errors import InvalidParameterError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TAG_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _plain_text(name: str, value: object, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(f"{name} must be a non-empty string")
    if len(value) > max_chars:
        raise InvalidParameterError(f"{name} is over {max_chars} characters")
    if "/" in value or _CONTROL.search(value):
        raise InvalidParameterError(f"{name} may not hold '/' or control characters")
    if value in (".", ".."):
        # a URL path segment that clients resolve away
        raise InvalidParameterError(f"{name} may not be '.' or '..'")
    return value


def dataset_name(value: object, name: str = "name") -> str:
    return _plain_text(name, value, 200)


def item_id(value: object, max_chars: int, name: str = "id") -> str:
    return _plain_text(name, value, max_chars)


def split_name(value: object, max_chars: int, name: str = "split") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_chars or _CONTROL.search(value):
        raise InvalidParameterError(
            f"{name} must be null or a string of at most {max_chars} characters"
            " without control characters"
        )
    return value or None


def tag_name(value: str) -> str:
    if not TAG_RE.fullmatch(value) or value.isdigit():
        raise InvalidParameterError(
            "tag must be 1-64 letters, digits, '.', '_' or '-', not only digits"
            " (a number names a version)"
        )
    return value
