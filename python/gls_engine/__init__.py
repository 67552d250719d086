"""GreenLang Studio: traces of LLM and agent apps, with their cost and carbon.

The public Python API, chosen by hand; the Rust core lives in `_core`.
"""

from gls_engine._core import (
    BodyTooLargeError,
    CoreError,
    DecodedBatch,
    DecodeError,
    decode_traces,
    encode_export_response,
    span_schema,
)

__version__ = "0.1.0"

__all__ = [
    "BodyTooLargeError",
    "CoreError",
    "DecodeError",
    "DecodedBatch",
    "__version__",
    "decode_traces",
    "encode_export_response",
    "span_schema",
]
