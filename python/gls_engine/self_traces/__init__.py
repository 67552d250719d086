"""The Studio's own traces: spans for work the Studio does itself (an LLM judge's
call, later a chain run step by step), built here and stored through the same
ingest pipeline as any OTLP export, so they are decoded, priced, given energy
and carbon, and shown live like the traces the Studio receives.

- self_span.py: one span being recorded (attributes, events, status, times)
- self_trace.py: a trace of such spans under one resource (project, environment, service)
- otlp_encoding.py: a trace as an OTLP ExportTraceServiceRequest (protobuf bytes)
- genai_attributes.py: OpenTelemetry GenAI attributes of a chat call
- traced_chat_client.py: a chat client whose every call is an LLM span
- submitter.py: hands a trace to the ingest pipeline, as the OTLP receivers do
- app_context.py: the submitter as an application resource
"""
