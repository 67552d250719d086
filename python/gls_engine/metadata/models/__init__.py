"""The metadata tables. Every model module is imported here, so Base.metadata (what
Alembic compares the migrations with) holds them all."""

from gls_engine.metadata.models import chains as chains  # the chain tables
from gls_engine.metadata.models import datasets as datasets  # the dataset tables
from gls_engine.metadata.models import experiments as experiments  # the experiment tables
from gls_engine.metadata.models.base import Base, UtcDateTime
from gls_engine.metadata.models.judge_provider import JudgeProviderRow
from gls_engine.metadata.models.project_settings import ProjectSettingsRow
from gls_engine.metadata.models.score_config import ScoreConfigRow

__all__ = ["Base", "JudgeProviderRow", "ProjectSettingsRow", "ScoreConfigRow", "UtcDateTime"]
