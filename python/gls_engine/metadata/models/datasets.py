"""The dataset tables, imported together (models/__init__.py imports this module)."""

from gls_engine.metadata.models.dataset import DatasetRow
from gls_engine.metadata.models.dataset_item import DatasetItemRow
from gls_engine.metadata.models.dataset_item_revision import DatasetItemRevisionRow
from gls_engine.metadata.models.dataset_job import DatasetJobRow
from gls_engine.metadata.models.dataset_tag import DatasetTagRow
from gls_engine.metadata.models.dataset_tag_move import DatasetTagMoveRow
from gls_engine.metadata.models.dataset_version import DatasetVersionRow

__all__ = [
    "DatasetItemRevisionRow",
    "DatasetItemRow",
    "DatasetJobRow",
    "DatasetRow",
    "DatasetTagMoveRow",
    "DatasetTagRow",
    "DatasetVersionRow",
]
