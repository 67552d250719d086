"""Any JSON value in one column, scalars included, alike on both backends.

SQLite gives a column declared JSON numeric affinity, so the JSON text "0" or
"1.50" comes back as a number and SQLAlchemy's JSON type fails to parse it; here
SQLite stores the text in a TEXT column. PostgreSQL keeps JSON (as sent, key
order kept). None is SQL NULL.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import JSON, Dialect, Text, TypeDecorator
from sqlalchemy.types import TypeEngine


class JsonValue(TypeDecorator[Any]):
    impl = JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(JSON(none_as_null=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name == "sqlite" and value is not None:
            return orjson.dumps(value).decode()
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name == "sqlite" and value is not None:
            return orjson.loads(value)
        return value
