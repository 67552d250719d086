"""The chain tables (docs/chains.md)."""

from gls_engine.metadata.models.chain import ChainRow
from gls_engine.metadata.models.chain_label import ChainLabelMoveRow, ChainLabelRow
from gls_engine.metadata.models.chain_run import ChainRunRow
from gls_engine.metadata.models.chain_version import ChainVersionRow
from gls_engine.metadata.models.llm_provider import LlmProviderRow

__all__ = [
    "ChainLabelMoveRow",
    "ChainLabelRow",
    "ChainRow",
    "ChainRunRow",
    "ChainVersionRow",
    "LlmProviderRow",
]
