"""The bridge's data endpoint: a TCP server that the job's reader subscribes to
(``docs/PROTOCOL.md``, section 6).

Three kinds of thread: the acceptor reads each new connection's HELLO and SUBSCRIBE and hands a
valid subscription to the sender at once (the newest reader attempt wins); the sender writes
HELLO, the SCHEMA frames, then the queue; one reader thread per connection takes ACK and END_ACK.

The queue (``log``) holds BEGIN_TIMESTEP, CHUNK and END items in order. Without ``replay`` an item
leaves it once written; with ``replay`` (the job takes checkpoints) a written item stays until an
ACK covers it, and a new subscription writes again everything it still holds from its
``nextSequence`` on.
"""

import collections
import logging
import socket
import struct
import threading
import time

import numpy as np

from . import _wire as w
from .errors import DeisaError, ProtocolError

LOG = logging.getLogger("deisa_flink")
HANDSHAKE_SECONDS = 10.0

BEGIN, CHUNK, END = 0, 1, 2
POOLED = 2   # released chunk arrays kept per (shape, dtype), as the C bridge does


class Item:
    __slots__ = ("kind", "seq", "timestep", "frame", "nbytes", "born")

    def __init__(self, kind, seq, timestep, frame, nbytes):
        self.kind, self.seq, self.timestep, self.frame, self.nbytes = kind, seq, timestep, frame, nbytes
        self.born = time.monotonic()


class DataEndpoint:
    def __init__(self, bridge_id, schemas, buffer_bytes, on_failure):
        self.bridge_id = bridge_id
        self.schemas = schemas               # encoded SCHEMA frames, in array id order
        self.bound = buffer_bytes
        self.on_failure = on_failure
        self.cv = threading.Condition()
        self.log = collections.deque()
        self.cursor = 0                      # index in log of the next item to write
        self.held = 0                        # chunk bytes in log
        self.next_seq = 0                    # the sequence the next chunk gets
        self.written_seq = -1                # highest chunk sequence written to a reader
        self.retain = False
        self.end_acked = False
        self.failure = None
        self.closed = False
        self.fence = None
        self.pending = None                  # a new subscription for the sender
        self.current = None                  # the socket being served
        self.blocked_ns = 0
        self.retention_blocked_ns = 0
        self.pool = {}                       # (shape, dtype) -> chunk arrays free for reuse
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("", 0))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        self.acceptor = threading.Thread(target=self._accept, name="deisa-bridge-%d-data-acceptor" % bridge_id,
                                         daemon=True)
        self.sender = threading.Thread(target=self._send_loop, name="deisa-bridge-%d-sender" % bridge_id,
                                       daemon=True)
        self.acceptor.start()
        self.sender.start()

    # ------------------------------------------------------------ simulation side

    def begin_timestep(self, timestep):
        payload = struct.pack("<q", timestep)
        with self.cv:
            self.log.append(Item(BEGIN, self.next_seq, timestep, w.frame(w.BEGIN_TIMESTEP, payload), 0))
            self.cv.notify_all()

    def reserve(self, nbytes, failed):
        """Waits until ``nbytes`` more fit the buffer bound (an empty buffer always takes a chunk)."""
        with self.cv:
            if self.held == 0 or self.held + nbytes <= self.bound:
                return
            only_retained = self.cursor >= len(self.log) and self.held > 0
            start = time.monotonic_ns()
            while self.held > 0 and self.held + nbytes > self.bound:
                failed()
                self.cv.wait(0.5)
            waited = time.monotonic_ns() - start
            if only_retained:
                self.retention_blocked_ns += waited
            else:
                self.blocked_ns += waited

    def take_buffer(self, shape, dtype):
        """An array of ``shape`` and ``dtype`` to copy a chunk into: a released one when there is,
        so that a send does not allocate (and the kernel zero) a fresh one every time."""
        with self.cv:
            free = self.pool.get((shape, dtype.str))
            if free:
                return free.pop()
        return np.empty(shape, dtype=dtype)

    def _release(self, item):
        """An item leaves the queue (mu held): its chunk bytes leave the bound, its array the pool."""
        if item.kind == CHUNK:
            self.held -= item.nbytes
            data = item.frame[1]
            free = self.pool.setdefault((data.shape, data.dtype.str), [])
            if len(free) < POOLED:
                free.append(data)

    def enqueue_chunk(self, array_id, timestep, data):
        """Queues one chunk (``data``: a C-contiguous little-endian numpy array the bridge owns);
        returns its sequence number."""
        with self.cv:
            seq = self.next_seq
            self.next_seq += 1
            nbytes = data.nbytes
            header = struct.pack("<IBHQq", 1 + 18 + nbytes, w.CHUNK, array_id, seq, timestep)
            self.log.append(Item(CHUNK, seq, timestep, (header, data), nbytes))
            self.held += nbytes
            self.cv.notify_all()
            return seq

    def await_written(self, seq, failed):
        with self.cv:
            while self.written_seq < seq:
                failed()
                self.cv.wait(0.5)

    def finish(self, last_timestep, failed):
        """Queues END and waits until the reader acknowledged it (END_ACK)."""
        with self.cv:
            self.log.append(Item(END, self.next_seq, last_timestep,
                                 w.frame(w.END, struct.pack("<Qq", self.next_seq, last_timestep)), 0))
            self.cv.notify_all()
            while not self.end_acked:
                failed()
                self.cv.wait(0.5)

    def retained_bytes(self):
        with self.cv:
            return sum(i.nbytes for i in list(self.log)[:self.cursor])

    def oldest_retained_ms(self):
        with self.cv:
            if self.cursor == 0 or not self.log:
                return 0
            return int((time.monotonic() - self.log[0].born) * 1000)

    # ------------------------------------------------------------ acceptor

    def _accept(self):
        while not self.closed:
            try:
                conn, peer = self.server.accept()
            except OSError:
                return
            peer = "%s:%d" % peer[:2]
            try:
                conn.settimeout(HANDSHAKE_SECONDS)
                ftype, payload = w.read_frame(conn)
                if ftype != w.HELLO or len(payload) < 7:
                    raise ProtocolError("expected HELLO, got %s" % w.frame_name(ftype))
                magic, version, channel = struct.unpack_from("<IHB", payload, 0)
                if magic != w.MAGIC or version != w.VERSION:
                    raise ProtocolError("HELLO of magic 0x%08x, version %d" % (magic, version))
                if channel != w.CHANNEL_DATA:
                    detail = ("not the analytics head: check the head address (DEISA_HEAD / system_metadata "
                              "'head')" if channel == w.CHANNEL_CONTROL else "not a channel %d endpoint" % channel)
                    self._refuse(conn, "this is the data endpoint of bridge %d (port %d), %s"
                                 % (self.bridge_id, self.port, detail))
                    continue
                ftype, payload = w.read_frame(conn)
                if ftype != w.SUBSCRIBE or len(payload) != 20:
                    raise ProtocolError("expected SUBSCRIBE, got %s" % w.frame_name(ftype))
                bridge, next_seq, fence = struct.unpack("<IQq", payload)
                if bridge != self.bridge_id:
                    self._refuse(conn, "this is bridge %d, not bridge %d" % (self.bridge_id, bridge))
                    continue
                with self.cv:
                    if self.fence is not None and fence < self.fence:
                        stale = self.fence
                    else:
                        stale = None
                        self.fence = fence
                        if self.pending is not None:
                            _close(self.pending[0])
                        self.pending = (conn, next_seq, peer)
                        if self.current is not None:
                            _shutdown(self.current)
                        self.cv.notify_all()
                if stale is not None:
                    self._refuse(conn, "bridge %d is read by a newer reader attempt (fencing token %d); this "
                                       "attempt's token %d is stale" % (self.bridge_id, stale, fence))
            except (OSError, EOFError, ProtocolError, struct.error) as e:
                LOG.warning("Bridge %d: closed a data connection from %s: %s", self.bridge_id, peer, e)
                _close(conn)

    @staticmethod
    def _refuse(conn, reason):
        try:
            conn.sendall(w.frame(w.ERROR, reason.encode("utf-8")))
        except OSError:
            pass
        _close(conn)

    # ------------------------------------------------------------ sender

    def _send_loop(self):
        while True:
            with self.cv:
                while self.pending is None and not self.closed:
                    self.cv.wait()
                if self.closed:
                    return
                conn, next_seq, peer = self.pending
                self.pending = None
                self.current = conn
            try:
                self._serve(conn, next_seq, peer)
            except (OSError, ProtocolError) as e:
                LOG.info("Bridge %d: the data connection to %s ended: %s", self.bridge_id, peer, e)
            finally:
                with self.cv:
                    if self.current is conn:
                        self.current = None
                _close(conn)

    def _serve(self, conn, next_seq, peer):
        conn.settimeout(None)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.cv:
            oldest = self.log[0].seq if self.log else self.next_seq
            if next_seq < oldest:
                reason = ("bridge %d cannot replay chunks from sequence %d: the oldest it still holds is %d"
                          % (self.bridge_id, next_seq, oldest))
                lost = True
            else:
                lost = False
                # the checkpoint the reader was restored from covers what lies below next_seq
                while self.log and self.log[0].kind != END and self.log[0].seq < next_seq:
                    self._release(self.log.popleft())
                self.cursor = 0
        if lost:
            self.on_failure(DeisaError("Analytics lost chunks of bridge %d: %s" % (self.bridge_id, reason)))
            conn.sendall(w.frame(w.ERROR, reason.encode("utf-8")))
            return
        conn.sendall(w.hello(w.CHANNEL_DATA) + b"".join(self.schemas))
        LOG.info("Bridge %d: streaming to %s from sequence %d", self.bridge_id, peer, next_seq)
        threading.Thread(target=self._read_acks, args=(conn,), name="deisa-bridge-%d-acks" % self.bridge_id,
                         daemon=True).start()
        while True:
            with self.cv:
                while self.cursor >= len(self.log) and self.pending is None and not self.closed:
                    self.cv.wait()
                if self.pending is not None or self.closed:
                    return
                item = self.log[self.cursor]
            if item.kind == CHUNK:
                header, data = item.frame
                _send_all(conn, header, data)
            else:
                conn.sendall(item.frame)
            with self.cv:
                if self.cursor < len(self.log) and self.log[self.cursor] is item:
                    if item.kind == CHUNK:
                        self.written_seq = max(self.written_seq, item.seq)
                    if self.retain or item.kind == END:
                        self.cursor += 1
                    else:
                        del self.log[self.cursor]
                        self._release(item)
                self.cv.notify_all()

    def _read_acks(self, conn):
        try:
            while True:
                ftype, payload = w.read_frame(conn)
                if ftype == w.ACK and len(payload) == 8:
                    (ack,) = struct.unpack("<Q", payload)
                    with self.cv:
                        while self.log and self.cursor > 0 and self.log[0].kind != END and self.log[0].seq < ack:
                            self._release(self.log.popleft())
                            self.cursor -= 1
                        self.cv.notify_all()
                elif ftype == w.END_ACK:
                    with self.cv:
                        self.end_acked = True
                        self.cv.notify_all()
                else:
                    raise ProtocolError("unexpected %s frame from the reader" % w.frame_name(ftype))
        except (OSError, EOFError, ProtocolError):
            return

    def wake(self):
        with self.cv:
            self.cv.notify_all()

    def close(self):
        with self.cv:
            self.closed = True
            if self.current is not None:
                _shutdown(self.current)
            self.cv.notify_all()
        _close(self.server)


def _send_all(conn, header, data):
    """One gathering write of a CHUNK frame's header and data, as many times as it takes."""
    view = memoryview(data).cast("B")
    sent = conn.sendmsg([header, view])
    total = len(header) + len(view)
    while sent < total:
        if sent < len(header):
            sent += conn.sendmsg([header[sent:], view])
        else:
            conn.sendall(view[sent - len(header):])
            return


def _shutdown(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _close(sock):
    try:
        sock.close()
    except OSError:
        pass
