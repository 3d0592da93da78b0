"""The simulation-side bridge of deisa-flink, with deisa-ray's ``Bridge`` contract.

One ``Bridge`` per rank shares that rank's chunks with the Flink analytics job and reads back the
feedback the analytics publish. It speaks the deisa wire protocol (``docs/PROTOCOL.md``) to the
job's head and is read by the job's source reader exactly like the Java ``io.deisa.bridge.Bridge``.
"""

import collections
import logging
import os
import socket
import struct
import threading
import time
import uuid

import numpy as np

from . import _wire as w
from ._data import DataEndpoint
from ._head import HeadClient
from .comm import TcpCommunicator, wrap
from .errors import ContractError, DeisaError

LOG = logging.getLogger("deisa_flink")

#: The ten element types of the protocol, by NumPy name.
DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64")
DEFAULT_HEAD = "127.0.0.1:29600"
DEFAULT_CONNECT_TIMEOUT = 120.0
DEFAULT_BUFFER_BYTES = 256 << 20
BUFFER_BYTES_ENV = "DEISA_BRIDGE_BUFFER_BYTES"
STATS_INTERVAL_NS = 200_000_000
MAX_CHUNK_BYTES = (1 << 31) - 65


class _Array:
    __slots__ = ("id", "name", "shape", "grid", "position", "chunks_of_node", "dtype", "nbytes", "last")

    def __init__(self, array_id, name, shape, grid, position, chunks_of_node, dtype):
        self.id, self.name, self.shape, self.grid = array_id, name, shape, grid
        self.position, self.chunks_of_node, self.dtype = position, chunks_of_node, dtype
        self.nbytes = int(np.prod(shape)) * dtype.itemsize
        self.last = None


def _ints(bridge_id, name, field, value):
    try:
        values = tuple(int(v) for v in (np.asarray(value).reshape(-1)))
    except (TypeError, ValueError):
        raise ValueError("Bridge %d: array '%s': %s must be a sequence of integers, got %r"
                         % (bridge_id, name, field, value))
    if not values:
        raise ValueError("Bridge %d: array '%s': %s is empty" % (bridge_id, name, field))
    return values


def _array(bridge_id, array_id, name, md):
    if not isinstance(name, str) or not name.strip():
        raise ValueError("Bridge %d: array name %r must be a non-blank string" % (bridge_id, name))
    if not isinstance(md, dict):
        raise ValueError("Bridge %d: the metadata of array '%s' must be a dict, got %s"
                         % (bridge_id, name, type(md).__name__))
    for key in ("chunk_shape", "nb_chunks_per_dim", "dtype", "chunk_position"):
        if key not in md:
            raise ValueError("Bridge %d: array '%s': %s is missing" % (bridge_id, name, key))
    shape = _ints(bridge_id, name, "chunk_shape", md["chunk_shape"])
    grid = _ints(bridge_id, name, "nb_chunks_per_dim", md["nb_chunks_per_dim"])
    position = _ints(bridge_id, name, "chunk_position", md["chunk_position"])
    chunks_of_node = int(md.get("nb_chunks_of_node", 1) or 1)
    if not len(shape) == len(grid) == len(position):
        raise ValueError("Bridge %d: array '%s': chunk_shape %s, nb_chunks_per_dim %s and chunk_position %s must "
                         "have the same rank" % (bridge_id, name, list(shape), list(grid), list(position)))
    if any(v <= 0 for v in shape) or any(v <= 0 for v in grid):
        raise ValueError("Bridge %d: array '%s': every entry of chunk_shape %s and nb_chunks_per_dim %s must be > 0"
                         % (bridge_id, name, list(shape), list(grid)))
    if any(not 0 <= p < g for p, g in zip(position, grid)):
        raise ValueError("Bridge %d: array '%s': chunk_position %s is outside the grid %s"
                         % (bridge_id, name, list(position), list(grid)))
    if chunks_of_node < 1:
        raise ValueError("Bridge %d: array '%s': nb_chunks_of_node must be >= 1, got %d"
                         % (bridge_id, name, chunks_of_node))
    try:
        dtype = np.dtype(md["dtype"])
    except TypeError:
        raise ValueError("Bridge %d: array '%s': dtype %r is not a NumPy dtype" % (bridge_id, name, md["dtype"]))
    if dtype.name not in DTYPES:
        raise ValueError("Bridge %d: array '%s': dtype %s is not one of %s"
                         % (bridge_id, name, dtype, ", ".join(DTYPES)))
    array = _Array(array_id, name, shape, grid, position, chunks_of_node, np.dtype(dtype.name).newbyteorder("<"))
    if array.nbytes > MAX_CHUNK_BYTES:
        raise ValueError("Bridge %d: array '%s': a chunk of %d bytes is larger than the %d bytes one frame carries"
                         % (bridge_id, name, array.nbytes, MAX_CHUNK_BYTES))
    return array


def _quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Bridge:
    """Shares one rank's chunks with the deisa-flink analytics and reads their feedback.

    :param bridge_id: this rank's id, unique in ``[0, world_size)``; there must be a bridge 0
    :param arrays_metadata: ``{name: {"chunk_shape", "nb_chunks_per_dim", "nb_chunks_of_node",
        "dtype", "chunk_position"}}`` for the chunk this rank owns in each array
    :param system_metadata: ``world_size``, ``master_address``, ``master_port`` (the default
        communicator's rendezvous, hosted by bridge 0), optional ``head`` (``"host:port"``,
        default ``$DEISA_HEAD`` else ``127.0.0.1:29600``) and ``connect_timeout`` (seconds, default
        120); may be ``None`` when ``comm`` is given
    :param comm: an ``mpi4py.MPI.Comm`` or any object with ``rank``, ``world_size``, ``barrier()``
        and ``broadcast_object(obj, src=0)``; ``None`` builds a :class:`TcpCommunicator`

    The constructor is collective: it returns once every bridge of the world registered with the
    analytics job. Raises ``ValueError`` for bad local arguments, :class:`ContractError` for
    metadata inconsistent with other bridges, :class:`DeisaTimeoutError` when the head is not
    reachable within ``connect_timeout``, :class:`DeisaError` when the head refuses the bridge.
    """

    def __init__(self, bridge_id, arrays_metadata, system_metadata=None, comm=None, *, _node_id=None,
                 scheduling_actor_cls=None, _init_retries=None, _comm_timeout=None):
        # _node_id, scheduling_actor_cls and _init_retries are deisa-ray's Ray hooks: accepted so that
        # deisa-ray code runs unchanged, and without meaning here. _comm_timeout (seconds) bounds
        # the default communicator's rendezvous, as in deisa-ray.
        if isinstance(bridge_id, bool) or not isinstance(bridge_id, (int, np.integer)):
            raise ValueError("bridge_id must be an integer, got %r" % (bridge_id,))
        bridge_id = int(bridge_id)
        self.bridge_id = bridge_id
        self._released = False
        self._run_closed = False
        self._owns_comm = comm is None
        self._head = None
        self._data = None
        self._comm = None
        sys_md = dict(system_metadata or {})
        if comm is None and system_metadata is None:
            raise ValueError("Bridge %d: system_metadata is required when no comm is given" % bridge_id)
        if comm is not None:
            self._comm = wrap(comm)
            world_size = int(sys_md.get("world_size", self._comm.world_size))
        else:
            if "world_size" not in sys_md:
                raise ValueError("Bridge %d: system_metadata needs world_size" % bridge_id)
            world_size = int(sys_md["world_size"])
        if world_size < 1:
            raise ValueError("Bridge %d: world_size must be >= 1, got %d" % (bridge_id, world_size))
        if not 0 <= bridge_id < world_size:
            raise ValueError("bridge_id %d is outside [0, %d) for world size %d"
                             % (bridge_id, world_size, world_size))
        if not arrays_metadata:
            raise ValueError("Bridge %d declares no array: arrays_metadata is empty" % bridge_id)
        self._arrays = {}
        for name, md in arrays_metadata.items():
            self._arrays[name] = _array(bridge_id, len(self._arrays), name, md)
        if len(self._arrays) > 65535:
            raise ValueError("Bridge %d declares %d arrays, at most 65535" % (bridge_id, len(self._arrays)))
        head = sys_md.get("head") or os.environ.get("DEISA_HEAD") or DEFAULT_HEAD
        host, sep, port = str(head).rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("Bridge %d: head %r is not host:port" % (bridge_id, head))
        self._head_address = (host, int(port))
        self.connect_timeout = float(sys_md.get("connect_timeout", DEFAULT_CONNECT_TIMEOUT))
        if self.connect_timeout <= 0:
            raise ValueError("Bridge %d: connect_timeout must be > 0 seconds, got %s"
                             % (bridge_id, self.connect_timeout))
        buffer_bytes = os.environ.get(BUFFER_BYTES_ENV, "").strip()
        try:
            self._buffer_bytes = int(buffer_bytes) if buffer_bytes else DEFAULT_BUFFER_BYTES
            if self._buffer_bytes <= 0:
                raise ValueError
        except ValueError:
            raise ValueError("%s must be a positive number of bytes, got %r" % (BUFFER_BYTES_ENV, buffer_bytes))
        if self._comm is None:
            for key in ("master_address", "master_port"):
                if key not in sys_md:
                    raise ValueError("Bridge %d: system_metadata needs %s when no comm is given" % (bridge_id, key))
            self._comm = TcpCommunicator(world_size, bridge_id, sys_md["master_address"], int(sys_md["master_port"]),
                                         float(_comm_timeout) if _comm_timeout else self.connect_timeout)
        if self._comm.rank != bridge_id or self._comm.world_size != world_size:
            raise ValueError("Communicator has rank %d of %d but the bridge id is %d of world size %d"
                             % (self._comm.rank, self._comm.world_size, bridge_id, world_size))
        self.world_size = world_size
        self._collectives = 0
        self._collective_failure = None
        self._failure = None
        self._last_timestep = None
        self._recent = collections.deque()       # (timestep, first sequence) not yet awaited
        self._awaited = None
        self._awaited_last_seq = -1
        self._progress_wait_ns = 0
        self._stats_at = None
        try:
            self._connect()
        except BaseException as e:
            if self._head is not None and self._head.sock is not None:
                try:
                    self._head.abort("bridge %d gave up while joining the run: %s" % (bridge_id, e))
                except OSError:
                    pass
            self._release_resources()
            raise

    # ------------------------------------------------------------ construction

    def _connect(self):
        deadline = time.monotonic() + self.connect_timeout
        simulation_id = self._comm.broadcast_object(uuid.uuid4().hex[:8] if self.bridge_id == 0 else None, 0)
        schemas = []
        for a in self._arrays.values():
            payload = w.array_declaration(w.Writer().u16(a.id), a.name, a.dtype.name, a.shape, a.grid, a.position,
                                          a.chunks_of_node).bytes()
            schemas.append(w.frame(w.SCHEMA, payload))
        self._data = DataEndpoint(self.bridge_id, schemas, self._buffer_bytes, self._data_lost)
        self._head = HeadClient(self.bridge_id, self._head_address[0], self._head_address[1], self.connect_timeout)

        def registration(data_host):
            out = (w.Writer().u32(self.bridge_id).u32(self.world_size).string(simulation_id).string(data_host)
                   .u32(self._data.port).string(socket.gethostname()).u32(len(self._arrays)))
            for a in self._arrays.values():
                w.array_declaration(out, a.name, a.dtype.name, a.shape, a.grid, a.position, a.chunks_of_node)
            return out.bytes()

        self._max_ahead, run_id, replay = self._head.register(registration, self.world_size, deadline)
        self._data.retain = replay
        self._head.start(self._fail)
        self._collective("Bridge(...)")
        LOG.info("Bridge %d of %d joined run %s of simulation %s at %s:%d (data port %d, may run %d timestep(s) "
                 "ahead)", self.bridge_id, self.world_size, run_id, simulation_id, self._head_address[0],
                 self._head_address[1], self._data.port, self._max_ahead)

    # ------------------------------------------------------------ failures

    def _fail(self, error):
        if self._failure is None:
            self._failure = error
            LOG.error("Bridge %d: %s", self.bridge_id, error)
        if self._data is not None:
            self._data.wake()

    def _data_lost(self, error):
        self._fail(error)
        if self._head is not None:
            self._head.bridge_failed(str(error))

    def _check_failed(self):
        if self._failure is not None:
            raise DeisaError(str(self._failure))

    # ------------------------------------------------------------ send

    def _refused(self, array_name, timestep, reason):
        return ContractError("Bridge %d cannot send array '%s' at timestep %s: %s"
                             % (self.bridge_id, array_name, timestep, reason))

    def send(self, array_name, chunk, timestep, chunked=True, store_externally=False, test_mode=False):
        """Makes this rank's chunk of ``array_name`` at ``timestep`` available to the analytics.

        ``chunk`` is a ``numpy.ndarray`` of the declared ``chunk_shape`` and ``dtype`` (any memory
        layout; it is copied once, so the simulation may overwrite it when ``send`` returns). Blocks
        while the analytics lag more than ``max_simulation_ahead`` timesteps behind, or while the
        bridge's buffer (``$DEISA_BRIDGE_BUFFER_BYTES``, default 256 MiB) is full.

        :raises ContractError: undeclared array, wrong shape or dtype, a timestep lower than an
            earlier one, the same array twice at one timestep, a closed bridge; nothing is sent
        :raises DeisaError: the analytics job failed
        """
        if self._released or self._run_closed:
            raise self._refused(array_name, timestep, "the bridge is closed")
        self._check_failed()
        array = self._arrays.get(array_name)
        if array is None:
            raise self._refused(array_name, timestep, "the array was not declared (declared arrays: %s)"
                                % list(self._arrays))
        if isinstance(timestep, bool) or not isinstance(timestep, (int, np.integer)):
            raise self._refused(array_name, timestep, "the timestep must be an integer, got %s"
                                % type(timestep).__name__)
        timestep = int(timestep)
        if chunk is None:
            raise self._refused(array_name, timestep, "the chunk is None")
        if not isinstance(chunk, np.ndarray):
            raise self._refused(array_name, timestep, "the chunk is a %s, not a numpy.ndarray"
                                % type(chunk).__name__)
        if chunk.dtype.name != array.dtype.name:
            raise self._refused(array_name, timestep, "the array is declared as %s but a %s array was given"
                                % (array.dtype.name, chunk.dtype.name))
        if tuple(chunk.shape) != array.shape:
            raise self._refused(array_name, timestep, "the chunk has shape %s (%d elements) but the declared chunk "
                                "shape is %s (%d elements)" % (tuple(chunk.shape), chunk.size, array.shape,
                                                               int(np.prod(array.shape))))
        if self._last_timestep is not None and timestep < self._last_timestep:
            raise self._refused(array_name, timestep, "timestep %d is lower than timestep %d sent earlier "
                                "(timesteps of a bridge must not decrease)" % (timestep, self._last_timestep))
        if array.last == timestep:
            raise self._refused(array_name, timestep, "this bridge already sent that array at that timestep")
        if self._last_timestep is None or timestep > self._last_timestep:
            # announced before waiting, so that the analytics can finish the previous timestep
            self._recent.append((timestep, self._data.next_seq))
            self._data.begin_timestep(timestep)
            self._last_timestep = timestep
            self._report_stats()
        self._await_analytics(timestep)
        self._data.reserve(array.nbytes, self._check_failed)
        # one copy, whatever the layout or byte order of the simulation's array, into a pooled
        # C-contiguous little-endian array
        data = self._data.take_buffer(array.shape, array.dtype)
        np.copyto(data, chunk, casting="equiv")
        array.last = timestep
        self._data.enqueue_chunk(array.id, timestep, data)

    def _await_analytics(self, timestep):
        bound = timestep - self._max_ahead - 1
        advanced = False
        while self._recent and self._recent[0][0] <= bound:
            self._awaited = self._recent.popleft()[0]
            advanced = True
        if advanced:
            self._awaited_last_seq = self._recent[0][1] - 1
        if self._awaited is None:
            return
        start = time.monotonic_ns()
        self._head.await_progress(self._awaited)
        self._data.await_written(self._awaited_last_seq, self._check_failed)
        self._progress_wait_ns += time.monotonic_ns() - start

    def _report_stats(self):
        now = time.monotonic_ns()
        if self._stats_at is not None and now - self._stats_at < STATS_INTERVAL_NS:
            return
        self._stats_at = now
        d = self._data
        self._head.stats(self._last_timestep, d.blocked_ns + self._progress_wait_ns, d.retained_bytes(),
                         d.oldest_retained_ms(), d.retention_blocked_ns)

    # ------------------------------------------------------------ collectives

    def _collective(self, call):
        self._collectives += 1
        numbered = "%s #%d" % (call, self._collectives)
        if self._collective_failure is not None:
            raise ContractError("Bridge %d cannot call %s: an earlier collective failed: %s"
                                % (self.bridge_id, numbered, self._collective_failure))
        try:
            if hasattr(self._comm, "allgather_object"):
                calls = self._comm.allgather_object(numbered)
                for rank, other in enumerate(calls):
                    if other != calls[0]:
                        self._collective_failure = ContractError(
                            "Bridge %d: collective calls differ: rank 0 called %s but rank %d called %s"
                            % (self.bridge_id, calls[0], rank, other))
                        raise self._collective_failure
            else:
                self._comm.barrier()
        except ContractError:
            raise
        except Exception as e:
            if self._failure is not None:
                raise DeisaError(str(self._failure)) from e
            raise DeisaError("Bridge %d: %s failed: %s" % (self.bridge_id, numbered, e)) from e

    def get(self, name, timestep=None):
        """Collective: the feedback value published for ``name`` at exactly ``timestep`` (``None``
        when none is retained), or, without ``timestep``, the retained ``[(timestep, value), ...]``
        of ``name``, oldest first (``None`` when there is none). Bridge 0 asks the analytics and
        broadcasts the answer. Works after ``close(timestep)``.

        :raises ContractError: the bridge was released, or the bridges' calls differ
        :raises DeisaError: the analytics job failed
        """
        if not isinstance(name, str):
            raise ValueError("Bridge %d: feedback name must be a str, got %r" % (self.bridge_id, name))
        if self._released:
            raise ContractError("Bridge %d cannot get feedback '%s': the bridge is closed" % (self.bridge_id, name))
        all_entries = timestep is None
        if not all_entries:
            timestep = int(timestep)
        self._collective("get(%s)" % _quote(name) if all_entries else "get(%s, %d)" % (_quote(name), timestep))
        answer = None
        if self.bridge_id == 0:
            try:
                self._check_failed()
                entries = self._head.query(name, all_entries, 0 if all_entries else timestep)
                answer = [0] + [x for t, v in entries for x in (t, v)]
            except (DeisaError, OSError) as e:
                answer = [1, str(e)]
        try:
            answer = self._comm.broadcast_object(answer, 0)
        except Exception as e:
            if self._failure is not None:
                raise DeisaError(str(self._failure)) from e
            raise DeisaError("Bridge %d: the broadcast of feedback '%s' failed: %s" % (self.bridge_id, name, e))
        if answer[0] != 0:
            raise DeisaError("Bridge %d could not get feedback '%s': %s" % (self.bridge_id, name, answer[1]))
        values = [(answer[i], w.decode_feedback(answer[i + 1])) for i in range(1, len(answer), 2)]
        if all_entries:
            return values or None
        return values[0][1] if values else None

    def close(self, timestep):
        """Collective: ends the run at ``timestep``; returns ``timestep`` once the analytics
        received every chunk and ran their last callbacks. ``get`` keeps working afterwards.

        :raises ContractError: the bridge is already closed, or the bridges' calls differ
        :raises DeisaError: the analytics job failed
        """
        timestep = int(timestep)
        if self._released or self._run_closed:
            raise ContractError("Bridge %d cannot close the run at timestep %d: the bridge is already closed"
                                % (self.bridge_id, timestep))
        self._check_failed()
        self._collective("close(%d)" % timestep)
        self._head.close_run(timestep)
        self._data.finish(timestep, self._check_failed)
        self._head.await_final()
        self._run_closed = True
        LOG.info("Bridge %d closed the run at timestep %d after %d chunks", self.bridge_id, timestep,
                 self._data.next_seq)
        return timestep

    # ------------------------------------------------------------ release

    def release(self):
        """Releases sockets and threads. Without ``close(timestep)`` first, the analytics are told
        that this bridge left abnormally, so the job fails naming it instead of waiting."""
        if self._released:
            return
        self._released = True
        if not self._run_closed and self._head is not None:
            try:
                self._head.abort("bridge %d was closed without close(timestep) after %d chunks"
                                 % (self.bridge_id, self._data.next_seq))
            except OSError:
                pass
        self._release_resources()

    def _release_resources(self):
        if self._head is not None:
            self._head.release()
        if self._data is not None:
            self._data.close()
        if self._owns_comm and self._comm is not None:
            try:
                self._comm.close()
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False
