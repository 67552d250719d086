"""The datasets' part of the Studio's life: opened after the metadata store and the
span store (it reads spans for items from traces), uploads cut by the last stop
failed and cleaned up, running uploads stopped at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from gls_engine.config import Settings
from gls_engine.datasets.handlers import DATASETS_KEY, UPLOAD_DIR_KEY
from gls_engine.datasets.limits import DatasetLimits
from gls_engine.datasets.service import Datasets
from gls_engine.datasets.upload_jobs import UploadJobs
from gls_engine.metadata.handlers import METADATA_KEY
from gls_engine.query.handlers import QUERIES_KEY


def datasets_context(
    settings: Callable[[web.Application], Settings],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context; `settings(app)` gives the Studio's settings."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        upload_dir = settings(app).data_path / "dataset_uploads"
        limits = DatasetLimits.from_settings(settings(app))
        jobs = UploadJobs(app[METADATA_KEY], limits, upload_dir)
        await jobs.recover()
        app[UPLOAD_DIR_KEY] = upload_dir
        app[DATASETS_KEY] = Datasets(app[METADATA_KEY], limits, jobs, app.get(QUERIES_KEY))
        yield
        await jobs.close()

    return context
