"""User-written regular expressions, compiled by RE2: matching takes time linear in
the text whatever the pattern, so a pattern like `(a+)+$` cannot hang the server
(Python's `re` backtracks on it for longer than the universe's age).

RE2 has no backreferences or lookaround; a pattern using them is refused with
RE2's reason, as any other invalid pattern.
"""

from __future__ import annotations

import re2

from gls_engine.errors import InvalidParameterError

# RE2 compiles into a bounded automaton; this bounds the memory one pattern may take.
MAX_PATTERN_MEMORY = 8 << 20


def compile_linear(pattern: str, field: str, case_sensitive: bool = True) -> re2._Regexp:
    options = re2.Options()
    options.log_errors = False  # RE2 writes refusals to stderr otherwise
    options.max_mem = MAX_PATTERN_MEMORY
    options.case_sensitive = case_sensitive
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode(errors="replace")
        raise InvalidParameterError(
            f"{field} is not a pattern RE2 accepts (no backreferences or lookaround): {reason}"
        ) from None
