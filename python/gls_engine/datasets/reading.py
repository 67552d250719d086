"""Reading one version of a dataset: its items in pages, in item order, optionally
of one split and holding a text.

Version V is every revision with version <= V < until_version (or still open)
that is not a delete. Pages go on from the last item id (keyset; never OFFSET):
the revisions index (dataset_id, item_id, version) walks the dataset in item
order from there. The version bound is written `version + 0` so neither engine
takes the (dataset_id, version, item_id) index instead and sorts a million rows.

A split page walks the index (dataset_id, split, item_id): only that split's
revisions. A search (a case-insensitive substring of the input, expected output
and metadata, search_text.py) of a term with three letters or digits in a row
uses the engine's trigram index (dataset_item_search.py). SQLite: the FTS5
table gives the matching revisions in item order from the cursor (full pages).
PostgreSQL: the page walks the next limits.max_scanned_per_page revisions (a
common term fills it there), walks on while the matches found say a few
windows more fill it, then asks the GIN index for the rest within a time
budget (a term whose trigrams are in most items makes the index read most of
itself); past the budget it answers the window's matches and a cursor. A
shorter term has no trigram: its page looks at the window only, and answers
what matched in it with a cursor to go on from (searched_to_end false).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, column, func, or_, select, table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gls_engine import request_params as p
from gls_engine.datasets.items import item_json
from gls_engine.datasets.search_text import indexable, search_term
from gls_engine.metadata.models import dataset_item_search as search_index
from gls_engine.metadata.models.datasets import DatasetItemRevisionRow, DatasetItemRow

Rev = DatasetItemRevisionRow
Item = DatasetItemRow
MAX_PAGE = 1000
MAX_SEARCH_CHARS = 256


@dataclass(frozen=True)
class ItemFilter:
    split: str | None = None
    search: str | None = None

    @property
    def windowed(self) -> bool:
        """A search no index answers: its pages look at a bounded window."""
        return self.search is not None and self.search != "" and not indexable(self.search)


def in_version(dataset_id: int, version: int) -> ColumnElement[bool]:
    return and_(
        Rev.dataset_id == dataset_id,
        Rev.version + 0 <= version,
        or_(Rev.until_version.is_(None), Rev.until_version > version),
        Rev.kind != "delete",
    )


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _split_match(filters: ItemFilter) -> list[ColumnElement[bool]]:
    return [] if filters.split is None else [Rev.split == filters.split]


def _text_match(filters: ItemFilter, *, indexed: bool) -> ColumnElement[bool]:
    """search_text holding the term; indexed False writes it as `search_text || ''`,
    which no index serves, so PostgreSQL walks its window instead of taking the
    GIN index (whose cost for a term of common trigrams is unbounded)."""
    pattern = _like_pattern(search_term(filters.search or ""))
    column = Rev.search_text if indexed else Rev.search_text + ""
    return column.like(pattern, escape="\\")


_fts = table(search_index.SQLITE_TABLE, column("rowid", Integer), column("search_text"))
PageSelect = Select[DatasetItemRevisionRow, str, str | None, str | None]
# PostgreSQL: a search that found matches in its first window walks on for at most
# this many windows more when that should fill the page
WALK_WINDOWS = 5


def _fts_matches(query: PageSelect, filters: ItemFilter, after: int) -> PageSelect:
    """Joins the FTS5 matches of the term from the cursor's item on, in item order
    (their rowid is item_id * 2^31 + version)."""
    key = _fts.c.rowid
    return (
        query.join(
            _fts,
            and_(
                Rev.item_id == key.op(">>")(search_index.VERSION_BITS),
                Rev.version == key.op("&")(search_index.VERSION_MASK),
            ),
        )
        .where(
            _fts.c.search_text.match(search_index.fts_phrase(search_term(filters.search or ""))),
            key >= (after + 1) << search_index.VERSION_BITS,
        )
        .order_by(key)
    )


def _items_select() -> PageSelect:
    return select(Rev, Item.external_id, Item.source_trace_id, Item.source_span_id).join(
        Item, Item.id == Rev.item_id
    )


def _answers(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [item_json(r[1], r[0], r[2], r[3]) for r in rows]


def _page(rows: Sequence[Any], limit: int, cursor_if_short: int | None) -> dict[str, Any]:
    """A page of up to `limit` of `rows` (one more: there are more); a short page
    goes on from cursor_if_short when the search stopped before the end."""
    if len(rows) > limit:
        rows = rows[:limit]
        return {
            "items": _answers(rows),
            "next_cursor": p.encode_cursor([rows[-1][0].item_id]),
            "searched_to_end": False,
        }
    if cursor_if_short is not None:
        return {
            "items": _answers(rows),
            "next_cursor": p.encode_cursor([cursor_if_short]),
            "searched_to_end": False,
        }
    return {"items": _answers(rows), "next_cursor": None, "searched_to_end": True}


@dataclass(frozen=True)
class PageBounds:
    # revisions a search page walks in item order before it answers or looks further
    max_scanned: int
    # PostgreSQL: how long a page may look up its term in the trigram index
    index_budget_ms: int


async def read_page(
    session: AsyncSession,
    dataset_id: int,
    version: int,
    filters: ItemFilter,
    limit: int,
    cursor: str | None,
    bounds: PageBounds,
) -> dict[str, Any]:
    """{"items": [...], "next_cursor": str | None, "searched_to_end": bool}."""
    after = p.decode_cursor(cursor, (int,))[0] if cursor else 0
    # Item.id bounded too: PostgreSQL merge-joins the two tables in id order and
    # would otherwise walk the items from the first (42 ms at depth 100K, not 0.1)
    query = _items_select().where(
        in_version(dataset_id, version), Rev.item_id > after, Item.id > after
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    if not filters.search or (not filters.windowed and not postgres):
        # plain and split pages walk their index, SQLite's searches their FTS5 matches
        query = query.where(*_split_match(filters))
        if filters.search:
            query = _fts_matches(query, filters, after)
        else:
            query = query.order_by(Rev.item_id)
        return _page((await session.execute(query.limit(limit + 1))).all(), limit, None)

    # The next max_scanned revisions walked in item order: a common term fills the
    # page here, and a term without trigrams looks no further.
    scanned_to = await _window_end(session, dataset_id, after, bounds.max_scanned)
    if scanned_to is None:
        return _page([], limit, None)
    rows = await _walk(session, query, filters, scanned_to, limit + 1)
    if len(rows) > limit:
        return _page(rows, limit, None)
    if filters.windowed:
        more = await _window_end(session, dataset_id, scanned_to, 1)
        return _page(rows, limit, None if more is None else scanned_to)
    if rows:
        # matches this dense fill the page within a few windows more: walked on
        # (a bitmap of all the term's matches would cost more)
        wanted = limit + 1 - len(rows)
        further = bounds.max_scanned * wanted // len(rows) * 2
        if further <= bounds.max_scanned * WALK_WINDOWS:
            walked_to = scanned_to
            scanned_to = await _window_end(session, dataset_id, walked_to, further)
            if scanned_to is None:
                return _page(rows, limit, None)
            past = query.where(Rev.item_id > walked_to, Item.id > walked_to)
            rows += await _walk(session, past, filters, scanned_to, wanted)
            if len(rows) > limit:
                return _page(rows, limit, None)
    if await _window_end(session, dataset_id, scanned_to, 1) is None:
        return _page(rows, limit, None)
    found = await _postgres_index_matches(
        session, dataset_id, version, filters, scanned_to, limit + 1 - len(rows), bounds
    )
    if found is None:  # the index lookup ran past its budget: go on from the window
        return _page(rows, limit, scanned_to)
    return _page(rows + found, limit, None)


async def _window_end(
    session: AsyncSession, dataset_id: int, after: int, revisions: int
) -> int | None:
    """The last item id among the next `revisions` revisions past `after` (None:
    there are none), read from the index alone."""
    window = (
        select(Rev.item_id)
        .where(Rev.dataset_id == dataset_id, Rev.item_id > after)
        .order_by(Rev.item_id)
        .limit(revisions)
        .subquery()
    )
    return await session.scalar(select(func.max(window.c.item_id)))


async def _walk(
    session: AsyncSession, query: PageSelect, filters: ItemFilter, to: int, wanted: int
) -> list[Any]:
    """Up to `wanted` matches of the page's query up to item `to`, in item order,
    the term compared revision by revision."""
    walked = query.where(
        Rev.item_id <= to,
        Item.id <= to,
        *_split_match(filters),
        _text_match(filters, indexed=False),
    )
    return list((await session.execute(walked.order_by(Rev.item_id).limit(wanted))).all())


async def _postgres_index_matches(
    session: AsyncSession,
    dataset_id: int,
    version: int,
    filters: ItemFilter,
    after: int,
    wanted: int,
    bounds: PageBounds,
) -> list[Any] | None:
    """The first `wanted` items past `after` holding the term, found by the GIN
    index (a bitmap of its matches, sorted: the item order is not the index's),
    or None when that takes longer than the budget: a term whose trigrams are in
    most items makes the index read most of itself."""
    keys = (
        select(Rev.item_id)
        .where(
            in_version(dataset_id, version),
            # `+ 0`: not the item-order walk, which a match far away makes long
            Rev.item_id + 0 > after,
            *_split_match(filters),
            _text_match(filters, indexed=True),
        )
        .order_by(Rev.item_id + 0)
        .limit(wanted)
    )
    try:
        async with session.begin_nested():
            await session.execute(
                text(f"SET LOCAL statement_timeout = {max(1, int(bounds.index_budget_ms))}")
            )
            item_ids = list(await session.scalars(keys))
            await session.execute(text("SET LOCAL statement_timeout TO DEFAULT"))
    except DBAPIError as exc:
        if _cancelled(exc):
            return None
        raise
    if not item_ids:
        return []
    return list(
        (
            await session.execute(
                _items_select()
                .where(in_version(dataset_id, version), Rev.item_id.in_(item_ids))
                .order_by(Rev.item_id)
            )
        ).all()
    )


def _cancelled(exc: DBAPIError) -> bool:
    """PostgreSQL's query_canceled (57014): statement_timeout ran out."""
    cause: BaseException | None = exc.orig
    while cause is not None:
        if getattr(cause, "sqlstate", None) == "57014":
            return True
        cause = cause.__cause__
    return False


async def read_item(
    session: AsyncSession, dataset_id: int, version: int, external_id: str
) -> dict[str, Any] | None:
    row = (
        await session.execute(
            _items_select().where(
                in_version(dataset_id, version),
                Item.dataset_id == dataset_id,
                Item.external_id == external_id,
            )
        )
    ).first()
    return None if row is None else _answers([row])[0]


async def items_at(
    session: AsyncSession, dataset_id: int, version: int, item_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """Item row id -> the item as `version` has it, for those of `item_ids` it holds."""
    if not item_ids:
        return {}
    rows = (
        await session.execute(
            _items_select().where(in_version(dataset_id, version), Rev.item_id.in_(list(item_ids)))
        )
    ).all()
    return {r[0].item_id: item for r, item in zip(rows, _answers(rows), strict=True)}


async def iterate_version(
    sessions: async_sessionmaker[AsyncSession],
    dataset_id: int,
    version: int,
    split: str | None,
    chunk: int,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every item of a version in item order, `chunk` at a time (export). A session
    per chunk: a long export never holds SQLite's one connection between chunks,
    and the version, immutable, reads the same across them."""
    after = 0
    conditions = [in_version(dataset_id, version)]
    if split is not None:
        conditions.append(Rev.split == split)
    while True:
        async with sessions() as session:
            rows = (
                await session.execute(
                    _items_select()
                    .where(*conditions, Rev.item_id > after, Item.id > after)
                    .order_by(Rev.item_id)
                    .limit(chunk)
                )
            ).all()
        if not rows:
            return
        yield _answers(rows)
        after = rows[-1][0].item_id
