"""One trace as an OTLP ExportTraceServiceRequest in the OTLP/JSON mapping.

Built from the stored span rows, which keep what was sent losslessly
(docs/span-schema.md): attribute text and type codes back into AnyValues,
resource and scope attributes, events and links as the OTLP/JSON stored.
Posting the file to /v1/traces of another Studio stores the same spans.
Spans are grouped by resource, then by scope, in the order they first occur.
Not kept by the store, so not exported: schema URLs and the resource's and
scope's dropped attribute counts.
"""

from __future__ import annotations

from typing import Any

import orjson

from gls_engine.query.attributes import ARRAY, BOOL, BYTES, DOUBLE, EMPTY, INT, KVLIST


def any_value(text: str, type_code: int | None) -> dict[str, Any]:
    """A stored attribute (text and type code) as the OTLP/JSON AnyValue sent."""
    if type_code is None:
        return {"stringValue": text}
    if type_code == BOOL:
        return {"boolValue": text == "true"}
    if type_code == INT:
        return {"intValue": text}  # int64 is a decimal string in OTLP/JSON
    if type_code == DOUBLE:
        # NaN and the infinities travel as these strings in protobuf's JSON mapping.
        number = text if text in ("NaN", "Infinity", "-Infinity") else float(text)
        return {"doubleValue": number}
    if type_code == BYTES:
        return {"bytesValue": text}
    if type_code == ARRAY:
        return {"arrayValue": orjson.loads(text)}
    if type_code == KVLIST:
        return {"kvlistValue": orjson.loads(text)}
    if type_code == EMPTY:
        return {}
    return {"stringValue": text}


def span_attributes(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Every attribute sent: the map, plus the string kept once as input / output."""
    types = row["attribute_types"]
    attributes = [
        {"key": key, "value": any_value(text, types.get(key))}
        for key, text in row["attributes"].items()
    ]
    for key_column, text_column in (("input_key", "input"), ("output_key", "output")):
        if row[key_column]:
            attributes.append({"key": row[key_column], "value": {"stringValue": row[text_column]}})
    return attributes


def _json_list(text: str) -> list[Any]:
    return orjson.loads(text) if text else []


def _with_count(message: dict[str, Any], name: str, count: int) -> dict[str, Any]:
    if count:
        message[name] = count
    return message


def otlp_span(row: dict[str, Any]) -> dict[str, Any]:
    span: dict[str, Any] = {
        "traceId": row["trace_hex"],
        "spanId": row["span_hex"],
        "name": row["name"],
        "kind": row["kind"],
        "startTimeUnixNano": str(row["start_ns"]),
        "endTimeUnixNano": str(row["end_ns"]),
        "attributes": span_attributes(row),
        "events": _json_list(row["events"]),
        "links": _json_list(row["links"]),
        "status": {"code": row["status_code"], "message": row["status_message"]},
    }
    if row["parent_hex"]:
        span["parentSpanId"] = row["parent_hex"]
    if row["trace_state"]:
        span["traceState"] = row["trace_state"]
    if row["flags"]:
        span["flags"] = row["flags"]
    _with_count(span, "droppedAttributesCount", row["dropped_attributes_count"])
    _with_count(span, "droppedEventsCount", row["dropped_events_count"])
    return _with_count(span, "droppedLinksCount", row["dropped_links_count"])


def otlp_export_request(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The spans of `rows` (a trace's stored rows) as one ExportTraceServiceRequest."""
    resources: dict[str, dict[tuple[str, str, str], list[dict[str, Any]]]] = {}
    for row in rows:
        scope_key = (row["scope_name"], row["scope_version"], row["scope_attributes"] or "[]")
        scopes = resources.setdefault(row["resource_attributes"] or "[]", {})
        scopes.setdefault(scope_key, []).append(otlp_span(row))
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": orjson.loads(resource)},
                "scopeSpans": [
                    {
                        "scope": {
                            "name": name,
                            "version": version,
                            "attributes": orjson.loads(attributes),
                        },
                        "spans": spans,
                    }
                    for (name, version, attributes), spans in scopes.items()
                ],
            }
            for resource, scopes in resources.items()
        ]
    }
