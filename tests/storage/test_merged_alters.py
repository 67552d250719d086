"""A migration's consecutive simple ALTERs of one table run as one ALTER of several
actions (each ALTER costs a metadata commit); anything else runs as written, in
order."""

from __future__ import annotations

from gls_engine.storage.migrate import merged_alters, split_statements

SQL = """
-- columns
ALTER TABLE spans ADD COLUMN IF NOT EXISTS a UInt8;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS b Nullable(Float64);
ALTER TABLE spans ADD INDEX IF NOT EXISTS idx_b b TYPE minmax GRANULARITY 1;
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS c SimpleAggregateFunction(sum, UInt64);
ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS d UInt8;
DROP VIEW IF EXISTS v;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS e UInt8;
ALTER TABLE spans MODIFY SETTING index_granularity = 8192;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS f UInt8 SETTINGS mutations_sync = 2;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS g UInt8;
"""


def test_consecutive_adds_of_one_table_are_one_alter_and_the_rest_keep_their_order() -> None:
    assert merged_alters(split_statements(SQL)) == [
        "ALTER TABLE spans ADD COLUMN IF NOT EXISTS a UInt8,"
        " ADD COLUMN IF NOT EXISTS b Nullable(Float64),"
        " ADD INDEX IF NOT EXISTS idx_b b TYPE minmax GRANULARITY 1",
        "ALTER TABLE trace_summaries ADD COLUMN IF NOT EXISTS c SimpleAggregateFunction(sum, UInt64),"
        " ADD COLUMN IF NOT EXISTS d UInt8",
        "DROP VIEW IF EXISTS v",
        "ALTER TABLE spans ADD COLUMN IF NOT EXISTS e UInt8",
        "ALTER TABLE spans MODIFY SETTING index_granularity = 8192",
        "ALTER TABLE spans ADD COLUMN IF NOT EXISTS f UInt8 SETTINGS mutations_sync = 2",
        "ALTER TABLE spans ADD COLUMN IF NOT EXISTS g UInt8",
    ]
