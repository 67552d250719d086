"""Debugging a running application (not a chain): with debug mode switched on in
the Python SDK (greenlang_studio.debug), the application pauses at span
boundaries that match breakpoints set in the Studio and waits for continue,
step, stop or an edited value (docs/app-debug.md).

- breakpoints.py: a breakpoint as a client defines it, checked field by field
- hub.py: connected applications, the project's breakpoints, the pauses waiting
- handlers.py: the API both sides speak (the SDK long-polls; nothing on the
  application's hot path waits for the Studio unless a breakpoint matched)
"""
