"""storage/day_answers.py's helpers and its memory bound (the stored answers
themselves are tested through the API: tests/query/test_facet_days.py,
tests/analytics/test_cost_day_answers.py)."""

from __future__ import annotations

import pytest

from gls_engine.storage import day_answers
from gls_engine.storage.day_answers import (
    DAY_NS,
    DayAnswers,
    Question,
    StoredDay,
    before_days,
    rows_days,
    uncovered,
    whole_days,
)


def test_whole_days_lie_inside_the_window():
    assert list(whole_days(10 * DAY_NS, 13 * DAY_NS)) == [10, 11, 12]
    assert list(whole_days(10 * DAY_NS + 1, 13 * DAY_NS - 1)) == [11]
    assert list(whole_days(10 * DAY_NS + 1, 11 * DAY_NS + 5)) == []


def test_uncovered_leaves_out_the_days_and_empty_ranges():
    start, end = 10 * DAY_NS + 5, 14 * DAY_NS + 7
    assert uncovered(start, end, [11, 12]) == [(start, 11 * DAY_NS), (13 * DAY_NS, end)]
    assert uncovered(11 * DAY_NS, 13 * DAY_NS, [11, 12]) == []
    assert uncovered(start, end, []) == [(start, end)]


def test_rows_days_are_each_start_day_and_the_next_before_days_the_first_and_the_one_before():
    one = [(10 * DAY_NS + 5, 11 * DAY_NS)]
    assert rows_days(one) == ["1970-01-11", "1970-01-12"]
    assert before_days(one[0][0]) == ["1970-01-10", "1970-01-11"]
    two = [(DAY_NS, 2 * DAY_NS), (4 * DAY_NS, 4 * DAY_NS + 1)]
    assert rows_days(two) == ["1970-01-02", "1970-01-03", "1970-01-05", "1970-01-06"]


def test_the_memory_holds_answers_up_to_its_bytes_newest_kept(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(day_answers, "MEMO_JSON_BYTES", 1000)
    memo = DayAnswers(store=None)  # type: ignore[arg-type]
    question = Question("facets", "", "p")
    for day in range(10):
        memo._keep(question, day, StoredDay(0, 0, {"day": day}, 300))
    assert memo._memo_bytes <= 1000
    assert [d for _, d in memo._memo] == [7, 8, 9]
    memo._keep(question, 8, StoredDay(0, 0, {"day": 8}, 300))  # kept again: now the newest
    memo._keep(question, 10, StoredDay(0, 0, {"day": 10}, 300))
    assert [d for _, d in memo._memo] == [9, 8, 10]  # the oldest (7) went
    assert memo._memo_bytes == 300 * len(memo._memo)
