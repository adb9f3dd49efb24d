"""regcycle: an agent-based model of Zhang's regulatory pendulum (import package ``sim``)."""

from .params import ParameterError, Params
from .states import EventKind, Phase

__version__ = "0.1.0"

__all__ = ["EventKind", "ParameterError", "Params", "Phase", "RegulatoryModel", "__version__"]


def __getattr__(name: str):
    # The model pulls in Mesa; import it on first use so that `import sim` stays light.
    if name == "RegulatoryModel":
        from .model import RegulatoryModel

        return RegulatoryModel
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
