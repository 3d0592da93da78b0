"""deisa-flink's simulation side in Python: deisa-ray's ``Bridge`` contract against the Flink
analytics job. A deisa-ray simulation changes one import line::

    from deisa_flink import Bridge, ContractError, DeisaError

See ``docs/PROTOCOL.md`` for the wire protocol this package speaks.
"""

from .bridge import Bridge
from .comm import MpiCommunicator, TcpCommunicator
from .errors import ContractError, DeisaError, DeisaTimeoutError, RendezvousError

__all__ = ["Bridge", "ContractError", "DeisaError", "DeisaTimeoutError", "RendezvousError", "TcpCommunicator",
           "MpiCommunicator"]
__version__ = "0.1.0"
