"""Datasets: a project's test sets with immutable versions (docs/datasets.md).

Items change only through versions (changes.py); a version is read as each
item's revision at or before it (reading.py), compared with another (diff.py),
exported (export.py) and named by tags (tags.py). Uploads run as background jobs
(upload_jobs.py) over files streamed to the data dir (upload_receiver.py).
"""
