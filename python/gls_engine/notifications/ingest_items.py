"""Notifications from the ingest counters: refusals and rejected spans of a period.

The counters are the Studio's, not a project's (a refusal happens before a
request is decoded, so before its project is known), and kept in memory since
the process started: each item says so.
"""

from __future__ import annotations

from typing import Any

from gls_engine.metrics import Counters


def _sum(added: dict[str, float], name: str) -> int:
    """A counter over all its labels (name, and name{...})."""
    return int(sum(v for k, v in added.items() if k == name or k.startswith(name + "{")))


def _plural(count: int, thing: str) -> str:
    return f"{count:,} {thing}{'' if count == 1 else 's'}"


def _studio_item(kind: str, severity: str, count: int, message: str) -> dict[str, Any]:
    """An item of the Studio's counters: it names no project and no traces."""
    return {
        "kind": kind,
        "severity": severity,
        "message": message,
        "count": count,
        "traces_query": None,
        "scope": "studio",
    }


def ingest_items(counters: Counters, start_ns: int, end_ns: int) -> list[dict[str, Any]]:
    added = counters.added_between(start_ns, end_ns)
    items = []
    refused_requests = _sum(added, "requests_refused")
    if refused_requests:
        refused_spans = _sum(added, "spans_refused")
        memory = int(added.get("requests_refused{reason=memory}", 0))
        why = f", {memory:,} for memory" if memory else ""
        items.append(
            _studio_item(
                "ingest_refused",
                "warning",
                refused_requests,
                f"{_plural(refused_requests, 'export request')} refused while the Studio"
                f" was busy{why} ({_plural(refused_spans, 'span')} in decoded requests);"
                " exporters that retry send them again",
            )
        )
    rejected = _sum(added, "spans_rejected")
    if rejected:
        items.append(
            _studio_item(
                "spans_rejected",
                "error",
                rejected,
                f"{_plural(rejected, 'span')} rejected as invalid (partial success;"
                " not stored: the exporter's log names why)",
            )
        )
    failed = _sum(added, "requests_failed")
    if failed:
        items.append(
            _studio_item(
                "requests_failed",
                "error",
                failed,
                f"{_plural(failed, 'export request')} could not be read (invalid, too"
                " large, or naming an invalid project) and were not stored",
            )
        )
    failed_spans = _sum(added, "spans_failed")
    if failed_spans:
        items.append(
            _studio_item(
                "spans_failed",
                "error",
                failed_spans,
                f"{_plural(failed_spans, 'span')} could not be written to storage;"
                " their exporters were told to retry",
            )
        )
    return items
