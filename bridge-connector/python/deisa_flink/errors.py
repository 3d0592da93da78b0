"""Errors raised by the deisa_flink bridge (same wording as the Java bridge, ``io.deisa.bridge``)."""


class DeisaError(RuntimeError):
    """The run cannot go on: the analytics job failed, the head was lost, a peer broke the protocol.

    Raised by the call that finds it (a waiting ``send``, ``get`` or ``close``) or by the next call.
    The message carries the analytics' reason, e.g. ``The analytics job failed: run 5c1e0a9b: ...``.
    """


class ContractError(ValueError):
    """A call broke the bridge's contract (a chunk of the wrong shape or dtype, a timestep going back,
    a repeated send, an undeclared array, a call after close, collective calls that differ).

    Nothing was sent. The message names the bridge, the array and the timestep.
    """


class DeisaTimeoutError(DeisaError, TimeoutError):
    """A bounded wait ran out: the head was not reachable, or not every bridge registered, within
    ``connect_timeout``. The message names the address and the timeout."""


class RendezvousError(DeisaTimeoutError):
    """The default communicator's rendezvous did not complete in time. The message names the rank,
    the expected world size, ``master_address:master_port`` and the timeout."""


class ProtocolError(DeisaError):
    """A peer sent bytes that do not follow ``docs/PROTOCOL.md``."""
