"""The experiment tables (one module each), imported together by models/__init__.py."""

from gls_engine.metadata.models.experiment import ExperimentRow
from gls_engine.metadata.models.experiment_run import ExperimentRunRow

__all__ = ["ExperimentRow", "ExperimentRunRow"]
