"""Error bodies for OTLP receivers: a google.rpc.Status in the request's encoding.

OTLP/HTTP says 4xx/5xx bodies are a Status message (protobuf or JSON, like the
request). The JSON form also carries the Studio's own `error` object so every
JSON error the Studio sends has `{"error": {"code", "message"}}`. Which code
and status an error gets is error_status.py's to say.
"""

from __future__ import annotations

import orjson


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def status_protobuf(code: int, message: str) -> bytes:
    """google.rpc.Status{code=1, message=2} (no details)."""
    text = message.encode("utf-8", "replace")
    return b"\x08" + varint(code) + b"\x12" + varint(len(text)) + text


def status_json(code: int, message: str, error_code: str) -> bytes:
    return orjson.dumps(
        {"code": code, "message": message, "error": {"code": error_code, "message": message}}
    )
