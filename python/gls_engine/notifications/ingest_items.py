"""Notifications from the ingest counters: refusals and rejected spans of a period.

The counters are the Studio's (a refusal before a request is decoded cannot
know its project), kept in memory since the process started: their items have
scope "studio". Rejections and refusals of decoded requests whose spans are of
one project are also counted as project_*{project=...} (ingest/pipeline.py),
and that project is shown its own share with scope "project".
"""

from __future__ import annotations

from typing import Any

from gls_engine.metrics import Counters


def _labels(key: str) -> dict[str, str]:
    """The labels of a counter's key, name{a=1,b=2}; values hold no ',' or '='
    (project names are [A-Za-z0-9._-]; reasons are the Studio's words)."""
    _, _, inside = key.partition("{")
    return dict(pair.split("=", 1) for pair in inside.rstrip("}").split(",") if "=" in pair)


def _sum(added: dict[str, float], name: str, **labels: str) -> int:
    """A counter over all its labels (name, and name{...}), or over those with `labels`."""
    total = 0.0
    for key, value in added.items():
        if key == name or key.startswith(name + "{"):
            have = _labels(key)
            if all(have.get(k) == v for k, v in labels.items()):
                total += value
    return int(total)


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


def _project_items(added: dict[str, float], project: str) -> list[dict[str, Any]]:
    """The project's own share of refusals and rejections (none of its spans were
    stored, so there are no traces to link to)."""
    items = []
    refused = _sum(added, "project_requests_refused", project=project)
    if refused:
        spans = _sum(added, "project_spans_refused", project=project)
        items.append(
            {
                "kind": "ingest_refused",
                "severity": "warning",
                "message": f"{_plural(refused, 'export request')} of this project refused while"
                f" the Studio was busy ({_plural(spans, 'span')}); exporters that retry send"
                " them again",
                "count": refused,
                "traces_query": None,
                "scope": "project",
            }
        )
    rejected = _sum(added, "project_spans_rejected", project=project)
    if rejected:
        items.append(
            {
                "kind": "spans_rejected",
                "severity": "error",
                "message": f"{_plural(rejected, 'span')} of this project rejected as invalid"
                " (partial success; not stored: the exporter's log names why)",
                "count": rejected,
                "traces_query": None,
                "scope": "project",
            }
        )
    return items


def ingest_items(
    counters: Counters, start_ns: int, end_ns: int, project: str | None = None
) -> list[dict[str, Any]]:
    added = counters.added_between(start_ns, end_ns)
    items = _project_items(added, project) if project is not None else []
    refused_requests = _sum(added, "requests_refused")
    if refused_requests:
        refused_spans = _sum(added, "spans_refused")
        memory = _sum(added, "requests_refused", reason="memory")
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
