"""Communicators between the bridges of one simulation.

A communicator is any object with ``rank``, ``world_size``, ``barrier()`` and
``broadcast_object(obj, src=0)`` (deisa-ray's contract). Two are provided:

- :class:`TcpCommunicator`, the default: rank 0 hosts a rendezvous on
  ``master_address:master_port`` and every rank keeps one TCP connection to it;
- :class:`MpiCommunicator`, which wraps an ``mpi4py.MPI.Comm`` (a raw one passed as ``comm`` is
  wrapped automatically).

Both also offer ``allgather_object(obj)``, which the bridge uses to check that every rank makes
the same collective call. A custom communicator without it gets a barrier instead of the check.
"""

import socket
import struct
import threading
import time

from .errors import DeisaError, RendezvousError

_MAGIC = 0x44434F4D  # "MOCD"
_VERSION = 1


def _encode(obj):
    """Objects the bridge broadcasts: None, bytes, str, int, float, bool, and lists of them."""
    if obj is None:
        return b"N"
    if isinstance(obj, bool):
        return b"B" + (b"\x01" if obj else b"\x00")
    if isinstance(obj, int):
        return b"I" + struct.pack("<q", obj)
    if isinstance(obj, float):
        return b"F" + struct.pack("<d", obj)
    if isinstance(obj, bytes):
        return b"Y" + struct.pack("<I", len(obj)) + obj
    if isinstance(obj, str):
        b = obj.encode("utf-8")
        return b"S" + struct.pack("<I", len(b)) + b
    if isinstance(obj, (list, tuple)):
        return b"L" + struct.pack("<I", len(obj)) + b"".join(_encode(x) for x in obj)
    raise TypeError("TcpCommunicator cannot send a %s (None, bool, int, float, bytes, str and lists "
                    "of them only)" % type(obj).__name__)


def _decode(b, at=0):
    tag = b[at:at + 1]
    at += 1
    if tag == b"N":
        return None, at
    if tag == b"B":
        return b[at] == 1, at + 1
    if tag == b"I":
        return struct.unpack_from("<q", b, at)[0], at + 8
    if tag == b"F":
        return struct.unpack_from("<d", b, at)[0], at + 8
    if tag in (b"Y", b"S"):
        (n,) = struct.unpack_from("<I", b, at)
        v = bytes(b[at + 4:at + 4 + n])
        return (v if tag == b"Y" else v.decode("utf-8")), at + 4 + n
    if tag == b"L":
        (n,) = struct.unpack_from("<I", b, at)
        at += 4
        out = []
        for _ in range(n):
            v, at = _decode(b, at)
            out.append(v)
        return out, at
    raise DeisaError("TcpCommunicator: malformed message (tag %r)" % tag)


def _send(sock, payload):
    sock.sendall(struct.pack("<I", len(payload)) + payload)


def _recv_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise EOFError("connection closed")
        data += part
    return bytes(data)


def _recv(sock):
    (n,) = struct.unpack("<I", _recv_exact(sock, 4))
    return _recv_exact(sock, n)


class TcpCommunicator:
    """The default communicator: a star around rank 0, which listens on ``master_port``.

    Every collective goes through rank 0: ``broadcast_object`` from any root, ``barrier`` and
    ``allgather_object``. Objects are None, bool, int, float, bytes, str and lists of them (no
    pickle on the network).

    :raises RendezvousError: when not every rank joined within ``timeout`` seconds, naming the
        rank, the world size, ``master_address:master_port`` and the timeout
    :raises DeisaError: when a rank left during a collective
    """

    def __init__(self, world_size, rank, master_address, master_port, timeout=120.0):
        if world_size < 1:
            raise ValueError("world_size must be >= 1 but is %d" % world_size)
        if not 0 <= rank < world_size:
            raise ValueError("rank %d is outside [0, %d)" % (rank, world_size))
        if not master_address:
            raise ValueError("master_address is missing for a world of size %d" % world_size)
        if not 1 <= int(master_port) <= 65535:
            raise ValueError("master_port must be in [1, 65535] but is %s" % master_port)
        self.rank = rank
        self.world_size = world_size
        self.endpoint = "%s:%d" % (master_address, master_port)
        self.timeout = float(timeout)
        self._peers = {}
        self._server = None
        self._master = None
        self._lock = threading.Lock()
        if world_size == 1:
            return
        if rank == 0:
            self._host(master_address, int(master_port))
        else:
            self._join(master_address, int(master_port))

    def _message(self, detail):
        return ("Rendezvous of rank %d failed: expected a world of size %d at %s within %.1f s: %s"
                % (self.rank, self.world_size, self.endpoint, self.timeout, detail))

    def _host(self, address, port):
        deadline = time.monotonic() + self.timeout
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind(("" if address in ("0.0.0.0", "") else address, port))
        except OSError as e:
            server.close()
            raise RendezvousError(self._message("rank 0 cannot listen there: %s" % e))
        server.listen(self.world_size)
        self._server = server
        try:
            while len(self._peers) < self.world_size - 1:
                left = deadline - time.monotonic()
                if left <= 0:
                    joined = sorted([0] + list(self._peers))
                    self._abort()
                    raise RendezvousError(self._message("only rank(s) %s joined" % joined))
                server.settimeout(left)
                try:
                    conn, _ = server.accept()
                except socket.timeout:
                    continue
                conn.settimeout(max(0.1, deadline - time.monotonic()))
                try:
                    magic, version, rank, world = struct.unpack("<IIII", _recv_exact(conn, 16))
                except (OSError, EOFError, struct.error):
                    conn.close()
                    continue
                if magic != _MAGIC or version != _VERSION or world != self.world_size \
                        or not 0 < rank < world or rank in self._peers:
                    reason = ("rank %d of world size %d (communicator version %d) cannot join rank 0's "
                              "world of size %d%s" % (rank, world, version, self.world_size,
                                                      " twice" if rank in self._peers else ""))
                    try:
                        _send(conn, b"E" + reason.encode())
                    except OSError:
                        pass
                    conn.close()
                    continue
                conn.settimeout(None)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._peers[rank] = conn
            for conn in self._peers.values():
                _send(conn, b"K")
        finally:
            server.close()
            self._server = None

    def _abort(self):
        for conn in self._peers.values():
            try:
                conn.close()
            except OSError:
                pass
        self._peers.clear()

    def _join(self, address, port):
        deadline = time.monotonic() + self.timeout
        last = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RendezvousError(self._message("rank 0 was not reachable%s"
                                                    % ("" if last is None else ", last error: %s" % last)))
            try:
                sock = socket.create_connection((address, port), timeout=min(left, 5.0))
                if sock.getsockname() == sock.getpeername():
                    sock.close()
                    raise ConnectionRefusedError("connected to itself")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.sendall(struct.pack("<IIII", _MAGIC, _VERSION, self.rank, self.world_size))
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                answer = _recv(sock)
                if answer[:1] == b"E":
                    sock.close()
                    raise RendezvousError(self._message(answer[1:].decode()))
                sock.settimeout(None)
                self._master = sock
                return
            except RendezvousError:
                raise
            except socket.timeout:
                raise RendezvousError(self._message("rank 0 did not complete the world in time"))
            except (OSError, EOFError) as e:
                last = e
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    # ------------------------------------------------------------ collectives

    def _broken(self, what, e):
        return DeisaError("TcpCommunicator rank %d: %s failed: a rank left (%s)" % (self.rank, what, e))

    def allgather_object(self, obj):
        """Every rank's ``obj``, in rank order, on every rank."""
        if self.world_size == 1:
            return [obj]
        with self._lock:
            try:
                if self.rank == 0:
                    values = [obj] + [None] * (self.world_size - 1)
                    for r, conn in self._peers.items():
                        values[r], _ = _decode(_recv(conn))
                    encoded = _encode(values)
                    for conn in self._peers.values():
                        _send(conn, encoded)
                    return values
                _send(self._master, _encode(obj))
                values, _ = _decode(_recv(self._master))
                return values
            except (OSError, EOFError) as e:
                raise self._broken("allgather", e)

    def broadcast_object(self, obj, src=0):
        """Root ``src``'s ``obj`` on every rank."""
        if not 0 <= src < self.world_size:
            raise ValueError("broadcast root %d is outside [0, %d)" % (src, self.world_size))
        if src == 0:
            if self.world_size == 1:
                return obj
            with self._lock:
                try:
                    if self.rank == 0:
                        encoded = _encode(obj)
                        for conn in self._peers.values():
                            _send(conn, encoded)
                        return obj
                    value, _ = _decode(_recv(self._master))
                    return value
                except (OSError, EOFError) as e:
                    raise self._broken("broadcast", e)
        return self.allgather_object(obj if self.rank == src else None)[src]

    def barrier(self):
        self.allgather_object(None)

    def close(self):
        self._abort()
        if self._master is not None:
            try:
                self._master.close()
            except OSError:
                pass
            self._master = None


class MpiCommunicator:
    """Wraps an ``mpi4py.MPI.Comm``: collectives are the communicator's own (pickle-based
    ``bcast`` and ``allgather`` of mpi4py)."""

    def __init__(self, comm):
        self.comm = comm
        self.rank = comm.Get_rank()
        self.world_size = comm.Get_size()

    def barrier(self):
        self.comm.Barrier()

    def broadcast_object(self, obj, src=0):
        return self.comm.bcast(obj, root=src)

    def allgather_object(self, obj):
        return self.comm.allgather(obj)

    def close(self):
        pass


def wrap(comm):
    """A raw ``mpi4py.MPI.Comm`` is wrapped; anything else must already follow the contract."""
    if type(comm).__module__.startswith("mpi4py") and hasattr(comm, "Get_rank"):
        return MpiCommunicator(comm)
    for attr in ("rank", "world_size", "barrier", "broadcast_object"):
        if not hasattr(comm, attr):
            raise TypeError("comm must be an mpi4py.MPI.Comm or have rank, world_size, barrier() and "
                            "broadcast_object(obj, src=0); %s has no %s" % (type(comm).__name__, attr))
    return comm
