"""GreenLang Studio's Python client (docs/sdk.md): `Client(url, project)`."""

from greenlang_studio.chains import Chain
from greenlang_studio.client import Client
from greenlang_studio.datasets import Dataset
from greenlang_studio.errors import StudioError
from greenlang_studio.evaluation import EvaluationResult
from greenlang_studio.experiments import ExperimentResult

__all__ = ["Chain", "Client", "Dataset", "EvaluationResult", "ExperimentResult", "StudioError"]
__version__ = "0.1.0"
